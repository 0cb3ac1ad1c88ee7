"""SAM's and ASAM's second forward pass draws a fresh dropout mask (as
PyTorch's SAM does with its second forward call): exactly the mask of
second_pass_seed(seed), and one that differs from the first pass's."""

import numpy as np
import pytest
import tensorflow as tf

import contract as C
import layers
import models
import reference
from module import SECOND_PASS_SEED_XOR, TrainModule, second_pass_seed

MLP = dict(input_shape=[6, 6, 1], num_classes=4, hidden=32, dropout=0.5)


def mlp():
    o = dict(MLP)
    return models.build("mlp3", o.pop("input_shape"), o.pop("num_classes"), **o)


def test_second_pass_seed_matches_reference():
    """The in-graph derivation equals reference.py's, written independently
    (XOR with 0x9E3779B97F4A7C15 in 64-bit two's complement)."""
    for s in [0, 1, 3, 4, 2 ** 62 + 5, 2 ** 63 - 1, -7]:
        assert int(second_pass_seed(tf.constant(s, tf.int64)).numpy()) == reference.second_pass_seed(s)
    assert SECOND_PASS_SEED_XOR == reference.second_pass_seed(0)
    # Go's step seeds are >= 0; their second-pass seeds are < 0, so never another step's.
    assert reference.second_pass_seed(12345) < 0


@pytest.mark.parametrize("method", ["sam", "asam"])
def test_rho_zero_is_sgd_with_the_second_pass_mask(method):
    """With rho = 0 the perturbation is zero, so the step is the SGD step on
    the second pass's gradient: bitwise equal to train_sgd with seed
    second_pass_seed(s), and not to train_sgd with seed s. The reported loss
    is the first pass's (train_sgd with seed s, from the same weights)."""
    m = mlp()
    im, lab, w = reference._batch(m, 16, 4)
    a, b, c = TrainModule(m), TrainModule(m), TrainModule(m)
    for mod in (a, b, c):
        mod.reset(tf.constant(5, tf.int64))
    for step in range(3):
        s = tf.constant(10 + step, tf.int64)
        la = a.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, s)
        b.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, second_pass_seed(s))
        lc = getattr(c, "train_" + method)(im, lab, w, 0.1, 0.9, 5e-4, 0.0, s)
        if step == 0:  # a and c still hold the same weights
            assert float(la[C.LOSS]) == float(lc[C.LOSS])
    for x, y in zip(b.params + b.slots, c.params + c.slots):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert max(np.max(np.abs(x.numpy() - y.numpy())) for x, y in zip(a.params, c.params)) > 1e-4


def test_masks_of_the_two_passes_differ():
    """Over 200 step seeds, the first and second passes' masks of a rate-0.5
    dropout agree on 50% of the units as independent masks do (binomial std
    0.35% over 20,000 units), not 100% as one shared mask would."""
    x = tf.ones([1, 100])
    agree, kept = [], []
    for s in range(200):
        m1 = layers.dropout(x, 0.5, tf.constant(s, tf.int64), 0).numpy() > 0
        m2 = layers.dropout(x, 0.5, second_pass_seed(tf.constant(s, tf.int64)), 0).numpy() > 0
        agree.append(np.mean(m1 == m2))
        kept.append(np.mean(m2))
    assert abs(np.mean(agree) - 0.5) < 0.02, np.mean(agree)
    assert abs(np.mean(kept) - 0.5) < 0.02
    same = layers.dropout(x, 0.5, tf.constant(3, tf.int64), 0).numpy() > 0
    np.testing.assert_array_equal(same, layers.dropout(x, 0.5, tf.constant(3, tf.int64), 0).numpy() > 0)


def test_sam_matches_reference_with_fresh_mask():
    """train_sam and train_asam on mlp3 with dropout 0.5 equal reference.py's
    eager steps, which take the second pass's gradient with
    second_pass_seed(seed); with the first pass's seed they would not."""
    m = mlp()
    mod = TrainModule(m)
    for method in ("sam", "asam"):
        mod.reset(tf.constant(11, tf.int64))
        w0 = [v.numpy() for v in mod.params]
        batch = reference._batch(m, 16, 200)
        zeros = [np.zeros_like(p) for p in w0]
        step = reference.sam_step if method == "sam" else reference.asam_step
        _, want, _, _ = step(m, w0, [], zeros, batch, 0.05, 0.9, 5e-4, 0.5, 3)
        getattr(mod, "train_" + method)(*batch, 0.05, 0.9, 5e-4, 0.5, tf.constant(3, tf.int64))
        got = [v.numpy() for v in mod.params]
        assert max(np.max(np.abs(g - x)) for g, x in zip(got, want)) <= 1e-5, method
        # The same rule with one shared mask lands elsewhere.
        _, g1, _ = reference._grads(m, w0, [], *batch, 3)
        norm = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in g1))
        pert = [(p + np.float32(0.5 / norm) * g).astype(np.float32) for p, g in zip(w0, g1)]
        if method == "sam":
            _, g2_shared, _ = reference._grads(m, pert, [], *batch, 3)
            shared, _ = reference._base_step(w0, g2_shared, zeros, 0.05, 0.9, 5e-4)
            assert max(np.max(np.abs(g - x)) for g, x in zip(got, shared)) > 1e-4
