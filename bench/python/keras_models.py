"""The project's models written in Keras 3, and the paper's recipe as a Keras
train_step, for `model.fit` side by side with the Go pipeline.

Architectures (python_export/models.py, models_paper.py; ours are pure
functions of a parameter list, these are ordinary Keras layers):

  mlp3             Flatten -> Dense(512, relu) -> Dropout(0.1) -> Dense(512,
                   relu) -> Dropout(0.1) -> Dense(classes)
  cnn_bn           [Conv2D(3x3, same, no bias) -> BatchNorm -> ReLU ->
                   MaxPool(2)] x 2 (32, 64 channels) -> Flatten -> Dense
  preact_resnet18  PreActResNet18 of tml-epfl/understanding-sam (the
                   paper's reference [3]): conv3x3(64); blocks a = relu(bn1(x)),
                   out = conv2(relu(bn2(conv1(a)))) + shortcut (1x1 conv of
                   a on a stride/width change, else x); 3x3 stride-2 convs
                   pad 1 on each side (ZeroPadding2D + valid conv, as
                   PyTorch and our models); final relu(bn(x)); global
                   average pool; Dense.

BatchNormalization(momentum=0.9, epsilon=1e-5) is PyTorch's BN(momentum
0.1, eps 1e-5) in Keras' convention, with one difference we keep because it
is Keras' own: Keras updates the moving variance with the biased batch
variance, PyTorch (and our models) with the unbiased one (a factor n/(n-1),
n = batch x H x W >= 2048 values per channel here). It changes only the
inference-time statistics; the training step normalises with the batch's
(biased) moments on both sides.

Initial weights: load_w0 runs our SavedModel's reset(seed) and save(), reads
the checkpoint and assign_w0 puts every parameter and batch-norm statistic
into the Keras variable of the same name (the manifest's order and shapes are
checked), so both sides start from the same W0.

The recipe (RecipeModel.train_step, Keras 3 "customise what happens in fit"):
  * loss: mean sparse softmax cross-entropy of the logits;
  * SGD: keras.optimizers.SGD(momentum=0.9) applied to g + wd * w for every
    trainable variable (kernels, biases, BN gamma/beta): COUPLED L2 as
    PyTorch's SGD(weight_decay) and our train_sgd, added to the gradient in
    train_step (Keras' own weight_decay argument is decoupled, so it is not
    used; nor are kernel regularizers, which would miss biases and BN).
    Keras' momentum keeps lr inside its velocity (v = 0.9 v - lr g; w += v)
    where PyTorch keeps it outside (buf = 0.9 buf + g; w -= lr buf): the same
    update while lr is constant; after each of the schedule's two lr drops
    Keras' velocity carries the old lr for a decaying transient;
  * SAM (Foret et al. 2021, arXiv:2010.01412; as davda54/sam and our
    train_sam): g1 = grad L(w); e = rho g1 / (||g1|| + 1e-12), the norm over
    all trainable variables together; g2 = grad L(w + e) computed by
    model.stateless_call at the perturbed weights (no variable is assigned
    w + e) from the non-trainable state the first pass left; of the state
    that pass returns, the dropout generators' is kept (a fresh mask in the
    second pass, as PyTorch's SAM draws in its second forward call and our
    train_sam draws with second_pass_seed(seed)) and the batch-norm
    statistics are dropped (they move in the first pass only); then the SGD
    step above (decay and momentum) with g2 at w;
  * lr: the step schedule of options.LRAt (lr / 10 at 50% and 75% of the
    epochs), set per epoch by keras.callbacks.LearningRateScheduler.
"""

from __future__ import annotations

import json
import os
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# As the Go side (internal/tfenv): deterministic kernels, so that a run and
# the step checks repeat bit for bit (without it, a SAM step of
# preact_resnet18 came out 5e-5 away from train_sam in one of two runs).
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402

