"""The vectorised tf.data pipeline: shuffle -> batch -> one map over the whole
batch, as TensorFlow's performance guide (tensorflow.org/guide/data_performance,
"Vectorizing mapping") tells users to write it. It is the strongest tf.data
baseline we know for the Go sampler, beside the per-example pipeline of
tfaugment.py (shuffle -> map(one example) -> batch), which stays as it was.

  * the images are held once as uint8 HWC (as the Go uint8 store holds them)
    in a tensor the map function captures; the dataset shuffles and batches
    int32 indices only (index_batches: one stateless_shuffle per epoch, cut
    into batches), and the map function gathers the batch's pixels itself;
  * --augment none:           v/255, then (x - mean) / std;
  * --augment cropflip:       CropFlip of the whole uint8 batch by gathers
                              with per-image top/left offsets into the
                              zero-padded batch (columns reversed for flipped
                              images), then v/255 and (x - mean) / std;
  * --augment trivialaugment: CropFlip, v/255, TrivialAugmentWide, then
                              (x - mean) / std;
  all in float32 with the values of the Go chain, bit for bit (the divisions
  are IEEE divisions, see levels_to_float).

TrivialAugmentWide is vectorised by grouping the batch by op: the images are
partitioned by their op (tf.dynamic_partition of the batch positions), each
group is transformed by a batched form of its op with per-image magnitudes
(one ImageProjectiveTransformV3 call with per-image matrices for the five
geometric ops; per-image blend factors, posterize masks, solarize
thresholds; per-image-and-channel min/max for AutoContrast and per-row
histograms (tf.math.bincount, axis=-1) for Equalize) and the groups are
stitched back (tf.dynamic_stitch). Every op vectorises; none is applied image
by image. The alternative, tf.map_fn over the per-example op with
parallel_iterations, is kept as mode "map_fn" for comparison.

Randomness: batch k of an epoch draws [B, 6] int64 values from a stateless
generator keyed by (epoch key, k) and reduces them modulo (2*pad+1, 2*pad+1, 2, 14, 31, 2): top,
left, flip, op, bin, sign, the same draws (order and ranges) as the Go
augmenters (augment.CropFlip, augment.TrivialAugmentWide) and the
per-example pipeline make per image.
"""

from __future__ import annotations

import numpy as np

import tfaugment as ta

tf = ta.tf

TA_MODES = ("grouped", "map_fn")

# Groups of TrivialAugmentWide ops that one batched function handles:
# identity, the five geometric ops (one warp with per-image matrices),
# then one group per remaining op.
_GROUP_IDENTITY, _GROUP_GEOMETRIC = 0, 1
_GROUP_OF_OP = np.array([0, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9], np.int32)
_NUM_GROUPS = 10


# --------------------------------------------------------------------------
# Data as uint8 pixels
# --------------------------------------------------------------------------


def load_fashion_mnist_u8(data_dir: str = ta.FASHION_MNIST_DIR, split: str = "train", num_classes: int = 10):
    """Fashion-MNIST's train or test split as uint8 [N,28,28,1] pixels and
    int32 labels."""
    base = {"train": "train", "test": "t10k"}[split]
    pix = ta.read_idx_images(ta._find_idx(data_dir, f"{base}-images-idx3-ubyte"))
    labels = ta.read_idx_labels(ta._find_idx(data_dir, f"{base}-labels-idx1-ubyte"))
    if len(labels) != len(pix):
        raise ValueError(f"{data_dir}: {len(labels)} {split} labels for {len(pix)} images")
    if len(labels) and labels.max() >= num_classes:
        raise ValueError(f"{data_dir}: {split} label {labels.max()} >= {num_classes} classes")
    return pix[..., None], labels


def generate_u8(shape, n: int, num_classes: int, seed: int):
    """tfaugment.generate's images as their uint8 levels (the same draws:
    ta.PIXEL_LUT[generate_u8(...)[0]] equals ta.generate(...)[0])."""
    rng = np.random.default_rng(seed)
    pix = rng.integers(0, 256, size=(n, *shape)).astype(np.uint8)
    labels = rng.integers(0, num_classes, size=n, dtype=np.int32)
    return pix, labels


