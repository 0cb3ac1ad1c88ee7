"""The serving template: a SavedModel for inference that Go fills with a run's
weights, so that exporting a trained model needs no Python at run time.

`write_template(model, out)` saves, for one model (the same pure function
`models.py` defines), a tf.Module whose only signature is

    serving_default(images float32 [None] + input_shape)
        -> logits [None, C], probabilities [None, C] (softmax of logits)

computed in inference mode (batch norm on its moving statistics, no dropout)
on the normalised input

    x = (images / divisor - mean) / std     (per channel: the last axis)

where divisor, mean and std are variables, like the weights and batch-norm
statistics. For image data Go writes divisor 255 and the training set's
per-channel mean and std, so the graph computes float32(v)/255 and then
(x - mean[c]) / std[c], the arithmetic the Go sampler uses; for the toy data
divisor 1, mean 0 and std 1 leave the input as it is (bitwise).

The template holds placeholder values (zero weights, batch norm at its
initial statistics, divisor 1, mean 0, std 1) and an asset class_names.txt
with placeholder names class_0 ... class_{C-1}, one per line. Beside the
SavedModel, serving.json lists every entry of the template's checkpoint
(TensorFlow's object-based key, e.g. "params/0/.ATTRIBUTES/VARIABLE_VALUE")
with its dtype, shape and source: a key of the training checkpoint that
TrainModule.save writes ("param/<name>", "state/<name>") or one of
SOURCE_DIVISOR, SOURCE_MEAN, SOURCE_STD. A filled SavedModel is the template's
saved_model.pb and assets with a new variables/ checkpoint that holds the
template's own _CHECKPOINTABLE_OBJECT_GRAPH entry and one tensor per listed
key (graphs/export.go writes it with RestoreV2/SaveV2).

The module has no tf.function attributes and no other signature, so
`saved_model_cli show --all` lists serving_default only, besides the
__saved_model_init_op entry every TF2 SavedModel carries (a NoOp here).
"""

import json
import os
import shutil
import tempfile

import tensorflow as tf

F32 = tf.float32

TEMPLATE_DIR = "serving"  # inside the training model folder
SPEC_FILE = "serving.json"  # inside TEMPLATE_DIR, beside saved_model.pb
SPEC_FORMAT = 1
SIGNATURE = "serving_default"
INPUT = "images"
LOGITS = "logits"
PROBABILITIES = "probabilities"
CLASS_NAMES_ASSET = "class_names.txt"
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
VARIABLE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"

SOURCE_DIVISOR = "input/divisor"
SOURCE_MEAN = "input/mean"
SOURCE_STD = "input/std"


class ServingModule(tf.Module):
    """Weights, batch-norm statistics and input normalisation of one model
    as variables named by their source (see the module docstring), and the
    class-name asset. serve() is the serving function; it is not an
    attribute, so it is saved only as the serving_default signature."""

    def __init__(self, model, class_names_file):
        super().__init__(name="serving")
        self.model = model
        self.params = [tf.Variable(tf.zeros(p.shape, F32), name="param/" + p.name) for p in model.params]
        self.state = [tf.Variable(s.initial(), trainable=False, name="state/" + s.name) for s in model.state]
        channels = model.input_shape[-1]
        self.divisor = tf.Variable(tf.constant(1.0, F32), trainable=False, name=SOURCE_DIVISOR)
        self.mean = tf.Variable(tf.zeros([channels], F32), trainable=False, name=SOURCE_MEAN)
        self.std = tf.Variable(tf.ones([channels], F32), trainable=False, name=SOURCE_STD)
        self.class_names = tf.saved_model.Asset(class_names_file)

    def serving_function(self):
        """The concrete serving function over [None] + input_shape images."""
        spec = tf.TensorSpec([None] + self.model.input_shape, F32, name=INPUT)

        def serve(images):
            x = (images / self.divisor - self.mean) / self.std
            logits, _ = self.model.forward(self.params, self.state, x, False, tf.constant(0, tf.int64))
            return {LOGITS: logits, PROBABILITIES: tf.nn.softmax(logits)}

        return tf.function(serve, input_signature=[spec]).get_concrete_function()


def _source(full_name):
    """The serving.json source of a template variable: its variable name."""
    return full_name[:-2] if full_name.endswith(":0") else full_name


def checkpoint_entries(prefix):
    """The variables of the checkpoint at prefix as serving.json entries,
    sorted by key, read from its object graph (key -> variable name)."""
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    reader = tf.train.load_checkpoint(prefix)
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(reader.get_tensor(OBJECT_GRAPH_KEY))
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    out = []
    for node in graph.nodes:
        for attr in node.attributes:
            key = attr.checkpoint_key
            out.append({"key": key, "source": _source(attr.full_name),
                        "dtype": dtypes[key].name, "shape": [int(d) for d in shapes[key]]})
    out.sort(key=lambda e: e["key"])
    listed = {e["key"] for e in out} | {OBJECT_GRAPH_KEY}
    if listed != set(shapes):
        raise RuntimeError(f"serving template {prefix}: checkpoint keys {sorted(shapes)} "
                           f"differ from the object graph's {sorted(listed)}")
    return out


def write_template(model, out):
    """Save the serving template of model into the folder out (created; it
    must not exist) with serving.json beside saved_model.pb, and return the
    serving.json contents."""
    if os.path.exists(out):
        raise FileExistsError(f"serving template {out}: already exists")
    names_dir = tempfile.mkdtemp(prefix="serving-names-")
    try:
        names = os.path.join(names_dir, CLASS_NAMES_ASSET)
        with open(names, "w") as f:
            f.write("".join(f"class_{i}\n" for i in range(model.num_classes)))
        module = ServingModule(model, names)
        tf.saved_model.save(module, out, signatures={SIGNATURE: module.serving_function()})
    finally:
        shutil.rmtree(names_dir, ignore_errors=True)
    entries = checkpoint_entries(os.path.join(out, "variables", "variables"))
    spec = {
        "format": SPEC_FORMAT,
        "model": model.name,
        "input_shape": model.input_shape,
        "num_classes": model.num_classes,
        "signature": SIGNATURE,
        "input": INPUT,
        "outputs": [LOGITS, PROBABILITIES],
        "class_names_asset": CLASS_NAMES_ASSET,
        "object_graph_key": OBJECT_GRAPH_KEY,
        "variables": entries,
    }
    with open(os.path.join(out, SPEC_FILE), "w") as f:
        json.dump(spec, f, indent=1, sort_keys=True)
    return spec
