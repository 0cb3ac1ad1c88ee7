"""The paper's larger architectures, as pure functions of explicit parameters.

Same conventions as layers.py (NHWC; PyTorch default initialisation: conv and
dense weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)), batch norm
gamma=1, beta=0, running mean 0 and variance 1; batch-norm momentum 0.1 and
eps 1e-5). The paper trains "following [3]" (Andriushchenko & Flammarion,
tml-epfl/understanding-sam): PreActResNet18 is that repository's (with the
final BN-ReLU); ResNet34, VGG19 and DenseNet121 follow kuangliu/pytorch-cifar
(models/resnet.py, vgg.py, densenet.py; [3]'s ResNet34 is the same network);
the ViT follows lucidrains/vit-pytorch (vit_pytorch/vit.py), which the paper
names. Parameter names mirror the PyTorch module paths
("layer1.0.conv1/kernel" for layer1.0.conv1.weight), so that ASAM's
"weight"-only rule (module.py) and any weight import map one to one.

Deviations needed so that any input size H x W works:
  * the final average pool is a mean over H and W (kuangliu's avg_pool2d(4)
    is exactly that for 32x32 inputs);
  * 2x2 pools follow PyTorch (floor) along a dimension of size >= 2 and are
    skipped along a dimension of size 1 (where PyTorch would fail);
  * 3x3 stride-2 convolutions pad 1 on each side as PyTorch does (TF "SAME"
    would pad 0 before and 1 after).

This module imports only layers.py; models.py lists PAPER_MODELS in its
registry.
"""

import math

import tensorflow as tf

from layers import Model, ParamSpec, batch_norm, bn_specs, conv_specs, dense_specs, dropout

LN_EPS = 1e-5  # torch.nn.LayerNorm default, as in lucidrains/vit-pytorch


# ---- building blocks ----------------------------------------------------

class _Specs:
    """Collects parameter and state specs in construction order."""

    def __init__(self):
        self.params = []
        self.state = []

    def conv(self, name, k, cin, cout, bias=False):
        self.params += conv_specs(name, k, cin, cout, bias=bias)

    def bn(self, name, c):
        p, s = bn_specs(name, c)
        self.params += p
        self.state += s

    def dense(self, name, fan_in, fan_out):
        self.params += dense_specs(name, fan_in, fan_out)

    def ln(self, name, c):
        self.params += [ParamSpec(f"{name}/gamma", [c], "ones"), ParamSpec(f"{name}/beta", [c], "zeros")]


class _Ctx:
    """Looks parameters and state up by name during one forward pass and
    collects the new batch-norm statistics."""

    def __init__(self, model, params, state, training, seed):
        self.model = model
        self.p = {s.name: t for s, t in zip(model.params, params)}
        self.s = {s.name: t for s, t in zip(model.state, state)}
        self.training = training
        self.seed = seed

    def conv(self, name, x, stride=1):
        k = self.p[name + "/kernel"]
        size = int(k.shape[0])
        if size == 1:
            pad = "VALID"
        elif stride == 1:
            pad = "SAME"  # equal to PyTorch's padding=k//2 for odd k and stride 1
        else:
            h = size // 2
            pad = [[0, 0], [h, h], [h, h], [0, 0]]
        y = tf.nn.conv2d(x, k, stride, pad)
        b = self.p.get(name + "/bias")
        return y if b is None else y + b

    def bn(self, name, x):
        mk, vk = name + "/moving_mean", name + "/moving_var"
        y, m, v = batch_norm(x, self.p[name + "/gamma"], self.p[name + "/beta"], self.s[mk], self.s[vk],
                              self.training, [0, 1, 2])
        self.s[mk], self.s[vk] = m, v
        return y

    def dense(self, name, x):
        return tf.matmul(x, self.p[name + "/kernel"]) + self.p[name + "/bias"]

    def ln(self, name, x):
        # Not tf.nn.moments: its stop_gradient on the mean drops a term of the
        # second derivative, which the hvp signature needs.
        mean = tf.reduce_mean(x, -1, keepdims=True)
        var = tf.reduce_mean(tf.square(x - mean), -1, keepdims=True)
        return (x - mean) * tf.math.rsqrt(var + LN_EPS) * self.p[name + "/gamma"] + self.p[name + "/beta"]

    def new_state(self):
        return [self.s[s.name] for s in self.model.state]


