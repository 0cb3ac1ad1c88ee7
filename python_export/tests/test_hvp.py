"""Tests of the hvp signature (Hessian-vector product of the mean
cross-entropy in inference mode, for the Lanczos sharpness stage): against a
float64 central difference of gradients, against the explicit float64
Hessian of tiny models, symmetry, inference mode and no side effects, the
exported SavedModel, and every registered architecture."""

import functools
import json
import os

import numpy as np
import pytest
import tensorflow as tf

import contract as C
import export
import models
import reference
from module import TrainModule

SMALL = {
    "toy_cnn": dict(input_shape=[3, 8], num_classes=2, filters=4, init_scale=1.5),
    "mlp3": dict(input_shape=[6, 6, 1], num_classes=4, hidden=16, dropout=0.1),
    "cnn_bn": dict(input_shape=[8, 8, 1], num_classes=3),
}
# Small enough for the explicit P x P Hessian.
TINY = {
    "toy_cnn": dict(input_shape=[3, 5], num_classes=2, filters=4, init_scale=1.5),
    "mlp3": dict(input_shape=[3, 3, 1], num_classes=3, hidden=4, dropout=0.1),
    "cnn_bn": dict(input_shape=[4, 4, 1], num_classes=3, channels=(2, 3)),
}
SEED0 = tf.constant(0, tf.int64)


def build(table, name):
    o = dict(table[name])
    return models.build(name, o.pop("input_shape"), o.pop("num_classes"), **o)


def trained_module(model, steps=2):
    """A module a couple of SGD steps away from W0, so the weights and the
    batch-norm moving statistics are not at their initial values."""
    mod = TrainModule(model)
    mod.reset(tf.constant(3, tf.int64))
    im, lab, w = reference._batch(model, 16, 5)
    for k in range(steps):
        mod.train_sgd(im, lab, w, 0.05, 0.9, 5e-4, tf.constant(k, tf.int64))
    return mod


def flat_params(mod):
    return mod.get_params()[C.PARAMS].numpy()


def unflatten(model, flat):
    out, i = [], 0
    for p in model.params:
        k = int(np.prod(p.shape))
        out.append(tf.reshape(flat[i:i + k], p.shape))
        i += k
    return out


def loss64(model, state, images, labels):
    """The mean cross-entropy in inference mode as a float64 function of the
    flat parameter vector: the same model.forward, evaluated in float64."""
    st = [tf.constant(s.numpy(), tf.float64) for s in state]
    x = tf.constant(images, tf.float64)
    y = tf.constant(labels)

    def f(flat):
        logits, _ = model.forward(unflatten(model, flat), st, x, False, SEED0)
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))
    return f


def grad64(f, w):
    w = tf.constant(w, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(w)
        loss = f(w)
    return tape.gradient(loss, w).numpy()


def hessian64(f, w):
    w = tf.constant(w, tf.float64)
    with tf.GradientTape() as outer:
        outer.watch(w)
        with tf.GradientTape() as inner:
            inner.watch(w)
            loss = f(w)
        g = inner.gradient(loss, w)
    return outer.jacobian(g, w).numpy()


def hvp(mod, images, labels, v):
    return mod.hvp(images, labels, np.asarray(v, np.float32))[C.HV].numpy()


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a, np.float64) - b) / np.linalg.norm(b))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_hvp_matches_finite_difference_of_gradients(name):
    """hvp against (g(w + eps v) - g(w - eps v)) / (2 eps), g the float64
    gradient of the same loss (truncation error O(eps^2))."""
    model = build(SMALL, name)
    mod = trained_module(model)
    im, lab, _ = reference._batch(model, 8, 11)
    w = flat_params(mod).astype(np.float64)
    f = loss64(model, mod.state, im, lab)
    rng = np.random.default_rng(1)
    errs = []
    for _ in range(3):
        v = rng.normal(size=w.size)
        v /= np.linalg.norm(v)
        v = v.astype(np.float32).astype(np.float64)  # the vector hvp sees
        eps = 1e-4
        fd = (grad64(f, w + eps * v) - grad64(f, w - eps * v)) / (2 * eps)
        got = hvp(mod, im, lab, v)
        assert got.shape == (model.param_count(),) and got.dtype == np.float32
        errs.append(rel(got, fd))
        assert np.linalg.norm(fd) > 1e-3, "degenerate test: H v ~ 0"
    print(f"{name}: relative error of hvp vs finite difference {max(errs):.2e}")
    assert max(errs) < 1e-4, errs


