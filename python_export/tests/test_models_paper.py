"""Tests of the paper's architectures (models_paper.py): parameter counts of
the full CIFAR-10 models against the reference implementations (kuangliu/
pytorch-cifar, tml-epfl/understanding-sam, lucidrains/vit-pytorch), forward
shapes of the full models, and training through TrainModule (SGD, SAM and ASAM rules) on
reduced-width variants so that graph tracing stays fast.

Set USEFUL_SLOW_TESTS=1 to also export every model (only one by default)."""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

import contract as C
import export
import models
import models_paper
import reference
from module import TrainModule

PAPER = ["preact_resnet18", "resnet34", "vgg19_bn", "densenet121", "vit_s"]

# Parameter counts of kuangliu/pytorch-cifar's models for CIFAR-10 (3x32x32,
# num_classes=10), i.e. sum(p.numel() for p in net.parameters()): ResNet34
# (models/resnet.py), VGG('VGG19') (models/vgg.py; its convs keep
# nn.Conv2d's default bias) and DenseNet121 (models/densenet.py). The same
# numbers are tabulated ("Params ... evaluated using thop") in the README of
# pytorch-cifar forks and printed by torchsummary for these models. BN
# running statistics are buffers, not parameters, in PyTorch and state (not
# params) here, so the match is exact.
KUANGLIU_CIFAR10 = {
    "resnet34": 21_282_122,
    "vgg19_bn": 20_040_522,
    "densenet121": 6_956_298,
}

# PreActResNet18 of [3] (tml-epfl/understanding-sam deep_nets/models.py,
# commit 306adde, PreActResNet18(n_cls=10), model_width 64), summed layer by
# layer from that file (convs bias=False, BatchNorm2d affine: 2c each,
# nn.Linear(512, 10)):
#   conv1 3*64*9                                                   =      1,728
#   layer1 2 x [bn1 128 + conv1 64*64*9 + bn2 128 + conv2 64*64*9]  =    147,968
#   layer2 [128 + 64*128*9 + 256 + 128*128*9 + shortcut 64*128]
#          + [256 + 128*128*9 + 256 + 128*128*9]                   =    525,184
#   layer3 [256 + 128*256*9 + 512 + 256*256*9 + 128*256]
#          + [512 + 256*256*9 + 512 + 256*256*9]                   =  2,098,944
#   layer4 [512 + 256*512*9 + 1024 + 512*512*9 + 256*512]
#          + [1024 + 512*512*9 + 1024 + 512*512*9]                 =  8,392,192
#   bn (final BatchNorm2d(512)) 1,024; linear 512*10 + 10 = 5,130
#   total 11,172,170 = kuangliu's PreActResNet18 (11,171,146, tabulated as
#   above) + the final BN's 1,024.
PREACT_RESNET18_CIFAR10 = 11_172_170

# lucidrains/vit-pytorch ViT (vit_pytorch/vit.py, commit 0ebd4ed) with
# image_size 32, patch_size 4, channels 3, num_classes 10, dim 768, depth 8,
# heads 8, dim_head 64 (default), mlp_dim 2304, summed module by module:
#   to_patch_embedding: LayerNorm(48) 96 + Linear(48, 768) 36,864 + 768
#                       + LayerNorm(768) 1,536                          =      39,264
#   cls_token 768; pos_embedding (64 + 1) * 768                         =      50,688
#   per layer: Attention: LayerNorm 1,536 + to_qkv 768 * 1,536 (no bias)
#              1,179,648 + to_out Linear(512, 768) 393,216 + 768
#            + FeedForward: LayerNorm 1,536 + Linear(768, 2304)
#              1,769,472 + 2,304 + Linear(2304, 768) 1,769,472 + 768    =   5,118,720
#   8 layers                                                            =  40,949,760
#   transformer.norm 1,536; mlp_head 768 * 10 + 10 = 7,690
#   total                                                               =  41,048,938
# For 28x28x1 inputs: patch_dim 16 (LayerNorm 32, Linear 12,288 + 768),
# 49 + 1 tokens (38,400): 41,012,778.
VIT_S_CIFAR10 = 41_048_938
VIT_S_28x28x1_C10 = 41_012_778

# Reduced variants for the training tests (same depth/topology except
# DenseNet's block sizes; narrow so that tracing and steps are quick).
SMALL_SHAPE, SMALL_CLASSES = [16, 16, 3], 4
SMALL = {
    "preact_resnet18": dict(width=8),
    "resnet34": dict(width=4),
    "vgg19_bn": dict(width=8),
    "densenet121": dict(growth=4, blocks=(1, 2, 2, 1)),
    "vit_s": dict(hidden=32, depth=2, heads=4, dim_head=8, mlp=64),
}


def small(name):
    return models.build(name, SMALL_SHAPE, SMALL_CLASSES, **SMALL[name])


def init_params(model, seed=0):
    return [spec.initial(tf.constant(seed, tf.int64), i) for i, spec in enumerate(model.params)]


# ---- full models: specs and forward -----------------------------------------