def _pool_geometry(h, w):
    """(ksize, strides, out_h, out_w) of a 2x2/2 pool on an h x w map: floor
    like PyTorch along sizes >= 2, identity along a size-1 dimension."""
    kh, kw = (2 if h >= 2 else 1), (2 if w >= 2 else 1)
    return [kh, kw], [kh, kw], h // kh, w // kw


def _check_image(name, shape):
    if len(shape) != 3:
        raise ValueError(f"{name}: input shape {shape}, want [H, W, C]")


def _global_pool(x):
    return tf.reduce_mean(x, axis=[1, 2])


# ---- ResNets --------------------------------------------------------------

class _ResNetBase(Model):
    blocks = ()

    def __init__(self, input_shape, num_classes, width=64):
        super().__init__(input_shape, num_classes)
        _check_image(self.name, self.input_shape)
        c = self.input_shape[2]
        sp = _Specs()
        self._stem(sp, c, width)
        self.layout = []  # (prefix, stride, cin, cout, shortcut)
        cin = width
        for stage, n in enumerate(self.blocks):
            cout = width * 2 ** stage
            for b in range(n):
                stride = 2 if (stage > 0 and b == 0) else 1
                prefix = f"layer{stage + 1}.{b}"
                shortcut = stride != 1 or cin != cout
                self._block(sp, prefix, cin, cout, shortcut)
                self.layout.append((prefix, stride, shortcut))
                cin = cout
        self._head(sp, cin)
        sp.dense("linear", cin, self.num_classes)
        self.params, self.state = sp.params, sp.state
        self.options = {"width": int(width)}

    def _head(self, sp, c):
        """Layers between the last block and the linear layer (none by default)."""


class PreActResNet18(_ResNetBase):
    """Pre-activation ResNet-18 (He et al. 2016, arXiv:1603.05027) as the
    paper's training reference [3] builds it: tml-epfl/understanding-sam
    deep_nets/models.py (commit 306adde0b8461a57e7fc8f46e84df1e38e0395fa),
    PreActResNet18 = PreActResNet(PreActBlock, [2,2,2,2], model_width=64):
    conv3x3(64) stem; blocks out = conv2(relu(bn2(conv1(a)))) + shortcut,
    a = relu(bn1(x)), where the 1x1 shortcut conv (stride/channel change) sees
    the pre-activated a and the identity shortcut sees x; then a final
    relu(bn(x)) (the module "bn"), average pool, linear. Convs have no bias
    (bias=not learnable_bn, learnable_bn True). kuangliu/pytorch-cifar's
    PreActResNet18 is the same network without the final BN-ReLU."""

    name = "preact_resnet18"
    blocks = (2, 2, 2, 2)

    def _stem(self, sp, c, width):
        sp.conv("conv1", 3, c, width)

    def _block(self, sp, prefix, cin, cout, shortcut):
        sp.bn(f"{prefix}.bn1", cin)
        if shortcut:
            sp.conv(f"{prefix}.shortcut.0", 1, cin, cout)
        sp.conv(f"{prefix}.conv1", 3, cin, cout)
        sp.bn(f"{prefix}.bn2", cout)
        sp.conv(f"{prefix}.conv2", 3, cout, cout)

    def _head(self, sp, c):
        sp.bn("bn", c)

    def forward(self, params, state, x, training, seed):
        f = _Ctx(self, params, state, training, seed)
        h = f.conv("conv1", x)
        for prefix, stride, shortcut in self.layout:
            a = tf.nn.relu(f.bn(f"{prefix}.bn1", h))
            sc = f.conv(f"{prefix}.shortcut.0", a, stride) if shortcut else h
            o = f.conv(f"{prefix}.conv1", a, stride)
            o = f.conv(f"{prefix}.conv2", tf.nn.relu(f.bn(f"{prefix}.bn2", o)))
            h = o + sc
        h = tf.nn.relu(f.bn("bn", h))
        return f.dense("linear", _global_pool(h)), f.new_state()


