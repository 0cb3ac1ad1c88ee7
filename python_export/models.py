"""Model definitions as pure functions of an explicit parameter list.

A model is a `Model` object that knows its parameter specs (name, shape,
initialiser), its non-trainable state (batch-norm moving statistics) and a
function

    forward(params, state, x, training, seed) -> (logits, new_state)

that uses only the tensors it is given. Training code can therefore evaluate
the network at perturbed weights (SAM) without assigning variables, and decide
whether batch-norm statistics move (they do not in SAM's second pass).

Initialisation is stateless: parameter i is drawn with seed (seed, i), so the
same seed gives the same W0 in Python and when `reset(seed)` runs from Go.
Conv and dense layers use PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in))
for weights and biases (the paper's code is PyTorch); batch norm starts at
gamma=1, beta=0, mean 0, variance 1.
"""

import math

import numpy as np
import tensorflow as tf

BN_MOMENTUM = 0.1  # PyTorch convention: new = (1-m)*old + m*batch
BN_EPS = 1e-5


class ParamSpec:
    def __init__(self, name, shape, init, scale=0.0):
        self.name = name
        self.shape = [int(s) for s in shape]
        self.init = init  # "uniform" (bound=scale), "normal" (std=scale), "ones", "zeros"
        self.scale = float(scale)

    def initial(self, seed, index):
        s = tf.stack([tf.cast(seed, tf.int64), tf.constant(index, tf.int64)])
        if self.init == "uniform":
            return tf.random.stateless_uniform(self.shape, s, -self.scale, self.scale, dtype=tf.float32)
        if self.init == "normal":
            return tf.random.stateless_normal(self.shape, s, stddev=self.scale, dtype=tf.float32)
        if self.init == "ones":
            return tf.ones(self.shape, tf.float32)
        if self.init == "zeros":
            return tf.zeros(self.shape, tf.float32)
        raise ValueError(f"unknown initialiser {self.init!r} for {self.name}")


class StateSpec:
    def __init__(self, name, shape, value):
        self.name = name
        self.shape = [int(s) for s in shape]
        self.value = float(value)

    def initial(self):
        return tf.fill(self.shape, tf.constant(self.value, tf.float32))


def _dense_specs(name, fan_in, fan_out):
    b = 1.0 / math.sqrt(fan_in)
    return [ParamSpec(f"{name}/kernel", [fan_in, fan_out], "uniform", b),
            ParamSpec(f"{name}/bias", [fan_out], "uniform", b)]


def _conv_specs(name, k, cin, cout, bias=True):
    b = 1.0 / math.sqrt(k * k * cin)
    specs = [ParamSpec(f"{name}/kernel", [k, k, cin, cout], "uniform", b)]
    if bias:
        specs.append(ParamSpec(f"{name}/bias", [cout], "uniform", b))
    return specs


def _bn_specs(name, c):
    return ([ParamSpec(f"{name}/gamma", [c], "ones"), ParamSpec(f"{name}/beta", [c], "zeros")],
            [StateSpec(f"{name}/moving_mean", [c], 0.0), StateSpec(f"{name}/moving_var", [c], 1.0)])


def _batch_norm(x, gamma, beta, mean, var, training, axes):
    """Batch norm; returns (y, new_mean, new_var). PyTorch semantics: the
    running variance uses the unbiased batch variance."""
    if training:
        bm, bv = tf.nn.moments(x, axes)
        n = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), axes)), tf.float32)
        unbiased = bv * n / tf.maximum(n - 1.0, 1.0)
        new_mean = (1.0 - BN_MOMENTUM) * mean + BN_MOMENTUM * bm
        new_var = (1.0 - BN_MOMENTUM) * var + BN_MOMENTUM * unbiased
        y = tf.nn.batch_normalization(x, bm, bv, beta, gamma, BN_EPS)
        return y, new_mean, new_var
    y = tf.nn.batch_normalization(x, mean, var, beta, gamma, BN_EPS)
    return y, mean, var


def _dropout(x, rate, seed, index):
    if rate <= 0:
        return x
    s = tf.stack([tf.cast(seed, tf.int64), tf.constant(1000 + index, tf.int64)])
    keep = tf.random.stateless_uniform(tf.shape(x), s, dtype=tf.float32) >= rate
    return tf.where(keep, x / (1.0 - rate), tf.zeros_like(x))


class Model:
    """Base class: subclasses fill params, state and implement forward."""

    name = ""

    def __init__(self, input_shape, num_classes):
        self.input_shape = [int(s) for s in input_shape]
        self.num_classes = int(num_classes)
        self.params = []
        self.state = []
        self.options = {}

    def param_count(self):
        return int(sum(np.prod(p.shape) for p in self.params))

    def forward(self, params, state, x, training, seed):
        raise NotImplementedError