def load_data_u8(args, default_shape=None, default_classes=10):
    """(pixels uint8 [N,H,W,C], labels, mean, std) per the flags of
    tfaugment.add_common_flags: the data of tfaugment.load_data, as levels."""
    classes = args.classes or default_classes
    if args.data == "fashion-mnist":
        pix, labels = load_fashion_mnist_u8(args.data_dir, "train", max(classes, 10))
    else:
        shape = ta.parse_shape(args.shape) if args.shape else default_shape
        if shape is None:
            raise SystemExit("--data generated needs --shape H,W,C")
        if len(shape) != 3:
            raise SystemExit(f"--shape {args.shape}: want H,W,C")
        pix, labels = generate_u8(shape, args.n, classes, args.seed)
    mean, std = channel_stats_u8(pix)
    return pix, labels, mean, std


def channel_stats_u8(pix: np.ndarray):
    """Per-channel mean and std of the images ta.PIXEL_LUT[pix] as
    tfaugment.channel_stats computes them (float64 moments, variance
    floored at 1e-12, cast to float32), from per-channel level counts (no
    float copy of the data)."""
    c = pix.shape[-1]
    flat = pix.reshape(-1, c)
    n = flat.shape[0]
    x = ta.PIXEL_LUT.astype(np.float64)
    mean, std = [], []
    for k in range(c):
        cnt = np.bincount(flat[:, k], minlength=256).astype(np.float64)
        m = float(cnt @ x) / n
        sq = float(cnt @ (x * x)) / n
        mean.append(m)
        std.append(np.sqrt(max(sq - m * m, 1e-12)))
    return np.array(mean, np.float32), np.array(std, np.float32)


def levels_to_float(v):
    """float32(v)/255 of integer levels v (augment.u8ToFloat), by an exact
    IEEE division: tf.math.divide_no_nan, which grappler does not rewrite
    into a multiplication by the reciprocal as it does a division by a
    constant (1 ulp off for some levels). Elementwise, so cheaper than
    tfaugment.from_u8's table lookup (a gather of single values)."""
    return tf.math.divide_no_nan(tf.cast(v, tf.float32), tf.constant(255.0, tf.float32))


def normalize(x, mean_t, std_t):
    """(x - mean) / std per channel in float32, as augment.Normalize:
    divide_no_nan for an exact division (std > 0)."""
    return tf.math.divide_no_nan(x - mean_t, std_t)


# --------------------------------------------------------------------------
# Draws
# --------------------------------------------------------------------------


def draws(key, step, batch: int, pad: int):
    """[batch, 6] int32: top, left, flip, op, bin, sign of every image of
    batch number step, uniform over [0,2pad] x [0,2pad] x {0,1} x [0,14) x
    [0,31) x {0,1}, from the stateless generator keyed by (key, step)."""
    r = tf.random.stateless_uniform([batch, 6], seed=tf.stack([tf.cast(key, tf.int64), tf.cast(step, tf.int64)]),
                                    minval=None, maxval=None, dtype=tf.int64)
    mods = tf.constant([2 * pad + 1, 2 * pad + 1, 2, ta.NUM_OPS, ta.NUM_BINS, 2], tf.int64)
    return tf.cast(tf.math.floormod(r, mods), tf.int32)


# --------------------------------------------------------------------------
# CropFlip on a batch
# --------------------------------------------------------------------------