class ResNet34(_ResNetBase):
    """Post-activation ResNet-34 (He et al. 2015) as kuangliu's
    ResNet(BasicBlock, [3,4,6,3]): relu(bn(conv3x3(64))) stem; blocks
    relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)) with a 1x1 conv + BN
    shortcut on stride/channel change; global average pool; linear."""

    name = "resnet34"
    blocks = (3, 4, 6, 3)

    def _stem(self, sp, c, width):
        sp.conv("conv1", 3, c, width)
        sp.bn("bn1", width)

    def _block(self, sp, prefix, cin, cout, shortcut):
        sp.conv(f"{prefix}.conv1", 3, cin, cout)
        sp.bn(f"{prefix}.bn1", cout)
        sp.conv(f"{prefix}.conv2", 3, cout, cout)
        sp.bn(f"{prefix}.bn2", cout)
        if shortcut:
            sp.conv(f"{prefix}.shortcut.0", 1, cin, cout)
            sp.bn(f"{prefix}.shortcut.1", cout)

    def forward(self, params, state, x, training, seed):
        f = _Ctx(self, params, state, training, seed)
        h = tf.nn.relu(f.bn("bn1", f.conv("conv1", x)))
        for prefix, stride, shortcut in self.layout:
            o = tf.nn.relu(f.bn(f"{prefix}.bn1", f.conv(f"{prefix}.conv1", h, stride)))
            o = f.bn(f"{prefix}.bn2", f.conv(f"{prefix}.conv2", o))
            sc = f.bn(f"{prefix}.shortcut.1", f.conv(f"{prefix}.shortcut.0", h, stride)) if shortcut else h
            h = tf.nn.relu(o + sc)
        return f.dense("linear", _global_pool(h)), f.new_state()


# ---- VGG ------------------------------------------------------------------

VGG19_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
             512, 512, 512, 512, "M"]


class VGG19BN(Model):
    """kuangliu's VGG('VGG19'): [conv3x3 (with bias, as nn.Conv2d's default)
    -> BN -> ReLU] blocks and 2x2 max pools per VGG19_CFG, then a single
    linear layer. The features are averaged over H x W before the linear
    layer (a plain flatten for 32x32 inputs, where the map is 1x1 as in
    kuangliu's code). `width` scales every channel count by width/64."""

    name = "vgg19_bn"

    def __init__(self, input_shape, num_classes, width=64):
        super().__init__(input_shape, num_classes)
        _check_image(self.name, self.input_shape)
        h, w, cin = self.input_shape
        sp = _Specs()
        self.layout = []  # ("conv", index) or ("pool", ksize, strides)
        i = 0
        for v in VGG19_CFG:
            if v == "M":
                k, s, h, w = _pool_geometry(h, w)
                self.layout.append(("pool", k, s))
            else:
                cout = v * int(width) // 64
                sp.conv(f"features.{i}", 3, cin, cout, bias=True)
                sp.bn(f"features.{i + 1}", cout)
                self.layout.append(("conv", i))
                i += 3  # conv, bn, relu, as in nn.Sequential's numbering
                cin = cout
            if v == "M":
                i += 1
        sp.dense("classifier", cin, self.num_classes)
        self.params, self.state = sp.params, sp.state
        self.options = {"width": int(width)}

    def forward(self, params, state, x, training, seed):
        f = _Ctx(self, params, state, training, seed)
        h = x
        for item in self.layout:
            if item[0] == "pool":
                h = tf.nn.max_pool2d(h, item[1], item[2], "VALID")
            else:
                i = item[1]
                h = tf.nn.relu(f.bn(f"features.{i + 1}", f.conv(f"features.{i}", h)))
        return f.dense("classifier", _global_pool(h)), f.new_state()


# ---- DenseNet ---------------------------------------------------------------

