"""The small models (the paper's toy CNN and 3-layer MLP, a CNN with batch
norm for tests) and the registry of every model the exporter can build.

Models follow the conventions of layers.py (pure forward functions of explicit
parameters, stateless seeded initialisation). The paper's larger
architectures live in models_paper.py; both modules import layers.py and this
one lists the classes of both in MODELS.
"""

import math

import numpy as np
import tensorflow as tf

import models_paper
from layers import Model, ParamSpec, batch_norm, bn_specs, conv_specs, dense_specs, dropout


class ToyCNN(Model):
    """The paper's two-layer cubic CNN (Eq. 1) as its reference code builds it.

    The paper's toy follows Deng et al., Progressive Data Expansion (NeurIPS
    2023), whose notebook uclaml/PDE synthetic/spurious_synthetic.ipynb (commit
    eb4ea17c2d839356433b3b5c208404cd589e78e1, class ConvNet) uses
    Conv1d(1, 2*20, kernel_size=d, stride=d): J = 40 filters, each with a bias,
    applied to every patch, cubed, summed over the patches; filters 0..J/2-1
    sum into logit 0 (label y = -1), filters J/2..J-1 into logit 1 (y = +1);
    cross-entropy. Here `filters` [d, J] holds filter j in column j and `bias`
    [J] its bias:

        logit_c = sum_{j in bank c} sum_p (<w_j, x_p> + b_j)^3.

    Single-output form: the cube is odd, so logit_1 - logit_0 =
    f(x) = sum_j sum_p (<s_j w_j, x_p> + s_j b_j)^3 with s_j = -1 in bank 0 and
    +1 in bank 1, and the two-logit cross-entropy on label (y+1)/2 equals the
    paper's logistic loss log(1 + exp(-y f)) (tests/test_export.py). The
    paper's G(t) = max_j <w_j, v> therefore reads
    max(max_{j >= J/2} W[v, j], max_{j < J/2} -W[v, j]) for v = v_e, v_d.

    Initialisation: PyTorch's default for that Conv1d (weight
    kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)), bias
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = d; torch/nn/modules/conv.py
    _ConvNd.reset_parameters), then weight and bias multiplied by init_scale
    (0.1 in the notebook's ConvNet(small=True)). Both are therefore
    U(-init_scale/sqrt(d), init_scale/sqrt(d)), drawn by the stateless
    initialisers of reset(seed)."""

    name = "toy_cnn"

    def __init__(self, input_shape, num_classes, filters=40, init_scale=0.1):
        super().__init__(input_shape, num_classes)
        if len(self.input_shape) != 2:
            raise ValueError(f"toy_cnn: input shape {self.input_shape}, want [P, d]")
        if self.num_classes != 2:
            raise ValueError(f"toy_cnn: {self.num_classes} classes, want 2")
        if filters < 2 or filters % 2:
            raise ValueError(f"toy_cnn: filters {filters}, want an even number >= 2 (two banks)")
        if not init_scale > 0:
            raise ValueError(f"toy_cnn: init_scale {init_scale}, want > 0")
        d = self.input_shape[1]
        bound = float(init_scale) / math.sqrt(d)
        self.params = [ParamSpec("filters", [d, filters], "uniform", bound),
                       ParamSpec("bias", [filters], "uniform", bound)]
        self.options = {"filters": int(filters), "init": "pytorch_conv1d_default", "init_scale": float(init_scale),
                        "init_bound": bound}

    def forward(self, params, state, x, training, seed):
        w, b = params
        z = tf.einsum("bpd,dj->bpj", x, w) + b
        per_filter = tf.reduce_sum(z * z * z, axis=1)  # [B, J]
        bank0, bank1 = tf.split(per_filter, 2, axis=1)
        logits = tf.stack([tf.reduce_sum(bank0, axis=1), tf.reduce_sum(bank1, axis=1)], axis=1)
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