@pytest.mark.parametrize("name", sorted(KUANGLIU_CIFAR10) + ["preact_resnet18"])
def test_full_param_counts_match_references(name):
    m = models.build(name, [32, 32, 3], 10)
    assert m.param_count() == KUANGLIU_CIFAR10.get(name, PREACT_RESNET18_CIFAR10)
    # Global average pooling: the count does not depend on the image size, and
    # only the last layer depends on the number of classes.
    assert models.build(name, [16, 24, 3], 10).param_count() == m.param_count()
    fan_in = m.params[-2].shape[0]
    assert models.build(name, [32, 32, 3], 100).param_count() - m.param_count() == 90 * (fan_in + 1)


def test_preact_resnet18_final_bn_relu():
    """[3]'s PreActResNet applies relu(bn(.)) to the last block's output
    before the pool: with the final BN's shift at -1e3 every unit is zeroed,
    so the logits are the linear layer's bias."""
    m = small("preact_resnet18")
    names = [p.name for p in m.params]
    assert names[-4:] == ["bn/gamma", "bn/beta", "linear/kernel", "linear/bias"]
    params = init_params(m)
    params[names.index("bn/beta")] = tf.fill(params[names.index("bn/beta")].shape, -1e3)
    x = tf.constant(np.random.default_rng(2).normal(size=[3] + SMALL_SHAPE), tf.float32)
    logits, _ = m.forward(params, [s.initial() for s in m.state], x, False, tf.constant(0, tf.int64))
    np.testing.assert_allclose(logits.numpy(), np.tile(params[-1].numpy(), [3, 1]), atol=1e-6)


def test_full_vit_s_param_count():
    m = models.build("vit_s", [32, 32, 3], 10)
    assert m.options == {"patch": 4, "hidden": 768, "depth": 8, "heads": 8, "dim_head": 64, "mlp": 2304,
                         "dropout": 0.0, "emb_dropout": 0.0}
    assert m.param_count() == VIT_S_CIFAR10
    assert models.build("vit_s", [28, 28, 1], 10).param_count() == VIT_S_28x28x1_C10


def test_param_names_unique_and_state_is_batchnorm():
    for name in PAPER:
        m = small(name)
        names = [p.name for p in m.params] + [s.name for s in m.state]
        assert len(names) == len(set(names)), name
        gammas = {p.name[: -len("/gamma")] for p in m.params if p.name.endswith("/gamma")}
        bns = {s.name[: -len("/moving_mean")] for s in m.state if s.name.endswith("/moving_mean")}
        assert bns <= gammas and len(m.state) == 2 * len(bns), name
    assert small("vit_s").state == []


@pytest.mark.parametrize("name", PAPER)
def test_full_forward_shapes(name):
    """Eager forward of the full default model on a CIFAR-shaped batch."""
    m = models.build(name, [32, 32, 3], 10)
    params = init_params(m)
    state = [s.initial() for s in m.state]
    x = tf.constant(np.random.default_rng(0).normal(size=[2, 32, 32, 3]), tf.float32)
    logits, new_state = m.forward(params, state, x, True, tf.constant(1, tf.int64))
    assert logits.shape == (2, 10) and np.all(np.isfinite(logits.numpy()))
    assert [list(s.shape) for s in new_state] == [s.shape for s in m.state]
    if m.state:  # training moves the batch-norm statistics
        assert any(not np.array_equal(a.numpy(), b.numpy()) for a, b in zip(state, new_state))
    logits, same = m.forward(params, state, x, False, tf.constant(0, tf.int64))
    assert logits.shape == (2, 10) and np.all(np.isfinite(logits.numpy()))
    for a, b in zip(state, same):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("shape", [[28, 28, 1], [8, 8, 3], [4, 12, 3]])
def test_odd_and_tiny_inputs(shape):
    """Pools skip size-1 dimensions, so every image size works."""
    x = tf.ones([2] + shape, tf.float32)
    for name in ["preact_resnet18", "resnet34", "vgg19_bn", "densenet121"]:
        m = models.build(name, shape, 3, **SMALL[name])
        logits, _ = m.forward(init_params(m), [s.initial() for s in m.state], x, True, tf.constant(0, tf.int64))
        assert logits.shape == (2, 3), (name, shape)
    m = models.build("vit_s", shape, 3, **SMALL["vit_s"])
    assert m.forward(init_params(m), [], x, False, tf.constant(0, tf.int64))[0].shape == (2, 3)
    with pytest.raises(ValueError, match="patch"):
        models.build("vit_s", [30, 30, 3], 10)
    with pytest.raises(ValueError, match="input shape"):
        models.build("resnet34", [32, 32], 10)


def test_stride2_conv_pads_like_pytorch():
    """3x3 stride-2 convs pad 1 on both sides (PyTorch padding=1), not TF's
    SAME (0 before, 1 after on even sizes)."""
    m = small("preact_resnet18")
    params = init_params(m)
    ctx = models_paper._Ctx(m, params, [], True, None)
    x = tf.constant(np.random.default_rng(1).normal(size=[1, 8, 8, 8]), tf.float32)
    got = ctx.conv("layer2.0.conv1", x, 2)
    k = ctx.p["layer2.0.conv1/kernel"]
    want = tf.nn.conv2d(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), k, 2, "VALID")
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert not np.allclose(got.numpy(), tf.nn.conv2d(x, k, 2, "SAME").numpy())