class ToyCNN(Model):
    """Eq. 1 of the paper: f(x) = sum_j sum_p <w_j, x_p>^3 over P patches of
    dimension d with J filters, W ~ N(0, init_std^2); init_std None means
    d**-0.5, the paper's sigma_0^2 = polylog(d)/d with polylog(d) = 1 (see
    docs/DESIGN.md). Two classes: the logits
    are [-f/2, f/2], so softmax cross-entropy on label (y+1)/2 equals the
    logistic loss log(1 + exp(-y f)) of the paper."""

    name = "toy_cnn"

    def __init__(self, input_shape, num_classes, filters=40, init_std=None):
        super().__init__(input_shape, num_classes)
        if len(self.input_shape) != 2:
            raise ValueError(f"toy_cnn: input shape {self.input_shape}, want [P, d]")
        if self.num_classes != 2:
            raise ValueError(f"toy_cnn: {self.num_classes} classes, want 2")
        d = self.input_shape[1]
        if init_std is None:
            init_std = d ** -0.5
        self.params = [ParamSpec("filters", [d, filters], "normal", init_std)]
        self.options = {"filters": int(filters), "init_std": float(init_std)}

    def forward(self, params, state, x, training, seed):
        (w,) = params
        z = tf.einsum("bpd,dj->bpj", x, w)
        f = tf.reduce_sum(z * z * z, axis=[1, 2])
        logits = tf.stack([-0.5 * f, 0.5 * f], axis=1)
        return logits, list(state)


class MLP3(Model):
    """The paper's 3-layer MLP: flatten, two hidden layers of `hidden` ReLU
    units each followed by dropout, and a linear output layer."""

    name = "mlp3"

    def __init__(self, input_shape, num_classes, hidden=512, dropout=0.1):
        super().__init__(input_shape, num_classes)
        n_in = int(np.prod(self.input_shape))
        self.params = (_dense_specs("fc1", n_in, hidden) + _dense_specs("fc2", hidden, hidden)
                       + _dense_specs("fc3", hidden, self.num_classes))
        self.dropout = float(dropout)
        self.options = {"hidden": int(hidden), "dropout": self.dropout}

    def forward(self, params, state, x, training, seed):
        w1, b1, w2, b2, w3, b3 = params
        h = tf.reshape(x, [tf.shape(x)[0], -1])
        h = tf.nn.relu(tf.matmul(h, w1) + b1)
        if training:
            h = _dropout(h, self.dropout, seed, 0)
        h = tf.nn.relu(tf.matmul(h, w2) + b2)
        if training:
            h = _dropout(h, self.dropout, seed, 1)
        return tf.matmul(h, w3) + b3, list(state)


class CNNBN(Model):
    """A small CNN with batch norm: [conv3x3 -> BN -> ReLU -> maxpool2] x 2
    (32 and 64 channels), then a linear layer. Convs have no bias (BN follows)."""

    name = "cnn_bn"

    def __init__(self, input_shape, num_classes, channels=(32, 64)):
        super().__init__(input_shape, num_classes)
        if len(self.input_shape) != 3:
            raise ValueError(f"cnn_bn: input shape {self.input_shape}, want [H, W, C]")
        h, w, c = self.input_shape
        c1, c2 = channels
        bn1, st1 = _bn_specs("bn1", c1)
        bn2, st2 = _bn_specs("bn2", c2)
        flat = (h // 4) * (w // 4) * c2
        self.params = (_conv_specs("conv1", 3, c, c1, bias=False) + bn1
                       + _conv_specs("conv2", 3, c1, c2, bias=False) + bn2
                       + _dense_specs("fc", flat, self.num_classes))
        self.state = st1 + st2
        self.options = {"channels": [int(c1), int(c2)]}

    def forward(self, params, state, x, training, seed):
        k1, g1, be1, k2, g2, be2, wf, bf = params
        m1, v1, m2, v2 = state
        h = tf.nn.conv2d(x, k1, 1, "SAME")
        h, m1, v1 = _batch_norm(h, g1, be1, m1, v1, training, [0, 1, 2])
        h = tf.nn.max_pool2d(tf.nn.relu(h), 2, 2, "VALID")
        h = tf.nn.conv2d(h, k2, 1, "SAME")
        h, m2, v2 = _batch_norm(h, g2, be2, m2, v2, training, [0, 1, 2])
        h = tf.nn.max_pool2d(tf.nn.relu(h), 2, 2, "VALID")
        h = tf.reshape(h, [tf.shape(h)[0], -1])
        return tf.matmul(h, wf) + bf, [m1, v1, m2, v2]


MODELS = {m.name: m for m in (ToyCNN, MLP3, CNNBN)}


def build(name, input_shape, num_classes, **options):
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    return MODELS[name](input_shape, num_classes, **options)


def register(cls):
    """Add a Model subclass to MODELS under cls.name (used by models_paper)."""
    MODELS[cls.name] = cls
    return cls


# The paper's larger architectures live in models_paper.py, which imports the
# helpers above and registers its classes; importing it last avoids a cycle.
import models_paper  # noqa: E402,F401
