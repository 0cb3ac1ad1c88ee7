"""Tests of the export script: the signature contract, the optimiser maths
against the eager numpy reference, SAM's rho=0 and batch-norm rules, and
save/restore/reset."""

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


def small(name):
    o = dict(SMALL[name])
    return models.build(name, o.pop("input_shape"), o.pop("num_classes"), **o)


def batch(model, n=8, seed=1):
    return reference._batch(model, n, seed)


def flat(module):
    return module.get_params()[C.PARAMS].numpy()


@pytest.fixture(scope="module", params=sorted(SMALL))
def exported(request, tmp_path_factory):
    name = request.param
    o = dict(SMALL[name])
    out = tmp_path_factory.mktemp(name) / "m"
    m = export.export(name, o.pop("input_shape"), o.pop("num_classes"), str(out), with_reference=True, **o)
    return name, str(out), m


def test_manifest_lists_contract(exported):
    name, out, m = exported
    on_disk = json.load(open(os.path.join(out, C.MANIFEST_FILE)))
    assert on_disk == json.loads(json.dumps(m))
    assert m["model"] == name and m["tf_version"] == tf.__version__ == "2.18.0"
    for sig, (inputs, outputs) in C.SIGNATURES.items():
        assert sorted(m["signatures"][sig]["inputs"]) == sorted(inputs), sig
        assert sorted(m["signatures"][sig]["outputs"]) == sorted(outputs), sig
        for arg in inputs:
            assert m["signatures"][sig]["inputs"][arg]["name"] == f"{sig}_{arg}:0"
    img = m["signatures"][C.TRAIN_SGD]["inputs"][C.IMAGES]
    assert img["shape"] == [-1] + SMALL[name]["input_shape"] and img["dtype"] == "float32"
    assert m["param_count"] == sum(int(np.prod(p["shape"])) for p in m["params"])


def test_loaded_savedmodel_matches_eager_reference(exported):
    """The SavedModel's train steps (SGD, SAM, ASAM, with labels and with soft
    targets), called as a loaded model, give the eager numpy-reference
    parameters (the same check the Go test does)."""
    name, out, _ = exported
    ref = json.load(open(os.path.join(out, reference.REF_DIR, "reference.json")))
    hp = ref["hyperparameters"]
    assert ref["methods"] == ["sgd", "sam", "asam", "sgd_soft", "sam_soft", "asam_soft"]
    loaded = tf.saved_model.load(out)
    rd = lambda f, dt: np.fromfile(os.path.join(out, reference.REF_DIR, ref["files"][f]), dt)
    shape = [-1] + ref["input_shape"]
    for method in ref["methods"]:
        soft = method.endswith("_soft")
        loaded.signatures[C.RESET](seed=tf.constant(hp["reset_seed"], tf.int64))
        w0 = loaded.signatures[C.GET_PARAMS]()[C.PARAMS].numpy()
        np.testing.assert_array_equal(w0, rd("params_w0", np.float32))
        for k in range(hp["steps"]):
            args = dict(images=rd(f"images_{k}", np.float32).reshape(shape),
                        weights=rd(f"weights_{k}", np.float32), lr=np.float32(hp["lr"]),
                        momentum=np.float32(hp["momentum"]), weight_decay=np.float32(hp["weight_decay"]),
                        seed=np.int64(hp["dropout_seed"] + k))
            if soft:
                args["targets"] = rd(f"targets_{k}", np.float32).reshape([-1, ref["num_classes"]])
            else:
                args["labels"] = rd(f"labels_{k}", np.int32)
            if not method.startswith("sgd"):
                args["rho"] = np.float32(hp["rho"])
            out_k = loaded.signatures["train_" + method](**args)
            assert abs(float(out_k[C.LOSS]) - ref["losses"][method][k]) <= 1e-5, method
        got = loaded.signatures[C.GET_PARAMS]()[C.PARAMS].numpy()
        want = rd(f"params_{method}", np.float32)
        assert np.max(np.abs(got - want)) <= 1e-5, method
        assert np.max(np.abs(got - w0)) > 1e-4, "the steps must move the weights"
        logits = loaded.signatures[C.PREDICT](images=rd("images_0", np.float32).reshape(shape))[C.LOGITS].numpy()
        assert np.max(np.abs(logits.ravel() - rd(f"logits_{method}", np.float32))) <= 1e-4
    # Soft targets are not one-hot, so the soft steps differ from the hard ones.
    t0 = rd("targets_0", np.float32).reshape([-1, ref["num_classes"]])
    assert np.min(np.max(t0, axis=1)) < 0.9 and np.allclose(t0.sum(axis=1), 1, atol=1e-6)
    assert np.max(np.abs(rd("params_sgd_soft", np.float32) - rd("params_sgd", np.float32))) > 1e-5


