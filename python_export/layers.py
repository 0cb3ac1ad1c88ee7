"""Building blocks shared by every model: parameter and state specs, the Model
base class, and the layers written as pure functions of explicit tensors.

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

models.py (small models and the registry) and models_paper.py (the paper's
architectures) both import this module; neither imports the other's classes
back, so there is no import cycle.
"""

import math

import numpy as np
import tensorflow as tf

BN_MOMENTUM = 0.1  # PyTorch convention: new = (1-m)*old + m*batch
BN_EPS = 1e-5


class ParamSpec:
    """One trainable tensor: name, shape and initialiser ("uniform" with
    bound=scale, "normal" with std=scale, "ones", "zeros")."""

    def __init__(self, name, shape, init, scale=0.0):
        self.name = name
        self.shape = [int(s) for s in shape]
        self.init = init
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
    """One non-trainable tensor (a batch-norm moving statistic) and its start value."""

    def __init__(self, name, shape, value):
        self.name = name
        self.shape = [int(s) for s in shape]
        self.value = float(value)

    def initial(self):
        return tf.fill(self.shape, tf.constant(self.value, tf.float32))


class Model:
    """Base class: subclasses fill params, state and options and implement forward."""

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


def dense_specs(name, fan_in, fan_out):
    """nn.Linear(fan_in, fan_out): kernel [fan_in, fan_out] and bias, PyTorch's default init."""
    b = 1.0 / math.sqrt(fan_in)
    return [ParamSpec(f"{name}/kernel", [fan_in, fan_out], "uniform", b),
            ParamSpec(f"{name}/bias", [fan_out], "uniform", b)]


def conv_specs(name, k, cin, cout, bias=True):
    """nn.Conv2d(cin, cout, k): kernel [k, k, cin, cout] (and bias), PyTorch's default init."""
    b = 1.0 / math.sqrt(k * k * cin)
    specs = [ParamSpec(f"{name}/kernel", [k, k, cin, cout], "uniform", b)]
    if bias:
        specs.append(ParamSpec(f"{name}/bias", [cout], "uniform", b))
    return specs


def bn_specs(name, c):
    """Batch norm over c channels: (params gamma, beta), (state moving mean, variance)."""
    return ([ParamSpec(f"{name}/gamma", [c], "ones"), ParamSpec(f"{name}/beta", [c], "zeros")],
            [StateSpec(f"{name}/moving_mean", [c], 0.0), StateSpec(f"{name}/moving_var", [c], 1.0)])


def batch_norm(x, gamma, beta, mean, var, training, axes):
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


def dropout(x, rate, seed, index):
    """Inverted dropout with a stateless mask drawn from (seed, 1000 + index):
    the same seed and index give the same mask."""
    if rate <= 0:
        return x
    s = tf.stack([tf.cast(seed, tf.int64), tf.constant(1000 + index, tf.int64)])
    keep = tf.random.stateless_uniform(tf.shape(x), s, dtype=tf.float32) >= rate
    return tf.where(keep, x / (1.0 - rate), tf.zeros_like(x))