# ---- training through TrainModule (reduced widths) ----------------------------

_MODULES = {}


def module(name):
    """One TrainModule per model for the whole file: each tf.function is traced once."""
    if name not in _MODULES:
        _MODULES[name] = TrainModule(small(name))
    return _MODULES[name]


def snapshot(mod):
    return [v.numpy().copy() for v in mod.params + mod.state + mod.slots]


@pytest.mark.parametrize("name", PAPER)
def test_sgd_steps_reduce_loss(name):
    mod = module(name)
    im, lab, w = reference._batch(mod.model, 8, 1)
    mod.reset(tf.constant(3, tf.int64))
    w0 = mod.get_params()[C.PARAMS].numpy()
    losses = [float(mod.train_sgd(im, lab, w, 0.01, 0.9, 5e-4, tf.constant(s, tf.int64))[C.LOSS])
              for s in range(5)]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0], losses
    assert int(mod.step.numpy()) == 5
    assert np.max(np.abs(mod.get_params()[C.PARAMS].numpy() - w0)) > 1e-4


def test_sam_and_asam_rho_zero_are_sgd_bitwise():
    mod = module("preact_resnet18")
    im, lab, w = reference._batch(mod.model, 8, 2)
    runs = {}
    for method in ("sgd", "sam", "asam"):
        mod.reset(tf.constant(5, tf.int64))
        losses = []
        for step in range(3):
            seed = tf.constant(step, tf.int64)
            if method == "sgd":
                out = mod.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, seed)
            else:
                out = getattr(mod, "train_" + method)(im, lab, w, 0.1, 0.9, 5e-4, 0.0, seed)
            losses.append(float(out[C.LOSS]))
        runs[method] = (losses, snapshot(mod))
    for method in ("sam", "asam"):
        assert runs[method][0] == runs["sgd"][0], method
        for x, y in zip(runs[method][1], runs["sgd"][1]):
            np.testing.assert_array_equal(x, y)


def test_second_pass_leaves_batchnorm_statistics():
    mod = module("preact_resnet18")
    im, lab, w = reference._batch(mod.model, 8, 3)
    n = len(mod.params)
    after = {}
    for method in ("sgd", "sam", "asam"):
        mod.reset(tf.constant(1, tf.int64))
        seed = tf.constant(0, tf.int64)
        if method == "sgd":
            mod.train_sgd(im, lab, w, 0.1, 0.9, 5e-4, seed)
        else:
            getattr(mod, "train_" + method)(im, lab, w, 0.1, 0.9, 5e-4, 0.5, seed)
        after[method] = snapshot(mod)
    init = [s.initial().numpy() for s in mod.model.state]
    assert any(not np.array_equal(a, b) for a, b in zip(after["sgd"][n:n + len(init)], init))
    for method in ("sam", "asam"):
        # Same first pass -> same moving statistics, although the weights differ.
        for x, y in zip(after[method][n:n + len(init)], after["sgd"][n:n + len(init)]):
            np.testing.assert_array_equal(x, y)
        assert max(np.max(np.abs(x - y)) for x, y in zip(after[method][:n], after["sgd"][:n])) > 1e-6
    assert max(np.max(np.abs(x - y)) for x, y in zip(after["sam"][:n], after["asam"][:n])) > 1e-6


# ---- export ---------------------------------------------------------------------

SLOW = os.environ.get("USEFUL_SLOW_TESTS", "") not in ("", "0")


@pytest.mark.parametrize("name", [
    n if n == "vit_s" else pytest.param(n, marks=pytest.mark.skipif(not SLOW, reason="set USEFUL_SLOW_TESTS=1"))
    for n in PAPER])
def test_export_manifest_lists_asam(name, tmp_path):
    out = tmp_path / "m"
    opts = dict(SMALL[name], depth=1) if name == "vit_s" else SMALL[name]
    m = export.export(name, SMALL_SHAPE, SMALL_CLASSES, str(out), **opts)
    assert m["model"] == name and m["options"] == json.loads(json.dumps(models.build(
        name, SMALL_SHAPE, SMALL_CLASSES, **opts).options))
    sigs = m["signatures"]
    assert set(C.SIGNATURES) <= set(sigs)
    assert sorted(sigs[C.TRAIN_ASAM]["inputs"]) == sorted(C.SIGNATURES[C.TRAIN_ASAM][0])
    assert sorted(sigs[C.TRAIN_ASAM]["inputs"]) == sorted(sigs[C.TRAIN_SAM]["inputs"])
    for arg in C.SIGNATURES[C.TRAIN_ASAM][0]:
        assert sigs[C.TRAIN_ASAM]["inputs"][arg]["name"] == f"{C.TRAIN_ASAM}_{arg}:0"
    assert sigs[C.TRAIN_ASAM]["inputs"][C.IMAGES]["shape"] == [-1] + SMALL_SHAPE
    assert os.path.exists(out / C.MANIFEST_FILE)