def crop_flip_batch(x, pad: int, top, left, flip):
    """torchvision RandomCrop(padding=pad) + horizontal flip of every image
    of x [B,H,W,C] (any dtype) with its own top [B], left [B] and flip [B]
    (bool): output pixel (j, i) of image b is pixel (top+j, left+i') of the
    image padded with pad zeros, i' = W-1-i if flipped else i.

    Single-channel images: rows by one gather (whole padded rows), then
    columns by one gather on the transposed batch (whole columns), so that
    neither gather copies single values. Multi-channel images: one gather of
    single pixels (C values each) into the padded batch; the two-gather form
    was no faster there (its transposes of C-value pixels cost as much)."""
    _, h, w, c = x.shape
    hp, wp = h + 2 * pad, w + 2 * pad
    if pad > 0:
        x = tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
    top = tf.cast(top, tf.int32)[:, None]
    left = tf.cast(left, tf.int32)[:, None]
    i = tf.range(w, dtype=tf.int32)[None, :]
    cols = left + tf.where(tf.cast(flip, tf.bool)[:, None], w - 1 - i, i)  # [B, W]
    rows = top + tf.range(h, dtype=tf.int32)[None, :]  # [B, H]
    if c == 1:
        x = tf.gather(x, rows, batch_dims=1)  # [B, H, Wp, 1]
        x = tf.gather(tf.transpose(x, [0, 2, 1, 3]), cols, batch_dims=1)  # [B, W, H, 1]
        return tf.transpose(x, [0, 2, 1, 3])
    idx = rows[:, :, None] * wp + cols[:, None, :]  # [B, H, W]
    out = tf.gather(tf.reshape(x, [-1, hp * wp, c]), tf.reshape(idx, [-1, h * w]), batch_dims=1)
    return tf.reshape(out, [-1, h, w, c])


# --------------------------------------------------------------------------
# TrivialAugmentWide on a batch
# --------------------------------------------------------------------------


def to_levels(x):
    """round(x*255) as int32 for finite x, clamped to [0,1] first:
    augment.toU8 (uint8(x*255 + 0.5) in float32, truncated), with one
    clip instead of tfaugment.to_u8's selects (a third of the time; NaN,
    which the pipeline never makes, is not mapped to 0)."""
    return tf.cast(tf.clip_by_value(x, 0.0, 1.0) * 255.0 + 0.5, tf.int32)


def _select(cond, a, b):
    """a where cond else b for int32 a, b, by arithmetic: tf.where with a
    broadcast condition takes TensorFlow's generic broadcasting path (2-3x
    slower than a broadcasting multiply)."""
    return b + tf.cast(cond, tf.int32) * (a - b)


def _per_image(v, rank: int = 4):
    """v [n] reshaped to broadcast over [n, H, W, C]."""
    return tf.reshape(v, [-1] + [1] * (rank - 1))


