"""The small models (the paper's toy CNN and 3-layer MLP, a CNN with batch
norm for tests) and the registry of every model the exporter can build.

Models follow the conventions of layers.py (pure forward functions of explicit
parameters, stateless seeded initialisation). The paper's larger
architectures live in models_paper.py; both modules import layers.py and this
one lists the classes of both in MODELS.
"""

import numpy as np
import tensorflow as tf

import models_paper
from layers import Model, ParamSpec, batch_norm, bn_specs, conv_specs, dense_specs, dropout


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
        self.params = (dense_specs("fc1", n_in, hidden) + dense_specs("fc2", hidden, hidden)
                       + dense_specs("fc3", hidden, self.num_classes))
        self.dropout = float(dropout)
        self.options = {"hidden": int(hidden), "dropout": self.dropout}

    def forward(self, params, state, x, training, seed):
        w1, b1, w2, b2, w3, b3 = params
        h = tf.reshape(x, [tf.shape(x)[0], -1])
        h = tf.nn.relu(tf.matmul(h, w1) + b1)
        if training:
            h = dropout(h, self.dropout, seed, 0)
        h = tf.nn.relu(tf.matmul(h, w2) + b2)
        if training:
            h = dropout(h, self.dropout, seed, 1)
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
        bn1, st1 = bn_specs("bn1", c1)
        bn2, st2 = bn_specs("bn2", c2)
        flat = (h // 4) * (w // 4) * c2
        self.params = (conv_specs("conv1", 3, c, c1, bias=False) + bn1
                       + conv_specs("conv2", 3, c1, c2, bias=False) + bn2
                       + dense_specs("fc", flat, self.num_classes))
        self.state = st1 + st2
        self.options = {"channels": [int(c1), int(c2)]}

    def forward(self, params, state, x, training, seed):
        k1, g1, be1, k2, g2, be2, wf, bf = params
        m1, v1, m2, v2 = state
        h = tf.nn.conv2d(x, k1, 1, "SAME")
        h, m1, v1 = batch_norm(h, g1, be1, m1, v1, training, [0, 1, 2])
        h = tf.nn.max_pool2d(tf.nn.relu(h), 2, 2, "VALID")
        h = tf.nn.conv2d(h, k2, 1, "SAME")
        h, m2, v2 = batch_norm(h, g2, be2, m2, v2, training, [0, 1, 2])
        h = tf.nn.max_pool2d(tf.nn.relu(h), 2, 2, "VALID")
        h = tf.reshape(h, [tf.shape(h)[0], -1])
        return tf.matmul(h, wf) + bf, [m1, v1, m2, v2]


MODELS = {m.name: m for m in (ToyCNN, MLP3, CNNBN) + models_paper.PAPER_MODELS}


def build(name, input_shape, num_classes, **options):
    """An instance of the model registered as name; options go to its constructor."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    return MODELS[name](input_shape, num_classes, **options)
