"""The Keras models and recipe (keras_models.py) against our SavedModels
(python_export, exported to models/ by `make models`): the same W0 gives the
same logits as the predict signature, and one SGD step and one SAM step of
RecipeModel.train_step give the parameters, batch-norm statistics and
momentum of train_sgd / train_sam on the same batch and seed."""

import os
import sys
import tempfile

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_models as km  # noqa: E402

tf = km.tf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = {"mlp3": "mlp3-28x28x1-c10", "cnn_bn": "cnn_bn-28x28x1-c10",
          "preact_resnet18": "preact_resnet18-32x32x3-c10"}
BATCH = {"mlp3": 32, "cnn_bn": 32, "preact_resnet18": 8}

# Tolerances. Forward: ~1e-5 asked for; measured 0 (the same TF kernels on
# the same values). One step: parameters move by lr * (g + wd w); the
# gradients come from the same kernels but Keras' graph may sum a few terms
# in another order, so a few float32 ulps of the largest parameter.
FORWARD_TOL = 1e-5
STEP_TOL = 2e-6


def model_dir(name):
    d = os.path.join(ROOT, "models", MODELS[name])
    if not os.path.exists(os.path.join(d, "manifest.json")):
        pytest.skip(f"{d} not exported (make models)")
    return d


def batch(name, man, seed=1):
    n = BATCH[name]
    x = tf.random.stateless_normal([n] + man["input_shape"], seed=[seed, 2])
    y = tf.random.stateless_uniform([n], seed=[seed, 3], minval=0, maxval=man["num_classes"], dtype=tf.int32)
    return x, y


@pytest.mark.parametrize("name", list(MODELS))
def test_forward_equals_predict(name):
    d = model_dir(name)
    saved = tf.saved_model.load(d)
    model, params, state, man = km.build_for(d)
    assert model.count_params() == man["param_count"] + sum(int(np.prod(s["shape"])) for s in man.get("state", []))
    km.assign_w0(params, state, man, km.load_w0(d, 7, saved))
    x, _ = batch(name, man)
    got = model(x, training=False).numpy()
    want = saved.signatures["predict"](images=x)["logits"].numpy()
    diff = float(np.abs(got - want).max())
    print(f"{name}: forward max |diff| {diff:.3g} (max |logit| {np.abs(want).max():.3g})")
    assert diff <= FORWARD_TOL


def step_pair(name, method, lr=0.1, momentum=0.9, wd=5e-4, rho=0.05, seed=5):
    """One step of our signature and of RecipeModel from the same W0, batch
    and dropout seed; returns (ours: checkpoint values, keras: same keys,
    our loss, Keras loss, n values per BN channel)."""
    d = model_dir(name)
    saved = tf.saved_model.load(d)
    model, params, state, man = km.build_for(d, dropout="seeded")
    w0 = km.load_w0(d, 11, saved)
    km.assign_w0(params, state, man, w0)
    for layer in model.layers:
        if isinstance(layer, km.SeededDropout):
            layer.seed.assign(seed)
    km.compile_recipe(model, method, lr, momentum, wd, rho)
    x, y = batch(name, man)
    args = dict(images=x, labels=y, weights=tf.ones([len(y)]), lr=tf.constant(lr), momentum=tf.constant(momentum),
                weight_decay=tf.constant(wd), seed=tf.constant(seed, tf.int64))
    if method == "sam":
        args["rho"] = tf.constant(rho)
    ours_loss = float(saved.signatures["train_" + method](**args)["loss"].numpy())
    with tempfile.TemporaryDirectory() as t:
        ours = km.checkpoint_values(saved, os.path.join(t, "after"))
    keras_loss = float(model.train_on_batch(x, y)[0])
    theirs = {}
    for n_, v in params:
        theirs["param/" + n_] = v.numpy()
    for n_, v in state:
        theirs["state/" + n_] = v.numpy()
    index = {id(v): n_ for n_, v in params}
    tv = model.trainable_variables
    assert len(model.optimizer.momentums) == len(tv)
    for v, m in zip(tv, model.optimizer.momentums):
        # Keras' velocity after one step from zero is -lr * buf.
        theirs["slot/" + index[id(v)]] = -m.numpy() / np.float32(lr)
    return ours, theirs, w0, ours_loss, keras_loss, x