@pytest.mark.parametrize("method", ["sgd", "sam", "asam"])
def test_soft_step_with_one_hot_targets_is_the_hard_step(method):
    """One-hot targets give the labelled step (to float rounding: the two
    cross-entropy kernels differ), and correct counts argmax(targets)."""
    m = small("mlp3")
    a, b = TrainModule(m), TrainModule(m)
    im, lab, w = batch(m, 16, 3)
    onehot = np.eye(m.num_classes, dtype=np.float32)[lab]
    rho = [] if method == "sgd" else [0.5]
    for mod in (a, b):
        mod.reset(tf.constant(4, tf.int64))
    w0 = flat(a)
    for step in range(2):
        s = tf.constant(step, tf.int64)
        ra = getattr(a, "train_" + method)(im, lab, w, 0.1, 0.9, 5e-4, *rho, s)
        rb = getattr(b, "train_" + method + "_soft")(im, onehot, w, 0.1, 0.9, 5e-4, *rho, s)
        assert abs(float(ra[C.LOSS]) - float(rb[C.LOSS])) <= 1e-6
        assert int(ra[C.CORRECT]) == int(rb[C.CORRECT])
    assert np.max(np.abs(flat(a) - flat(b))) <= 1e-6
    assert np.max(np.abs(flat(a) - w0)) > 1e-4


# Models without dropout; with dropout the second pass draws a fresh mask
# (tests/test_second_pass.py).
@pytest.mark.parametrize("name", ["cnn_bn", "toy_cnn"])
def test_sam_rho_zero_is_sgd_bitwise(name):
    m = small(name)
    a, b = TrainModule(m), TrainModule(m)
    im, lab, w = batch(m)
    for mod in (a, b):
        mod.reset(tf.constant(5, tf.int64))
    for step in range(3):
        la = a.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, tf.constant(step, tf.int64))
        lb = b.train_sam(im, lab, w, 0.1, 0.9, 5e-4, 0.0, tf.constant(step, tf.int64))
        assert float(la[C.LOSS]) == float(lb[C.LOSS])
    np.testing.assert_array_equal(flat(a), flat(b))
    for x, y in zip(a.state + a.slots, b.state + b.slots):
        np.testing.assert_array_equal(x.numpy(), y.numpy())


def test_sam_second_pass_leaves_batchnorm_statistics():
    m = small("cnn_bn")
    a, b = TrainModule(m), TrainModule(m)
    im, lab, w = batch(m)
    a.reset(tf.constant(1, tf.int64)), b.reset(tf.constant(1, tf.int64))
    a.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, tf.constant(0, tf.int64))
    b.train_sam(im, lab, w, 0.1, 0.9, 5e-4, 0.5, tf.constant(0, tf.int64))
    # Same first pass -> same moving statistics, although the weights differ.
    for x, y in zip(a.state, b.state):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert np.max(np.abs(flat(a) - flat(b))) > 1e-6
    assert np.max(np.abs(a.state[0].numpy())) > 0, "statistics must have moved"


@pytest.mark.parametrize("name", sorted(SMALL))
def test_save_train_restore_roundtrip(name, tmp_path):
    m = small(name)
    mod = TrainModule(m)
    im, lab, w = batch(m)
    mod.reset(tf.constant(2, tf.int64))
    mod.train_sgd(im, lab, w, 0.05, 0.9, 5e-4, tf.constant(0, tf.int64))
    path = str(tmp_path / "ckpt")
    mod.save(tf.constant(path))
    want = mod.predict(im)[C.LOGITS].numpy()
    slots = [s.numpy() for s in mod.slots]
    mod.train_sgd(im, lab, w, 0.05, 0.9, 5e-4, tf.constant(1, tf.int64))
    assert not np.array_equal(mod.predict(im)[C.LOGITS].numpy(), want)
    mod.restore(tf.constant(path))
    np.testing.assert_array_equal(mod.predict(im)[C.LOGITS].numpy(), want)
    for s, x in zip(mod.slots, slots):
        np.testing.assert_array_equal(s.numpy(), x)
    assert int(mod.step.numpy()) == 1


