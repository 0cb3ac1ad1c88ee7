"""Tests of the serving template (serving.py): its checkpoint entries map onto
the training checkpoint's keys, it has no signature but serving_default, and
once filled from a training checkpoint (here by an independent Python fill
with tf.raw_ops.SaveV2, the ops graphs/export.go uses) tf.saved_model.load
gives the training module's evaluate logits on the same normalised inputs."""

import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import contract as C
import export
import models
import serving
from module import TrainModule

SMALL = {
    "toy_cnn": dict(input_shape=[3, 8], num_classes=2, filters=4, init_scale=1.0),
    "mlp3": dict(input_shape=[6, 6, 1], num_classes=4, hidden=16, dropout=0.1),
    "cnn_bn": dict(input_shape=[8, 8, 3], num_classes=3),
}


def small(name):
    o = dict(SMALL[name])
    return models.build(name, o.pop("input_shape"), o.pop("num_classes"), **o)


def pixels(model, n, seed):
    """n images of uint8 levels as float32 [0, 255]."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=[n] + model.input_shape).astype(np.float32)


def normalise(images, mean, std):
    """Go's arithmetic in float32: float32(v)/255, then (x - mean[c]) / std[c]."""
    x = images / np.float32(255)
    return ((x - mean) / std).astype(np.float32)


def fill(template, ckpt, out, divisor, mean, std, class_names):
    """Write a serving SavedModel into out from the template, the training
    checkpoint prefix ckpt and the normalisation, as graphs.Export does."""
    spec = json.load(open(os.path.join(template, serving.SPEC_FILE)))
    os.makedirs(os.path.join(out, "variables"))
    shutil.copy(os.path.join(template, "saved_model.pb"), out)
    shutil.copytree(os.path.join(template, "assets"), os.path.join(out, "assets"))
    with open(os.path.join(out, "assets", spec["class_names_asset"]), "w") as f:
        f.write("".join(n + "\n" for n in class_names))
    train = tf.train.load_checkpoint(ckpt)
    tmpl = tf.train.load_checkpoint(os.path.join(template, "variables", "variables"))
    inputs = {serving.SOURCE_DIVISOR: np.float32(divisor), serving.SOURCE_MEAN: mean, serving.SOURCE_STD: std}
    keys = [spec["object_graph_key"]]
    values = [tf.constant(tmpl.get_tensor(spec["object_graph_key"]))]
    for e in spec["variables"]:
        v = inputs[e["source"]] if e["source"] in inputs else train.get_tensor(e["source"])
        assert list(np.shape(v)) == e["shape"], e
        keys.append(e["key"])
        values.append(tf.constant(v, dtype=e["dtype"]))
    tf.raw_ops.SaveV2(prefix=os.path.join(out, "variables", "variables"), tensor_names=keys,
                      shape_and_slices=[""] * len(keys), tensors=values)


@pytest.fixture(scope="module", params=sorted(SMALL))
def trained(request, tmp_path_factory):
    """A model trained for 3 SGD steps (batch-norm statistics moved), its
    checkpoint, and its serving template."""
    name = request.param
    model = small(name)
    module = TrainModule(model)
    module.reset(tf.constant(5, tf.int64))
    rng = np.random.default_rng(3)
    for step in range(3):
        x = rng.normal(0, 1, size=[16] + model.input_shape).astype(np.float32)
        y = rng.integers(0, model.num_classes, size=16).astype(np.int32)
        module.train_sgd(x, y, np.ones(16, np.float32), np.float32(0.1), np.float32(0.9), np.float32(5e-4),
                         np.int64(step))
    d = tmp_path_factory.mktemp(name)
    ckpt = str(d / "ckpt" / "w")
    module.save(tf.constant(ckpt))
    template = str(d / "template")
    spec = serving.write_template(model, template)
    return name, model, module, ckpt, template, spec, d


def test_entries_map_onto_training_checkpoint(trained):
    name, model, module, ckpt, template, spec, _ = trained
    train_keys = module.variables_by_key()
    sources = sorted(e["source"] for e in spec["variables"])
    want = sorted(["param/" + p.name for p in model.params] + ["state/" + s.name for s in model.state]
                  + [serving.SOURCE_DIVISOR, serving.SOURCE_MEAN, serving.SOURCE_STD])
    assert sources == want
    for e in spec["variables"]:
        assert e["key"].endswith(serving.VARIABLE_SUFFIX), e
        if e["source"] in train_keys:
            assert e["shape"] == list(train_keys[e["source"]].shape), e
            assert e["dtype"] == "float32"
    c = model.input_shape[-1]
    shapes = {e["source"]: e["shape"] for e in spec["variables"]}
    assert shapes[serving.SOURCE_DIVISOR] == [] and shapes[serving.SOURCE_MEAN] == [c] == shapes[serving.SOURCE_STD]
    assert json.load(open(os.path.join(template, serving.SPEC_FILE))) == spec
    assert spec["model"] == name and spec["num_classes"] == model.num_classes