class DenseNet121(Model):
    """kuangliu's DenseNet121 = DenseNet(Bottleneck, [6,12,24,16],
    growth_rate=32, reduction=0.5): conv3x3(2k) stem (no BN/pool, CIFAR
    style); bottlenecks cat([conv3x3(k)(relu(bn2(conv1x1(4k)(relu(bn1(x)))))), x]);
    transitions avgpool2(conv1x1(floor(0.5 c))(relu(bn(x)))); final
    relu(bn(x)), global average pool, linear. Convs have no bias. `blocks`
    (dense-block sizes, kuangliu's nblocks) is there to build shallow
    variants for fast tests; the default is DenseNet121's."""

    name = "densenet121"
    reduction = 0.5

    def __init__(self, input_shape, num_classes, growth=32, blocks=(6, 12, 24, 16)):
        super().__init__(input_shape, num_classes)
        _check_image(self.name, self.input_shape)
        h, w, c = self.input_shape
        g = int(growth)
        self.blocks = tuple(int(n) for n in blocks)
        if not self.blocks or min(self.blocks) < 1:
            raise ValueError(f"densenet121: blocks {list(blocks)}, want positive sizes")
        sp = _Specs()
        planes = 2 * g
        sp.conv("conv1", 3, c, planes)
        self.layout = []  # ("dense", prefix) or ("trans", prefix, ksize, strides)
        for d, n in enumerate(self.blocks):
            for j in range(n):
                prefix = f"dense{d + 1}.{j}"
                sp.bn(f"{prefix}.bn1", planes)
                sp.conv(f"{prefix}.conv1", 1, planes, 4 * g)
                sp.bn(f"{prefix}.bn2", 4 * g)
                sp.conv(f"{prefix}.conv2", 3, 4 * g, g)
                self.layout.append(("dense", prefix))
                planes += g
            if d < len(self.blocks) - 1:
                out = int(math.floor(planes * self.reduction))
                prefix = f"trans{d + 1}"
                sp.bn(f"{prefix}.bn", planes)
                sp.conv(f"{prefix}.conv", 1, planes, out)
                k, s, h, w = _pool_geometry(h, w)
                self.layout.append(("trans", prefix, k, s))
                planes = out
        sp.bn("bn", planes)
        sp.dense("linear", planes, self.num_classes)
        self.params, self.state = sp.params, sp.state
        self.options = {"growth": g, "blocks": list(self.blocks)}

    def forward(self, params, state, x, training, seed):
        f = _Ctx(self, params, state, training, seed)
        h = f.conv("conv1", x)
        for item in self.layout:
            p = item[1]
            if item[0] == "dense":
                o = f.conv(f"{p}.conv1", tf.nn.relu(f.bn(f"{p}.bn1", h)))
                o = f.conv(f"{p}.conv2", tf.nn.relu(f.bn(f"{p}.bn2", o)))
                h = tf.concat([o, h], axis=3)
            else:
                o = f.conv(f"{p}.conv", tf.nn.relu(f.bn(f"{p}.bn", h)))
                h = tf.nn.avg_pool2d(o, item[2], item[3], "VALID")
        h = tf.nn.relu(f.bn("bn", h))
        return f.dense("linear", _global_pool(h)), f.new_state()


# ---- ViT ------------------------------------------------------------------