class BatchTrivialAugmentWide:
    """tfaugment.TrivialAugmentWide for a batch [B,H,W,C] of [0,1] images,
    each with its own op, bin and sign. mode "grouped" partitions the batch
    by op and runs each op batched on its group; "map_fn" runs the
    per-example op image by image under tf.map_fn."""

    def __init__(self, h: int, w: int, c: int, mode: str = "grouped", parallel_iterations: int = 32):
        if mode not in TA_MODES:
            raise ValueError(f"TrivialAugmentWide mode {mode!r}, want one of {TA_MODES}")
        self.one = ta.TrivialAugmentWide(h, w, c)  # per-example tables and ops
        self.h, self.w, self.c = h, w, c
        self.mode = mode
        self.parallel_iterations = parallel_iterations
        # [14, 31, 2, 8] projective parameters per (op, bin, negated); the
        # identity matrix for ops that are not geometric.
        eye = np.array([1, 0, 0, 0, 1, 0, 0, 0], np.float32)
        t = np.tile(eye, (ta.NUM_OPS, ta.NUM_BINS, 2, 1))
        for op, table in ((ta.OP_SHEAR_X, self.one.t_shear_x), (ta.OP_SHEAR_Y, self.one.t_shear_y),
                          (ta.OP_TRANSLATE_X, self.one.t_translate_x), (ta.OP_TRANSLATE_Y, self.one.t_translate_y),
                          (ta.OP_ROTATE, self.one.t_rotate)):
            t[op] = table.numpy()
        self.t_geo = tf.constant(t)
        self.group_of_op = tf.constant(_GROUP_OF_OP)

    # ---- batched ops: x [n,H,W,C] in [0,1], per-image op/bin/neg [n] ----

    def _geometric(self, x, op, bin_, neg):
        t = tf.gather_nd(self.t_geo, tf.stack([op, bin_, neg], axis=1))  # [n, 8]
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=x, transforms=t, output_shape=tf.constant([self.h, self.w], tf.int32),
            fill_value=tf.constant(0.0, tf.float32), interpolation="NEAREST", fill_mode="CONSTANT")

    def _blend_weights(self, bin_, neg):
        rw = tf.gather_nd(self.one.t_blend, tf.stack([bin_, neg], axis=1))  # [n, 2]
        return _per_image(rw[:, 0]), _per_image(rw[:, 1])

    def _brightness(self, x, op, bin_, neg):
        r, _ = self._blend_weights(bin_, neg)
        return ta._clamp01(r * x)

    def _color(self, x, op, bin_, neg):
        if self.c == 1:
            return tf.identity(x)
        r, r1 = self._blend_weights(bin_, neg)
        return ta._clamp01(r * x + r1 * ta._grey(x)[..., None])

    def _contrast(self, x, op, bin_, neg):
        r, r1 = self._blend_weights(bin_, neg)
        if self.c == 3:
            g, axes = ta._grey(x), [1, 2]
        else:
            g, axes = x, [1, 2, 3]
        mean = tf.cast(tf.reduce_mean(tf.cast(g, tf.float64), axis=axes), tf.float32)
        return ta._clamp01(r * x + r1 * _per_image(mean))

    def _sharpness(self, x, op, bin_, neg):
        """augment.Sharpness term by term: the eight neighbours summed left
        to right (up-left, up, up-right, left, right, down-left, down,
        down-right), smooth = k1*n + k5*centre with k1 = fl(1/13), k5 =
        fl(5/13), then clamp(r*centre + r1*smooth); borders kept. Shifted
        slices instead of tfaugment's depthwise convolution (3x faster on a
        batch), so bitwise Go's order of additions; the convolution's order
        differs from it by at most 1 ulp before the blend."""
        if self.h <= 2 or self.w <= 2:
            return tf.identity(x)
        r, r1 = self._blend_weights(bin_, neg)
        h, w = self.h, self.w

        def at(dy, dx):
            return x[:, 1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx, :]

        n = at(-1, -1) + at(-1, 0) + at(-1, 1) + at(0, -1) + at(0, 1) + at(1, -1) + at(1, 0) + at(1, 1)
        k1, k5 = np.float32(1) / np.float32(13), np.float32(5) / np.float32(13)
        centre = at(0, 0)
        blended = ta._clamp01(r * centre + r1 * (k1 * n + k5 * centre))
        middle = tf.concat([x[:, 1:-1, :1], blended, x[:, 1:-1, -1:]], axis=2)
        return tf.concat([x[:, :1], middle, x[:, -1:]], axis=1)

    def _posterize(self, x, op, bin_, neg):
        bits = tf.gather(self.one.t_bits, bin_)
        mask = tf.bitwise.bitwise_and(tf.bitwise.left_shift(tf.constant(0xFF, tf.int32), 8 - bits), 0xFF)
        return levels_to_float(tf.bitwise.bitwise_and(to_levels(x), _per_image(mask)))

    def _solarize(self, x, op, bin_, neg):
        first = _per_image(tf.gather(self.one.t_solarize_first, bin_))
        v = to_levels(x)
        return levels_to_float(_select(v >= first, 255 - v, v))

    def _autocontrast(self, x, op, bin_, neg):
        v = to_levels(x)
        lo = tf.reduce_min(v, axis=[1, 2], keepdims=True)
        hi = tf.reduce_max(v, axis=[1, 2], keepdims=True)
        diff = hi - lo
        # fl(1/diff)*255 as Go computes it: tf.math.reciprocal on a vector of
        # 16 or more values is 1 ulp off (Eigen's vectorised approximation
        # with a Newton step), so divide, by an op grappler does not rewrite
        # into a multiplication by the reciprocal.
        one = tf.ones_like(diff, tf.float32)
        scale = tf.math.divide_no_nan(one, tf.cast(tf.maximum(diff, 1), tf.float32)) * 255.0
        out = tf.cast(tf.cast(v - lo, tf.float32) * scale, tf.int32)
        return levels_to_float(_select(diff > 0, out, v))

    def _equalize(self, x, op, bin_, neg):
        h, w, c = self.h, self.w, self.c
        v = tf.reshape(tf.transpose(to_levels(x), [0, 3, 1, 2]), [-1, h * w])  # [n*c, h*w]
        hist = tf.math.bincount(v, minlength=256, maxlength=256, axis=-1)  # [n*c, 256]
        levels = tf.range(256, dtype=tf.int32)
        last = tf.reduce_max(tf.where(hist > 0, levels[None, :], -1), axis=1)
        last_count = tf.gather(hist, last, batch_dims=1)
        step = (h * w - last_count) // 255
        cum = tf.cumsum(hist, axis=1, exclusive=True)
        lut = tf.minimum((cum + (step // 2)[:, None]) // tf.maximum(step, 1)[:, None], 255)
        lut = tf.where(step[:, None] > 0, lut, levels[None, :])
        out = tf.gather(lut, v, batch_dims=1)
        return levels_to_float(tf.transpose(tf.reshape(out, [-1, c, h, w]), [0, 2, 3, 1]))

    def _groups(self):
        return [lambda x, *_: tf.identity(x), self._geometric, self._brightness, self._color, self._contrast,
                self._sharpness, self._posterize, self._solarize, self._autocontrast, self._equalize]

    def apply(self, x, op, bin_, neg):
        """x [B,H,W,C] in [0,1] with image b transformed by op[b] at bin[b],
        negated if neg[b] (int [B] tensors)."""
        op, bin_, neg = (tf.cast(v, tf.int32) for v in (op, bin_, neg))
        if self.mode == "map_fn":
            return tf.map_fn(lambda a: self.one.apply(*a), (x, op, bin_, neg),
                             fn_output_signature=tf.TensorSpec([self.h, self.w, self.c], tf.float32),
                             parallel_iterations=self.parallel_iterations)
        n = tf.shape(x)[0]
        parts = tf.dynamic_partition(tf.range(n), tf.gather(self.group_of_op, op), _NUM_GROUPS)
        outs = []
        for g, fn in enumerate(self._groups()):
            ix = parts[g]
            y = fn(tf.gather(x, ix), tf.gather(op, ix), tf.gather(bin_, ix), tf.gather(neg, ix))
            y.set_shape([None, self.h, self.w, self.c])
            outs.append(y)
        out = tf.dynamic_stitch(parts, outs)
        out.set_shape(x.shape)
        return out


# --------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------


def make_batch_fn(augment: str, shape, mean, std, ta_mode: str = "grouped"):
    """The map function (key, step, pixels [B,H,W,C] uint8) -> float32
    [B,H,W,C] of the vectorised pipeline: crop/flip (and
    TrivialAugmentWide) with the draws keyed by (key, step), then
    normalisation. mean/std None skips the normalisation (the output is
    then pixels/255)."""
    if augment not in ta.AUGMENTS:
        raise ValueError(f"--augment {augment!r}, want one of {ta.AUGMENTS}")
    if len(shape) != 3:
        raise ValueError(f"the vectorised pipeline needs H x W x C images, got shape {list(shape)}")
    h, w, c = (int(s) for s in shape)
    pad = max(1, h // 8)
    if mean is None:
        mean, std = np.zeros(c, np.float32), np.ones(c, np.float32)
    # Tiled to [H,W,C]: broadcasting a [C] vector over the batch runs
    # TensorFlow's slow generic broadcast (3x the time of the division for
    # C = 3); an [H,W,C] operand broadcasts over the batch dimension only.
    mean_t = tf.constant(np.broadcast_to(np.asarray(mean, np.float32), (h, w, c)).copy())
    std_t = tf.constant(np.broadcast_to(np.asarray(std, np.float32), (h, w, c)).copy())
    bta = BatchTrivialAugmentWide(h, w, c, ta_mode) if augment == "trivialaugment" else None

    def fn(key, step, v):
        if augment != "none":
            d = draws(key, step, tf.shape(v)[0], pad)
            v = crop_flip_batch(v, pad, d[:, 0], d[:, 1], d[:, 2] > 0)
        x = levels_to_float(v)
        if bta is not None:
            x = bta.apply(x, d[:, 3], d[:, 4], d[:, 5])
        return normalize(x, mean_t, std_t)

    return fn


def index_batches(n: int, batch_size: int, seed: int, repeat: bool = True, drop_remainder: bool = True,
                  shuffle: bool = True):
    """Dataset of (key, step, indices [<= batch_size] int32): per epoch a key
    from Dataset.random(seed, rerandomize_each_iteration) (a new key per
    epoch and per iteration of the dataset, the same sequence for the same
    seed), the permutation of range(n) by one stateless_shuffle keyed by
    (key, seed), cut into batches numbered step = 0, 1, ... One op per
    epoch instead of a shuffle buffer handling each example."""
    nb = n // batch_size if drop_remainder else -(-n // batch_size)
    keys = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True)
    if not repeat:
        keys = keys.take(1)
    seed_t = tf.constant(seed, tf.int64)

    def epoch(key):
        perm = tf.range(n, dtype=tf.int32)
        if shuffle:
            perm = tf.random.experimental.stateless_shuffle(perm, seed=tf.stack([key, seed_t]))
        return tf.data.Dataset.range(nb).map(lambda k: (key, k, perm[k * batch_size:(k + 1) * batch_size]))

    return keys.flat_map(epoch)


def make_dataset(pixels: np.ndarray, labels: np.ndarray, batch_size: int, augment: str, seed: int,
                 mean=None, std=None, repeat: bool = True, drop_remainder: bool = True,
                 ta_mode: str = "grouped", shuffle: bool = True):
    """index_batches (shuffle, repeat if repeat, batch) -> map(gather the
    batch's pixels and labels, augment, normalise; AUTOTUNE, deterministic)
    -> prefetch(AUTOTUNE), yielding (float32 images [B,H,W,C], int32
    labels [B]). pixels are uint8 [N,H,W,C]. Without repeat, each iteration
    of the dataset is one epoch in a new order (Keras fit's use)."""
    if pixels.dtype != np.uint8 or pixels.ndim != 4:
        raise ValueError(f"pixels: want uint8 [N,H,W,C], got {pixels.dtype} {list(pixels.shape)}")
    n = len(pixels)
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} images")
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch size {batch_size}: want 1..{n} (the number of examples)")
    pix_t = tf.constant(pixels)
    lab_t = tf.constant(np.asarray(labels, np.int32))
    fn = make_batch_fn(augment, pixels.shape[1:], mean, std, ta_mode)
    h, w, c = pixels.shape[1:]

    def batch_fn(key, step, idx):
        x = fn(key, step, tf.gather(pix_t, idx))
        x.set_shape([batch_size if drop_remainder else None, h, w, c])
        return x, tf.gather(lab_t, idx)

    ds = index_batches(n, batch_size, seed, repeat, drop_remainder, shuffle)
    if not repeat:  # flat_map hides it; Keras fit uses it for its steps
        ds = ds.apply(tf.data.experimental.assert_cardinality(n // batch_size if drop_remainder else -(-n // batch_size)))
    ds = ds.map(batch_fn, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.prefetch(tf.data.AUTOTUNE)