@pytest.mark.parametrize("name", sorted(TINY))
def test_hvp_columns_are_the_explicit_hessian(name):
    """On tiny models, hvp(e_i) for every basis vector gives the whole
    Hessian; it must equal the float64 jacobian of the gradient."""
    model = build(TINY, name)
    mod = trained_module(model)
    im, lab, _ = reference._batch(model, 6, 12)
    w = flat_params(mod).astype(np.float64)
    h = hessian64(loss64(model, mod.state, im, lab), w)
    p = w.size
    assert h.shape == (p, p) and p <= 200
    assert np.max(np.abs(h - h.T)) <= 1e-10 * np.max(np.abs(h))
    cols = np.stack([hvp(mod, im, lab, np.eye(p)[i]) for i in range(p)], axis=1)
    err = float(np.max(np.abs(cols - h)) / np.max(np.abs(h)))
    v = np.random.default_rng(2).normal(size=p).astype(np.float32)
    err_v = rel(hvp(mod, im, lab, v), h @ v.astype(np.float64))
    print(f"{name}: P={p}, max |hvp columns - H| / max |H| = {err:.2e}, |hvp(v) - Hv| / |Hv| = {err_v:.2e}")
    assert err < 1e-5 and err_v < 1e-5, (err, err_v)
    # Cross-check that the explicit Hessian is that of this loss.
    f = loss64(model, mod.state, im, lab)
    fd = (grad64(f, w + 1e-5 * np.eye(p)[0]) - grad64(f, w - 1e-5 * np.eye(p)[0])) / 2e-5
    assert np.max(np.abs(fd - h[:, 0])) <= 1e-6 * max(1.0, np.max(np.abs(h)))


@pytest.mark.parametrize("name", sorted(SMALL))
def test_hvp_is_symmetric(name):
    model = build(SMALL, name)
    mod = trained_module(model)
    im, lab, _ = reference._batch(model, 8, 13)
    rng = np.random.default_rng(3)
    u = rng.normal(size=model.param_count()).astype(np.float32)
    v = rng.normal(size=model.param_count()).astype(np.float32)
    hu, hv = hvp(mod, im, lab, u).astype(np.float64), hvp(mod, im, lab, v).astype(np.float64)
    uhv, vhu = float(u @ hv), float(v @ hu)
    scale = np.linalg.norm(u) * max(np.linalg.norm(hv), np.linalg.norm(hu))
    print(f"{name}: u^T H v = {uhv:.6g}, v^T H u = {vhu:.6g}, difference / (|u| |Hv|) = {abs(uhv - vhu) / scale:.2e}")
    assert abs(uhv - vhu) <= 1e-5 * scale
    # Linear in v.
    np.testing.assert_allclose(hvp(mod, im, lab, 2 * u - 3 * v), 2 * hu - 3 * hv, rtol=0, atol=1e-5 * np.max(np.abs(hu)))


def test_hvp_inference_mode_and_no_side_effects():
    """Dropout off and batch norm on its moving statistics: repeated calls
    agree bitwise, whatever the dropout rate, and hvp moves no variable; the
    moving statistics (not the batch's) enter H."""
    model = build(SMALL, "mlp3")
    model.dropout = 0.5
    mod = trained_module(model)
    im, lab, _ = reference._batch(model, 8, 14)
    v = np.random.default_rng(4).normal(size=model.param_count()).astype(np.float32)
    np.testing.assert_array_equal(hvp(mod, im, lab, v), hvp(mod, im, lab, v))

    model = build(SMALL, "cnn_bn")
    mod = trained_module(model)
    before = {k: x.numpy().copy() for k, x in mod.variables_by_key().items()}
    v = np.random.default_rng(5).normal(size=model.param_count()).astype(np.float32)
    im, lab, _ = reference._batch(model, 8, 14)
    a = hvp(mod, im, lab, v)
    for k, x in mod.variables_by_key().items():
        np.testing.assert_array_equal(x.numpy(), before[k], err_msg=k)
    mod.state[0].assign(mod.state[0] + 0.5)  # moving mean of bn1
    b = hvp(mod, im, lab, v)
    assert rel(b, a.astype(np.float64)) > 1e-3, "hvp must use the moving statistics"
    # The batch size does not scale H: the loss is a mean.
    im2, lab2 = np.concatenate([im, im]), np.concatenate([lab, lab])
    np.testing.assert_allclose(hvp(mod, im2, lab2, v), b, rtol=0, atol=1e-5 * np.max(np.abs(b)))