class ViTS(Model):
    """The paper's ViT-S as lucidrains/vit-pytorch's ViT (vit_pytorch/vit.py,
    commit 0ebd4edab94c211eff78406248896588d155a10c; pool='cls'), with the
    paper's sizes (Appendix C.1: patch 4, dim 768, depth 8, heads 8, MLP 2304)
    and the class's default dim_head 64 (so attention works in 8 x 64 = 512
    dimensions, not 768):

      to_patch_embedding: non-overlapping patch x patch patches flattened in
        (p1, p2, c) order -> LayerNorm(patch_dim) -> Linear(patch_dim, dim)
        -> LayerNorm(dim);
      a learnable CLS token prepended and a learnable position embedding
        added (both N(0, 1) like torch.randn there), then emb dropout;
      `depth` pre-norm layers x = attn(x) + x; x = ff(x) + x with
        attn: LayerNorm -> to_qkv Linear(dim, 3 * heads * dim_head, no bias)
          -> softmax(q k^T * dim_head**-0.5) -> dropout -> (. v)
          -> to_out Linear(heads * dim_head, dim) -> dropout;
        ff: LayerNorm -> Linear(dim, mlp) -> GELU (erf) -> dropout
          -> Linear(mlp, dim) -> dropout;
      a final LayerNorm (transformer.norm); mlp_head Linear(dim, classes) on
        the CLS token.

    LayerNorm eps 1e-5 (torch default); Linear layers PyTorch's default
    initialisation. `dropout` and `emb_dropout` are 0.0 by default (the
    class's defaults; the paper gives none). Parameter names are the PyTorch
    module paths ("transformer.layers.0.0.to_qkv/kernel"; LayerNorm
    weight/bias are gamma/beta)."""

    name = "vit_s"

    def __init__(self, input_shape, num_classes, patch=4, hidden=768, depth=8, heads=8, dim_head=64, mlp=2304,
                 dropout=0.0, emb_dropout=0.0):
        super().__init__(input_shape, num_classes)
        _check_image(self.name, self.input_shape)
        h, w, c = self.input_shape
        if h % patch or w % patch:
            raise ValueError(f"vit_s: input {h}x{w} not divisible by patch {patch}")
        self.patch, self.hidden, self.depth, self.heads, self.dim_head, self.mlp = (
            int(patch), int(hidden), int(depth), int(heads), int(dim_head), int(mlp))
        self.dropout, self.emb_dropout = float(dropout), float(emb_dropout)
        self.tokens = (h // patch) * (w // patch) + 1
        inner = self.heads * self.dim_head
        patch_dim = patch * patch * c
        sp = _Specs()
        sp.ln("to_patch_embedding.1", patch_dim)
        sp.dense("to_patch_embedding.2", patch_dim, hidden)
        sp.ln("to_patch_embedding.3", hidden)
        sp.params += [ParamSpec("cls_token", [1, 1, hidden], "normal", 1.0),
                      ParamSpec("pos_embedding", [1, self.tokens, hidden], "normal", 1.0)]
        for i in range(self.depth):
            a, f = f"transformer.layers.{i}.0", f"transformer.layers.{i}.1"
            sp.ln(f"{a}.norm", hidden)
            sp.params.append(ParamSpec(f"{a}.to_qkv/kernel", [hidden, 3 * inner], "uniform",
                                       1.0 / math.sqrt(hidden)))
            sp.dense(f"{a}.to_out.0", inner, hidden)
            sp.ln(f"{f}.net.0", hidden)
            sp.dense(f"{f}.net.1", hidden, mlp)
            sp.dense(f"{f}.net.4", mlp, hidden)
        sp.ln("transformer.norm", hidden)
        sp.dense("mlp_head", hidden, self.num_classes)
        self.params, self.state = sp.params, sp.state
        self.options = {"patch": self.patch, "hidden": self.hidden, "depth": self.depth, "heads": self.heads,
                        "dim_head": self.dim_head, "mlp": self.mlp, "dropout": self.dropout,
                        "emb_dropout": self.emb_dropout}

    def forward(self, params, state, x, training, seed):
        f = _Ctx(self, params, state, training, seed)
        p, d, nh, dh = self.patch, self.hidden, self.heads, self.dim_head
        h, w, c = self.input_shape
        b = tf.shape(x)[0]
        drop_index = [0]

        def drop(t, rate):
            if not training or rate <= 0:
                return t
            drop_index[0] += 1
            return dropout(t, rate, seed, drop_index[0])

        t = tf.reshape(x, [b, h // p, p, w // p, p, c])
        t = tf.transpose(t, [0, 1, 3, 2, 4, 5])
        t = tf.reshape(t, [b, (h // p) * (w // p), p * p * c])
        t = f.ln("to_patch_embedding.3", f.dense("to_patch_embedding.2", f.ln("to_patch_embedding.1", t)))
        cls = tf.tile(f.p["cls_token"], [b, 1, 1])
        t = drop(tf.concat([cls, t], axis=1) + f.p["pos_embedding"], self.emb_dropout)
        n = self.tokens

        def split(z):  # [B, N, heads * dh] -> [B, heads, N, dh]
            return tf.transpose(tf.reshape(z, [b, n, nh, dh]), [0, 2, 1, 3])

        for i in range(self.depth):
            a, ff = f"transformer.layers.{i}.0", f"transformer.layers.{i}.1"
            y = f.ln(f"{a}.norm", t)
            q, k, v = tf.split(tf.matmul(y, f.p[f"{a}.to_qkv/kernel"]), 3, axis=-1)
            q, k, v = split(q), split(k), split(v)
            att = drop(tf.nn.softmax(tf.matmul(q, k, transpose_b=True) * (dh ** -0.5), axis=-1), self.dropout)
            o = tf.reshape(tf.transpose(tf.matmul(att, v), [0, 2, 1, 3]), [b, n, nh * dh])
            t = drop(f.dense(f"{a}.to_out.0", o), self.dropout) + t
            y = f.ln(f"{ff}.net.0", t)
            y = drop(tf.nn.gelu(f.dense(f"{ff}.net.1", y), approximate=False), self.dropout)
            t = drop(f.dense(f"{ff}.net.4", y), self.dropout) + t
        t = f.ln("transformer.norm", t)
        return f.dense("mlp_head", t[:, 0]), f.new_state()


PAPER_MODELS = (PreActResNet18, ResNet34, VGG19BN, DenseNet121, ViTS)
