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
    "toy_cnn": dict(input_shape=[3, 8], num_classes=2, filters=4, init_std=0.3),
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
    """The SavedModel's train steps, called as a loaded model, give the eager
    numpy-reference parameters (the same check the Go test does)."""
    name, out, _ = exported
    ref = json.load(open(os.path.join(out, reference.REF_DIR, "reference.json")))
    hp = ref["hyperparameters"]
    loaded = tf.saved_model.load(out)
    rd = lambda f, dt: np.fromfile(os.path.join(out, reference.REF_DIR, ref["files"][f]), dt)
    shape = [-1] + ref["input_shape"]
    for method in ("sgd", "sam"):
        loaded.signatures[C.RESET](seed=tf.constant(hp["reset_seed"], tf.int64))
        w0 = loaded.signatures[C.GET_PARAMS]()[C.PARAMS].numpy()
        np.testing.assert_array_equal(w0, rd("params_w0", np.float32))
        for k in range(hp["steps"]):
            args = dict(images=rd(f"images_{k}", np.float32).reshape(shape), labels=rd(f"labels_{k}", np.int32),
                        weights=rd(f"weights_{k}", np.float32), lr=np.float32(hp["lr"]),
                        momentum=np.float32(hp["momentum"]), weight_decay=np.float32(hp["weight_decay"]),
                        seed=np.int64(hp["dropout_seed"] + k))
            if method == "sam":
                args["rho"] = np.float32(hp["rho"])
            out_k = loaded.signatures[C.TRAIN_SAM if method == "sam" else C.TRAIN_SGD](**args)
            assert abs(float(out_k[C.LOSS]) - ref["losses"][method][k]) <= 1e-5
        got = loaded.signatures[C.GET_PARAMS]()[C.PARAMS].numpy()
        want = rd(f"params_{method}", np.float32)
        assert np.max(np.abs(got - want)) <= 1e-5, method
        assert np.max(np.abs(got - w0)) > 1e-4, "the steps must move the weights"
        logits = loaded.signatures[C.PREDICT](images=rd("images_0", np.float32).reshape(shape))[C.LOGITS].numpy()
        assert np.max(np.abs(logits.ravel() - rd(f"logits_{method}", np.float32))) <= 1e-4


@pytest.mark.parametrize("name", sorted(SMALL))
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


def test_toy_logits_give_logistic_loss():
    m = small("toy_cnn")
    mod = TrainModule(m)
    rng = np.random.default_rng(0)
    x = rng.normal(size=[5, 3, 8]).astype(np.float32)
    w = mod.params[0].numpy().astype(np.float64)
    f = ((np.einsum("bpd,dj->bpj", x.astype(np.float64), w)) ** 3).sum(axis=(1, 2))
    y = np.array([0, 1, 1, 0, 1], np.int32)
    out = mod.evaluate(x, y)
    sign = 2.0 * y - 1.0
    np.testing.assert_allclose(out[C.PER_EXAMPLE_LOSS].numpy(), np.log1p(np.exp(-sign * f)), rtol=1e-4, atol=1e-6)


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
