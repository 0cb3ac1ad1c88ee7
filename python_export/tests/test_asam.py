"""Tests of the train_asam signature (ASAM, Kwon et al. 2021, arXiv:2102.11600)
against the eager numpy reference written from the official SamsungLabs/ASAM
asam.py (reference.asam_step), plus rho = 0 == SGD bitwise and the batch-norm
rule."""

import numpy as np
import pytest
import tensorflow as tf

import contract as C
import models
import module as M
import reference
from module import TrainModule

SMALL = {
    "toy_cnn": dict(input_shape=[3, 8], num_classes=2, filters=4, init_scale=1.5),
    "mlp3": dict(input_shape=[6, 6, 1], num_classes=4, hidden=16, dropout=0.1),
    "cnn_bn": dict(input_shape=[8, 8, 1], num_classes=3),
}
asam_step = reference.asam_step
official_rule = reference.official_asam_rule
TORCH_NAME = reference.TORCH_NAME


def small(name):
    o = dict(SMALL[name])
    return models.build(name, o.pop("input_shape"), o.pop("num_classes"), **o)


def test_adaptive_rule_matches_official_names():
    """module.asam_adaptive gives the official rule for every parameter of
    every registered model (a new kind of parameter must be classified)."""
    shapes = {"toy_cnn": ([3, 8], 2)}
    small_opts = {"mlp3": dict(hidden=8), "vit_s": dict(hidden=16, depth=1, heads=2, dim_head=8, mlp=16),
                  "preact_resnet18": dict(width=4), "resnet34": dict(width=4), "vgg19_bn": dict(width=4),
                  "densenet121": dict(growth=4, blocks=(1, 1, 1, 1))}
    for name in sorted(models.MODELS):
        shape, classes = shapes.get(name, ([16, 16, 3], 2))
        m = models.build(name, shape, classes, **small_opts.get(name, {}))
        for p in m.params:
            assert p.name.rsplit("/", 1)[-1] in TORCH_NAME, (name, p.name)
            assert M.asam_adaptive(p.name) == official_rule(p.name), (name, p.name)
    vit = models.build("vit_s", [8, 8, 3], 2, **small_opts["vit_s"])
    flags = {p.name: M.asam_adaptive(p.name) for p in vit.params}
    assert not flags["cls_token"] and not flags["pos_embedding"] and not flags["mlp_head/bias"]
    assert flags["transformer.layers.0.0.to_qkv/kernel"] and flags["transformer.norm/gamma"]
    assert not flags["transformer.norm/beta"] and flags["to_patch_embedding.1/gamma"]


@pytest.mark.parametrize("name", ["mlp3", "cnn_bn"])
def test_asam_matches_numpy_reference(name):
    m = small(name)
    mod = TrainModule(m)
    mod.reset(tf.constant(11, tf.int64))
    params = [v.numpy() for v in mod.params]
    state = [v.numpy() for v in mod.state]
    bufs = [np.zeros_like(p) for p in params]
    hp = dict(lr=0.05, momentum=0.9, wd=5e-4, rho=0.5)
    for k in range(2):  # the second step also checks the momentum buffers
        batch = reference._batch(m, 16, 200 + k)
        seed = 3 + k
        loss, params, state, bufs = asam_step(m, params, state, bufs, batch, hp["lr"], hp["momentum"],
                                              hp["wd"], hp["rho"], seed)
        out = mod.train_asam(*batch, hp["lr"], hp["momentum"], hp["wd"], hp["rho"], tf.constant(seed, tf.int64))
        assert abs(float(out[C.LOSS]) - loss) <= 1e-5
        for v, want in zip(mod.params + mod.slots + mod.state, params + bufs + state):
            assert np.max(np.abs(v.numpy() - want)) <= 1e-5, v.name
    # The adaptive scaling matters: the same step with SAM's T = 1 is elsewhere.
    mod.reset(tf.constant(11, tf.int64))
    w0 = [v.numpy() for v in mod.params]
    s0 = [v.numpy() for v in mod.state]
    batch = reference._batch(m, 16, 200)
    _, p_asam, _, _ = asam_step(m, w0, s0, [np.zeros_like(p) for p in w0], batch, 0.05, 0.9, 5e-4, 0.5, 3)
    _, p_plain, _, _ = asam_step(m, w0, s0, [np.zeros_like(p) for p in w0], batch, 0.05, 0.9, 5e-4, 0.5, 3,
                                 adaptive=[False] * len(w0))
    _, p_sam, _, _ = reference.sam_step(m, w0, s0, [np.zeros_like(p) for p in w0], batch, 0.05, 0.9, 5e-4, 0.5, 3)
    assert max(np.max(np.abs(a - b)) for a, b in zip(p_plain, p_sam)) <= 1e-6  # T = 1 is SAM
    assert max(np.max(np.abs(a - b)) for a, b in zip(p_asam, p_sam)) > 1e-4


# Models without dropout; with dropout the second pass draws a fresh mask
# (tests/test_second_pass.py).
@pytest.mark.parametrize("name", ["cnn_bn", "toy_cnn"])
def test_asam_rho_zero_is_sgd_bitwise(name):
    m = small(name)
    a, b = TrainModule(m), TrainModule(m)
    im, lab, w = reference._batch(m, 8, 1)
    for mod in (a, b):
        mod.reset(tf.constant(5, tf.int64))
    for step in range(3):
        la = a.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, tf.constant(step, tf.int64))
        lb = b.train_asam(im, lab, w, 0.1, 0.9, 5e-4, 0.0, tf.constant(step, tf.int64))
        assert float(la[C.LOSS]) == float(lb[C.LOSS])
    for x, y in zip(a.params + a.state + a.slots, b.params + b.state + b.slots):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_asam_second_pass_leaves_batchnorm_statistics():
    m = small("cnn_bn")
    a, b = TrainModule(m), TrainModule(m)
    im, lab, w = reference._batch(m, 8, 1)
    a.reset(tf.constant(1, tf.int64)), b.reset(tf.constant(1, tf.int64))
    a.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, tf.constant(0, tf.int64))
    b.train_asam(im, lab, w, 0.1, 0.9, 5e-4, 1.0, tf.constant(0, tf.int64))
    for x, y in zip(a.state, b.state):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    diff = max(np.max(np.abs(x.numpy() - y.numpy())) for x, y in zip(a.params, b.params))
    assert diff > 1e-6
    assert np.max(np.abs(a.state[0].numpy())) > 0, "statistics must have moved"