MODELS = ("mlp3", "cnn_bn", "preact_resnet18")
METHODS = ("sgd", "sam")
BN_MOMENTUM = 0.9  # Keras convention: new = 0.9 old + 0.1 batch (PyTorch's 0.1)
BN_EPS = 1e-5
# Our train_sam draws the second pass's dropout mask from seed XOR this
# (python_export/module.py SECOND_PASS_SEED_XOR: 0x9E3779B97F4A7C15 as int64).
SECOND_PASS_SEED_XOR = -0x61C8864680B583EB


class SeededDropout(keras.layers.Layer):
    """Our models' dropout (python_export/layers.py dropout): keep where
    stateless_uniform(shape, [seed, 1000 + index]) >= rate, kept values
    scaled by 1/(1-rate), with seed a variable the caller sets per step (SAM's
    second pass uses seed XOR SECOND_PASS_SEED_XOR, as train_sam). Used only
    to check a training step against our train signatures bit for bit; fit
    runs keras.layers.Dropout."""

    def __init__(self, rate, index, **kw):
        super().__init__(**kw)
        self.rate, self.index = float(rate), int(index)
        self.seed = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="seed")

    def call(self, x, training=False):
        if not training or self.rate <= 0:
            return x
        s = tf.stack([tf.convert_to_tensor(self.seed), tf.constant(1000 + self.index, tf.int64)])
        keep = tf.random.stateless_uniform(tf.shape(x), s, dtype=tf.float32) >= self.rate
        return tf.where(keep, x / (1.0 - self.rate), tf.zeros_like(x))


class RecipeModel(keras.Model):
    """A functional Keras model whose train_step is the paper's recipe (see
    the module doc): call set_recipe(method, weight_decay, rho) before
    compile."""

    def set_recipe(self, method: str, weight_decay: float, rho: float = 0.0):
        if method not in METHODS:
            raise ValueError(f"method {method!r}: want one of {METHODS}")
        if not (weight_decay >= 0 and rho >= 0):
            raise ValueError(f"want weight_decay >= 0 and rho >= 0, got {weight_decay} and {rho}")
        self.recipe_method, self.recipe_wd, self.recipe_rho = method, float(weight_decay), float(rho)

    def _second_pass_state(self):
        """(values for SAM's second pass, variables to take back from it):
        the non-trainable values as the first pass left them, SeededDropout
        seeds XOR SECOND_PASS_SEED_XOR; back come the dropout generators'
        states, not the batch-norm statistics nor the SeededDropout seeds."""
        fixed = set()
        seeded = set()
        for layer in self._flatten_layers():
            if isinstance(layer, keras.layers.BatchNormalization):
                fixed.update(id(v) for v in (layer.moving_mean, layer.moving_variance))
            if isinstance(layer, SeededDropout):
                seeded.add(id(layer.seed))
        values, back = [], []
        xor = tf.constant(SECOND_PASS_SEED_XOR, tf.int64)
        for i, v in enumerate(self.non_trainable_variables):
            if id(v) in seeded:
                values.append(tf.bitwise.bitwise_xor(tf.convert_to_tensor(v.value), xor))
            else:
                values.append(tf.identity(v.value))
            if id(v) not in fixed and id(v) not in seeded:
                back.append(i)
        return values, back

    def _apply_coupled(self, grads):
        tv = self.trainable_variables
        wd = self.recipe_wd
        self.optimizer.apply([g + wd * v for g, v in zip(grads, tv)], tv)

    def train_step(self, data):
        x, y = data[0], data[1]
        tv = self.trainable_variables
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
        grads = tape.gradient(loss, tv)
        if self.recipe_method == "sam":
            norm = tf.sqrt(tf.add_n([tf.reduce_sum(g * g) for g in grads]))
            scale = self.recipe_rho / (norm + 1e-12)
            perturbed = [v.value + scale * g for v, g in zip(tv, grads)]
            state, back = self._second_pass_state()
            with tf.GradientTape() as tape2:
                tape2.watch(perturbed)
                y2, after = self.stateless_call(perturbed, state, x, training=True)
                loss2 = self.compute_loss(x=x, y=y, y_pred=y2)
            grads = tape2.gradient(loss2, perturbed)
            ntv = self.non_trainable_variables
            for i in back:
                ntv[i].assign(after[i])
        self._apply_coupled(grads)
        for m in self.metrics:
            if m.name == "loss":
                m.update_state(loss)
            else:
                m.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