def check_step(name, method):
    ours, theirs, w0, lo, lk, x = step_pair(name, method)
    assert abs(lo - lk) <= 1e-5 * max(1, abs(lo)), (lo, lk)
    worst = {"param": 0.0, "slot": 0.0, "moving_mean": 0.0, "moving_var": 0.0}
    moved = 0.0
    far, count, dsq, msq = 0, 0, 0.0, 0.0  # parameters beyond STEP_TOL; squared norms of diff and move
    for key, want in ours.items():
        if key == "step":
            continue
        kind = key.split("/", 1)[0]
        got = theirs[key]
        if kind == "state" and key.endswith("moving_var"):
            # Keras updates with the biased batch variance v, ours with the
            # unbiased v n/(n-1): ours = 0.9 old + 0.1 v n/(n-1).
            old = w0[key]
            n = per_channel_count(name, key, x)
            want = 0.9 * old + (want - 0.9 * old) * (n - 1) / n
            worst["moving_var"] = max(worst["moving_var"], float(np.abs(got - want).max() / np.abs(want).max()))
            continue
        if kind == "state":
            worst["moving_mean"] = max(worst["moving_mean"], float(np.abs(got - want).max()))
            continue
        worst[kind] = max(worst[kind], float(np.abs(got - want).max()))
        if kind == "param":
            moved = max(moved, float(np.abs(want - w0[key]).max()))
            d = np.abs(got - want)
            far += int((d > STEP_TOL).sum())
            count += d.size
            dsq += float((d.astype(np.float64) ** 2).sum())
            msq += float(((want - w0[key]).astype(np.float64) ** 2).sum())
    rel = (dsq / msq) ** 0.5
    print(f"{name} {method}: loss {lo:.6f} vs {lk:.6f}; max |diff| {worst}; largest parameter move {moved:.3g}; "
          f"parameters beyond {STEP_TOL:g}: {far} of {count}; |diff|/|move| {rel:.3g}")
    assert moved > 1e-4  # the step did something
    assert worst["moving_mean"] <= STEP_TOL
    if method == "sam" and name == "preact_resnet18":
        # SAM's second pass runs at w + rho g/|g|; float32 reductions whose
        # order varies between runs (threaded conv backprop) move g by ulps,
        # and a ReLU input near 0 may then change sign in the deep network's
        # second pass, moving a few parameters by up to ~1e-4 (seen once in
        # CI: max |diff| 1.35e-4, while other runs give <= 1.2e-7). Checked
        # instead: almost every parameter within STEP_TOL and the difference
        # small against the step itself; a wrong rho or a missing second
        # pass moves most parameters beyond STEP_TOL.
        assert far <= 1e-3 * count and rel <= 1e-2, (far, count, rel)
        return
    assert worst["param"] <= STEP_TOL
    assert worst["slot"] <= STEP_TOL / 0.1  # slots are parameter moves / lr
    assert worst["moving_var"] <= 1e-5  # relative, after the n/(n-1) correction


def per_channel_count(name, key, x):
    """Values per channel that a batch-norm layer of the first-pass forward
    averages over (batch x H x W of its input), from the layer's name."""
    b, h = x.shape[0], x.shape[1]
    if name == "cnn_bn":
        side = {"bn1": h, "bn2": h // 2}[key.split("/")[1]]
    elif key.split("/")[1] == "bn":  # preact_resnet18's final BN, after layer4
        side = h // 8
    else:  # preact_resnet18: layer{s}.{k}.bn{1,2}; stage s halves the side from s = 2 on (bn1 of a
        # block sees the stage's input, whose side is the previous stage's)
        layer = key.split("/")[1]
        s, k = int(layer[5]), int(layer[7])
        bn = layer.split(".")[-1]
        side = h // 2 ** (s - 1)
        if bn == "bn1" and k == 0 and s > 1:
            side *= 2
    return b * side * side


@pytest.mark.parametrize("name", list(MODELS))
def test_sgd_step_equals_train_sgd(name):
    check_step(name, "sgd")


@pytest.mark.parametrize("name", list(MODELS))
def test_sam_step_equals_train_sam(name):
    check_step(name, "sam")


def test_sam_step_moves_keras_dropout_on_twice():
    # With keras.layers.Dropout (what fit runs), a SAM step draws a fresh
    # mask in its second pass: each Dropout generator advances twice, as over
    # two training calls, and the batch-norm statistics move once (cnn_bn has
    # no dropout: only the first pass's statistics are kept).
    d = model_dir("mlp3")
    model, _, _, man = km.build_for(d)
    km.compile_recipe(model, "sam", 0.1, 0.9, 5e-4, 0.05)
    x, y = batch("mlp3", man)
    gens = [v for v in model.non_trainable_variables if "seed_generator" in v.path]
    assert len(gens) == 2
    start = [v.numpy() for v in gens]
    model(x, training=True)
    model(x, training=True)
    two_calls = [v.numpy() for v in gens]
    assert not np.array_equal(two_calls[0], start[0])
    for v, s in zip(gens, start):
        v.assign(s)
    model.train_on_batch(x, y)
    for v, want in zip(gens, two_calls):
        np.testing.assert_array_equal(v.numpy(), want)


def test_lr_at():
    # options.LRAt (options/options.go) for 30 epochs: 0.1 for epochs 0-14,
    # 0.01 for 15-22, 0.001 from 23 (2e >= 30, 4e >= 90).
    got = [km.lr_at(0.1, 30, "step", e) for e in range(30)]
    assert got[:15] == [0.1] * 15
    assert all(abs(v - 0.01) < 1e-15 for v in got[15:23]) and all(abs(v - 0.001) < 1e-15 for v in got[23:])
    assert km.lr_at(0.1, 30, "constant", 29) == 0.1


def test_bad_arguments():
    with pytest.raises(ValueError, match="model 'vgg'"):
        km.build("vgg", [32, 32, 3], 10)
    with pytest.raises(ValueError, match="dropout 'none'"):
        km.build("mlp3", [28, 28, 1], 10, dropout="none")
    model, _, _ = km.build("mlp3", [28, 28, 1], 10)
    with pytest.raises(ValueError, match="method 'asam'"):
        model.set_recipe("asam", 5e-4)
    d = model_dir("cnn_bn")
    man = km.read_manifest(d)
    model, params, state = km.build("mlp3", [28, 28, 1], 10)
    with pytest.raises(ValueError, match="Keras model has 6 variables, the manifest 12"):
        km.assign_w0(params, state, man, {})


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-s"]))