def test_reset_is_seeded():
    m = small("mlp3")
    mod = TrainModule(m)
    mod.reset(tf.constant(3, tf.int64))
    a = flat(mod)
    mod.reset(tf.constant(4, tf.int64))
    b = flat(mod)
    mod.reset(tf.constant(3, tf.int64))
    np.testing.assert_array_equal(a, flat(mod))
    assert not np.array_equal(a, b)
    bound = 1 / np.sqrt(36)
    assert np.max(np.abs(mod.params[0].numpy())) <= bound


def test_toy_two_logits_equal_the_papers_logistic_loss():
    """The two-bank toy model with cross-entropy is the paper's single-output
    f(x) = sum_j sum_p (<s_j w_j, x_p> + s_j b_j)^3 (s_j = -1 in bank 0, +1 in
    bank 1) with the logistic loss log(1 + exp(-y f)), computed here in
    float64 numpy from the parameters."""
    m = small("toy_cnn")
    mod = TrainModule(m)
    mod.reset(tf.constant(2, tf.int64))
    rng = np.random.default_rng(0)
    x = rng.normal(size=[6, 3, 8]).astype(np.float32)
    w, b = (v.numpy().astype(np.float64) for v in mod.params)
    j = w.shape[1]
    s = np.where(np.arange(j) < j // 2, -1.0, 1.0)
    f = ((np.einsum("bpd,dj->bpj", x.astype(np.float64), w * s) + b * s) ** 3).sum(axis=(1, 2))
    y = np.array([0, 1, 1, 0, 1, 0], np.int32)
    out = mod.evaluate(x, y)
    sign = 2.0 * y - 1.0
    np.testing.assert_allclose(out[C.PER_EXAMPLE_LOSS].numpy(), np.log1p(np.exp(-sign * f)), rtol=1e-4, atol=1e-6)
    logits = out[C.LOGITS].numpy().astype(np.float64)
    np.testing.assert_allclose(logits[:, 1] - logits[:, 0], f, rtol=1e-4, atol=1e-6)
    # The bias matters: the same filters without it give other logits.
    f0 = ((np.einsum("bpd,dj->bpj", x.astype(np.float64), w * s)) ** 3).sum(axis=(1, 2))
    assert np.max(np.abs(f0 - f)) > 1e-2


def test_toy_initialisation_is_pytorch_default_times_scale():
    """W0 and b0 ~ U(-s/sqrt(d), s/sqrt(d)) (PyTorch's Conv1d default,
    kaiming_uniform(a=sqrt(5)) and bias bound 1/sqrt(fan_in), times s = 0.1 in
    the paper's reference code): the bound, the spread of a uniform draw, and
    the manifest options."""
    m = models.build("toy_cnn", [3, 50], 2)
    bound = 0.1 / np.sqrt(50)
    assert m.options == {"filters": 40, "init": "pytorch_conv1d_default", "init_scale": 0.1, "init_bound": bound}
    assert [(p.name, p.shape, p.init, p.scale) for p in m.params] == [
        ("filters", [50, 40], "uniform", bound), ("bias", [40], "uniform", bound)]
    mod = TrainModule(m)
    mod.reset(tf.constant(0, tf.int64))
    w, b = (v.numpy() for v in mod.params)
    assert np.max(np.abs(w)) <= bound and np.max(np.abs(b)) <= bound
    # std of U(-a, a) is a/sqrt(3) = 0.00816; 2000 draws give it to ~2%.
    assert abs(np.std(w) - bound / np.sqrt(3)) < 0.05 * bound / np.sqrt(3)
    assert np.max(np.abs(w)) > 0.95 * bound
    with pytest.raises(ValueError, match="even"):
        models.build("toy_cnn", [3, 50], 2, filters=5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown model"):
        models.build("resnet999", [28, 28, 1], 10)
    with pytest.raises(ValueError, match="toy_cnn"):
        models.build("toy_cnn", [28, 28, 1], 2)
    with pytest.raises(SystemExit):
        export.main(["--model", "mlp3", "--input-shape", "28,x", "--num-classes", "10", "--out", "/tmp/never"])
    assert not os.path.exists("/tmp/never")


def test_failed_export_leaves_nothing(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(reference, "write", boom)
    out = tmp_path / "m"
    with pytest.raises(RuntimeError):
        export.export("mlp3", [4, 4, 1], 2, str(out), with_reference=True, hidden=8)
    assert os.listdir(tmp_path) == []