# --------------------------------------------------------------------------
# Architectures
# --------------------------------------------------------------------------


class _Builder:
    """Builds layers and records which of our parameter names each Keras
    variable carries."""

    def __init__(self):
        self.names = {}  # our layer prefix -> keras layer

    def add(self, prefix, layer):
        self.names[prefix] = layer
        return layer

    def conv(self, prefix, x, k, cout, stride=1):
        if k == 1:
            pad = "valid"
        elif stride == 1:
            pad = "same"  # PyTorch's padding k//2 for odd k, stride 1
        else:
            x = keras.layers.ZeroPadding2D(k // 2)(x)  # PyTorch pads k//2 on each side
            pad = "valid"
        return self.add(prefix, keras.layers.Conv2D(cout, k, strides=stride, padding=pad, use_bias=False,
                                                    name=_keras_name(prefix)))(x)

    def bn(self, prefix, x):
        return self.add(prefix, keras.layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPS,
                                                                name=_keras_name(prefix)))(x)

    def dense(self, prefix, x, units, activation=None):
        return self.add(prefix, keras.layers.Dense(units, activation=activation, name=_keras_name(prefix)))(x)


def _keras_name(prefix):
    return prefix.replace(".", "_").replace("/", "_")


_LEAF = {"kernel": "kernel", "bias": "bias", "gamma": "gamma", "beta": "beta",
         "moving_mean": "moving_mean", "moving_variance": "moving_var"}


def build(name: str, input_shape, num_classes: int, options=None, dropout: str = "keras"):
    """(RecipeModel, params, state): the Keras model of our model name for
    input_shape and num_classes with our options (manifest "options"), and
    its variables as lists of (our name, Keras variable) in no particular
    order. dropout "keras" uses keras.layers.Dropout, "seeded" SeededDropout
    (for bitwise step checks)."""
    options = options or {}
    if name not in MODELS:
        raise ValueError(f"model {name!r}: want one of {MODELS}")
    if dropout not in ("keras", "seeded"):
        raise ValueError(f"dropout {dropout!r}: want keras or seeded")
    b = _Builder()
    inp = keras.Input(shape=tuple(int(s) for s in input_shape), name="images")
    if name == "mlp3":
        hidden, rate = int(options.get("hidden", 512)), float(options.get("dropout", 0.1))
        h = keras.layers.Flatten()(inp)
        for i, layer in enumerate(("fc1", "fc2")):
            h = b.dense(layer, h, hidden, "relu")
            drop = SeededDropout(rate, i, name=f"dropout{i}") if dropout == "seeded" else keras.layers.Dropout(rate)
            h = drop(h)
        out = b.dense("fc3", h, num_classes)
    elif name == "cnn_bn":
        c1, c2 = options.get("channels", [32, 64])
        h = inp
        for i, c in ((1, c1), (2, c2)):
            h = b.conv(f"conv{i}", h, 3, int(c))
            h = keras.layers.ReLU()(b.bn(f"bn{i}", h))
            h = keras.layers.MaxPooling2D(2, 2, padding="valid")(h)
        out = b.dense("fc", keras.layers.Flatten()(h), num_classes)
    else:
        width = int(options.get("width", 64))
        h = b.conv("conv1", inp, 3, width)
        cin = width
        for stage, n in enumerate((2, 2, 2, 2)):
            cout = width * 2 ** stage
            for k in range(n):
                stride = 2 if (stage > 0 and k == 0) else 1
                p = f"layer{stage + 1}.{k}"
                a = keras.layers.ReLU()(b.bn(f"{p}.bn1", h))
                sc = b.conv(f"{p}.shortcut.0", a, 1, cout, stride) if (stride != 1 or cin != cout) else h
                o = b.conv(f"{p}.conv1", a, 3, cout, stride)
                o = b.conv(f"{p}.conv2", keras.layers.ReLU()(b.bn(f"{p}.bn2", o)), 3, cout)
                h = keras.layers.Add()([o, sc])
                cin = cout
        h = keras.layers.ReLU()(b.bn("bn", h))
        out = b.dense("linear", keras.layers.GlobalAveragePooling2D()(h), num_classes)
    model = RecipeModel(inputs=inp, outputs=out, name=name)
    params, state = [], []
    for prefix, layer in b.names.items():
        for v in layer.weights:
            leaf = v.path.rsplit("/", 1)[-1]
            if leaf not in _LEAF:
                raise AssertionError(f"unexpected variable {v.path}")
            (params if v.trainable else state).append((f"{prefix}/{_LEAF[leaf]}", v))
    return model, params, state