def test_exported_hvp_signature(tmp_path):
    o = dict(SMALL["mlp3"])
    out = str(tmp_path / "m")
    m = export.export("mlp3", o.pop("input_shape"), o.pop("num_classes"), out, **o)
    p = m["param_count"]
    sig = json.load(open(os.path.join(out, C.MANIFEST_FILE)))["signatures"][C.HVP]
    assert sig["inputs"] == {
        C.IMAGES: {"name": "hvp_images:0", "dtype": "float32", "shape": [-1, 6, 6, 1]},
        C.LABELS: {"name": "hvp_labels:0", "dtype": "int32", "shape": [-1]},
        C.VECTOR: {"name": "hvp_vector:0", "dtype": "float32", "shape": [p]},
    }
    assert list(sig["outputs"]) == [C.HV]
    assert sig["outputs"][C.HV]["dtype"] == "float32" and sig["outputs"][C.HV]["shape"] == [p]

    loaded = tf.saved_model.load(out)
    loaded.signatures[C.RESET](seed=tf.constant(3, tf.int64))
    model = build(SMALL, "mlp3")
    mod = TrainModule(model)
    mod.reset(tf.constant(3, tf.int64))
    np.testing.assert_array_equal(loaded.signatures[C.GET_PARAMS]()[C.PARAMS].numpy(), flat_params(mod))
    im, lab, _ = reference._batch(model, 8, 15)
    v = np.random.default_rng(6).normal(size=p).astype(np.float32)
    got = loaded.signatures[C.HVP](images=im, labels=lab, vector=v)[C.HV].numpy()
    want = hvp(mod, im, lab, v)
    assert rel(got, want.astype(np.float64)) < 1e-6
    with pytest.raises((ValueError, TypeError)):
        loaded.signatures[C.HVP](images=im, labels=lab, vector=v[:-1])


# Small options of every registered architecture (as in test_asam).
ALL_SMALL = {"toy_cnn": ([3, 8], 2, dict(filters=4)), "mlp3": ([8, 8, 3], 3, dict(hidden=8)),
             "cnn_bn": ([8, 8, 3], 3, dict(channels=(4, 4))),
             "vit_s": ([8, 8, 3], 3, dict(hidden=16, depth=1, heads=2, dim_head=8, mlp=16)),
             "preact_resnet18": ([8, 8, 3], 3, dict(width=4)), "resnet34": ([8, 8, 3], 3, dict(width=4)),
             "vgg19_bn": ([32, 32, 3], 3, dict(width=4)),
             "densenet121": ([8, 8, 3], 3, dict(growth=4, blocks=(1, 1, 1, 1)))}


def test_every_model_is_covered():
    assert sorted(ALL_SMALL) == sorted(models.MODELS)


@functools.lru_cache(maxsize=None)
def architecture_case(name):
    """hvp(v) of a small instance of `name`, the same product by
    backward-over-backward (two nested float32 tapes), and a float64 central
    difference of gradients along v."""
    shape, classes, opts = ALL_SMALL[name]
    model = models.build(name, shape, classes, **opts)
    mod = trained_module(model, steps=1)
    im, lab, _ = reference._batch(model, 4, 16)
    v = np.random.default_rng(7).normal(size=model.param_count()).astype(np.float32)
    got = hvp(mod, im, lab, v)

    ones = tf.ones([len(lab)], tf.float32)
    vs = unflatten(model, tf.constant(v))
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            loss, _, _ = mod._loss(mod.params, im, lab, ones, False, SEED0)
        g = inner.gradient(loss, mod.params)
        gv = tf.add_n([tf.reduce_sum(a * b) for a, b in zip(g, vs)])
    hv2 = outer.gradient(gv, mod.params, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    double = np.concatenate([x.numpy().ravel() for x in hv2]).astype(np.float64)

    w = flat_params(mod).astype(np.float64)
    f = loss64(model, mod.state, im, lab)
    u = v.astype(np.float64) / np.linalg.norm(v)
    eps = 1e-5
    fd = (grad64(f, w + eps * u) - grad64(f, w - eps * u)) / (2 * eps) * np.linalg.norm(v)
    return model.param_count(), got, double, fd


@pytest.mark.parametrize("name", sorted(ALL_SMALL))
def test_hvp_every_architecture_autodiff(name):
    """Forward-over-backward agrees with backward-over-backward."""
    p, got, double, _ = architecture_case(name)
    assert got.shape == (p,) and np.all(np.isfinite(got))
    err = rel(got, double)
    print(f"{name}: P={p}, hvp vs double backward {err:.2e}")
    assert err < 1e-4, err


# vit_s's LayerNorm computes its variance as mean((x - mean)^2): tf.nn.moments
# stops the gradient through the mean and loses a second-derivative term.
@pytest.mark.parametrize("name", sorted(ALL_SMALL))
def test_hvp_every_architecture_finite_difference(name):
    """hvp agrees with a float64 central difference of gradients."""
    p, got, _, fd = architecture_case(name)
    err = rel(got, fd)
    print(f"{name}: P={p}, hvp vs float64 finite difference {err:.2e}")
    assert err < 1e-4, err