def test_only_serving_default(trained):
    template = trained[4]
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    out = subprocess.run([cli, "show", "--all", "--dir", template], capture_output=True, text=True, check=True).stdout
    assert re.findall(r"signature_def\['([^']+)'\]", out) == ["__saved_model_init_op", "serving_default"]
    # The init op every TF2 SavedModel carries is a NoOp; no other function is exported.
    assert "name: NoOp" in out.split("signature_def['serving_default']")[0]
    assert "Function Name" not in out
    tail = out.split("Concrete Functions:")[1]
    assert tail.strip() == "", tail
    loaded = tf.saved_model.load(template)
    assert list(loaded.signatures) == [serving.SIGNATURE]
    sig = loaded.signatures[serving.SIGNATURE]
    assert list(sig.structured_input_signature[1]) == [serving.INPUT]
    assert sorted(sig.structured_outputs) == [serving.LOGITS, serving.PROBABILITIES]


def test_filled_model_matches_evaluate(trained, tmp_path):
    name, model, module, ckpt, template, spec, _ = trained
    c = model.input_shape[-1]
    out = str(tmp_path / "1")
    classes = [f"name {i}" for i in range(model.num_classes)]
    if name == "toy_cnn":  # raw inputs, no scaling and no normalisation
        images = np.random.default_rng(9).normal(0, 1, size=[10] + model.input_shape).astype(np.float32)
        fill(template, ckpt, out, 1, np.zeros(c, np.float32), np.ones(c, np.float32), classes)
        x = images
    else:
        mean = np.linspace(0.2, 0.6, c).astype(np.float32)
        std = np.linspace(0.25, 0.35, c).astype(np.float32)
        images = pixels(model, 10, 9)
        fill(template, ckpt, out, 255, mean, std, classes)
        x = normalise(images, mean, std)
    loaded = tf.saved_model.load(out)
    got = loaded.signatures[serving.SIGNATURE](images=tf.constant(images))
    want = module.evaluate(x, np.zeros(10, np.int32))[C.LOGITS].numpy()
    diff = float(np.max(np.abs(got[serving.LOGITS].numpy() - want)))
    print(f"{name}: max |serving logits - evaluate logits| = {diff:.3g}")
    assert diff <= 1e-6 * max(1.0, float(np.max(np.abs(want))))
    pdiff = np.max(np.abs(got[serving.PROBABILITIES].numpy() - tf.nn.softmax(want).numpy()))
    assert pdiff <= 1e-6
    assert open(os.path.join(out, "assets", serving.CLASS_NAMES_ASSET)).read().split("\n")[:-1] == classes
    assert os.path.basename(loaded.class_names.asset_path.numpy().decode()) == serving.CLASS_NAMES_ASSET


def test_template_is_placeholder(tmp_path):
    """The template itself loads: zero weights (and zero biases) give the MLP
    zero logits and uniform probabilities."""
    model = small("mlp3")
    template = str(tmp_path / "t")
    serving.write_template(model, template)
    sig = tf.saved_model.load(template).signatures[serving.SIGNATURE]
    got = sig(images=tf.constant(pixels(model, 3, 1)))
    np.testing.assert_array_equal(got[serving.LOGITS].numpy(), 0)
    np.testing.assert_allclose(got[serving.PROBABILITIES].numpy(), 1 / model.num_classes)
    names = open(os.path.join(template, "assets", serving.CLASS_NAMES_ASSET)).read()
    assert names == "class_0\nclass_1\nclass_2\nclass_3\n"


def test_export_writes_template(tmp_path):
    o = dict(SMALL["mlp3"])
    out = tmp_path / "m"
    export.export("mlp3", o.pop("input_shape"), o.pop("num_classes"), str(out), **o)
    spec = json.load(open(out / serving.TEMPLATE_DIR / serving.SPEC_FILE))
    manifest = json.load(open(out / C.MANIFEST_FILE))
    assert spec["input_shape"] == manifest["input_shape"] and spec["num_classes"] == manifest["num_classes"]
    assert sorted(e["source"] for e in spec["variables"] if e["source"].startswith("param/")) == \
        sorted("param/" + p["name"] for p in manifest["params"])


def test_existing_template_folder_is_refused(tmp_path):
    (tmp_path / "t").mkdir()
    with pytest.raises(FileExistsError, match="already exists"):
        serving.write_template(small("mlp3"), str(tmp_path / "t"))