# --------------------------------------------------------------------------
# W0 from our SavedModel
# --------------------------------------------------------------------------


def read_manifest(model_dir: str) -> dict:
    with open(os.path.join(model_dir, "manifest.json")) as f:
        return json.load(f)


def build_for(model_dir: str, dropout: str = "keras"):
    """build() for the model, input shape, classes and options of a
    SavedModel folder's manifest; returns (model, params, state, manifest)."""
    man = read_manifest(model_dir)
    model, params, state = build(man["model"], man["input_shape"], man["num_classes"], man.get("options"), dropout)
    return model, params, state, man


def checkpoint_values(saved, path_prefix: str) -> dict:
    """Every variable our SavedModel holds, by checkpoint key (param/...,
    state/..., slot/..., step), after saved.signatures["save"] wrote them to
    path_prefix."""
    saved.signatures["save"](path=tf.constant(path_prefix))
    r = tf.train.load_checkpoint(path_prefix)
    return {k: r.get_tensor(k) for k in r.get_variable_to_shape_map()}


def load_w0(model_dir: str, seed: int, saved=None) -> dict:
    """Our W0 for seed: the SavedModel's reset(seed), then its variables
    (checkpoint_values). saved is the loaded SavedModel, loaded here if
    None."""
    if saved is None:
        saved = tf.saved_model.load(model_dir)
    saved.signatures["reset"](seed=tf.constant(seed, tf.int64))
    with tempfile.TemporaryDirectory() as d:
        return checkpoint_values(saved, os.path.join(d, "w0"))


def assign_w0(params, state, manifest: dict, values: dict):
    """Assigns values["param/<name>"] and values["state/<name>"] to the Keras
    variables of our parameter and state names; the names and shapes must be
    the manifest's, one to one."""
    by_name = dict(params + state)
    want = [("param/", p) for p in manifest["params"]] + [("state/", s) for s in manifest.get("state", [])]
    if len(by_name) != len(want):
        raise ValueError(f"Keras model has {len(by_name)} variables, the manifest {len(want)}")
    for kind, spec in want:
        v = by_name.get(spec["name"])
        if v is None:
            raise ValueError(f"no Keras variable for {spec['name']}")
        if list(v.shape) != list(spec["shape"]):
            raise ValueError(f"{spec['name']}: Keras shape {list(v.shape)}, manifest {spec['shape']}")
        v.assign(values[kind + spec["name"]])


def lr_at(lr: float, epochs: int, schedule: str, e: int) -> float:
    """options.LRAt: the learning rate of epoch e (0-based): constant, or
    divided by 10 at 50% and again at 75% of the epochs ("step")."""
    if schedule == "step":
        if 2 * e >= epochs:
            lr /= 10
        if 4 * e >= 3 * epochs:
            lr /= 10
    return lr


def compile_recipe(model: RecipeModel, method: str, lr: float, momentum: float, weight_decay: float,
                   rho: float, steps_per_execution: int = 1):
    """set_recipe + compile with SGD(lr, momentum), the mean sparse softmax
    cross-entropy of the logits and the accuracy."""
    model.set_recipe(method, weight_decay, rho)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr, momentum=momentum),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
                  steps_per_execution=steps_per_execution)
