"""tf.data input pipeline shared by tfdata_bench.py and driver_bench.py.

It replicates, with plain TensorFlow ops inside a tf.data map function, the
training-time input chain of the Go pipeline (stages/data.go, augment/):

  * data: images as float32 HWC in [0,1] (byte/255, dataset/loaders), the
    per-channel mean and std of the training set (stages.channelStats);
  * --augment none:           Normalize
  * --augment cropflip:       CropFlip(pad = max(1, H/8)) -> Normalize
  * --augment trivialaugment: CropFlip -> TrivialAugmentWide -> Normalize

exactly in that order (normalisation last: the augmenters work on [0,1]
images, see augment.Normalize). TrivialAugmentWide follows
augment/trivialaugment.go (itself torchvision's TrivialAugmentWide with 31
magnitude bins, NEAREST interpolation, fill 0): Posterize, Solarize,
AutoContrast and Equalize work on uint8 levels round(x*255), the other ops in
float with clamping to [0,1].

Nothing here runs TensorFlow at import time, so the benchmark scripts can set
the thread pools after importing this module.
"""

from __future__ import annotations

import gzip
import math
import os
import struct

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

AUGMENTS = ("none", "cropflip", "trivialaugment")

# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

IDX_IMAGES_MAGIC = 2051  # 0x00000803
IDX_LABELS_MAGIC = 2049  # 0x00000801
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

# byte -> float32(byte)/255, as dataset/loaders.pixelLUT.
PIXEL_LUT = np.arange(256, dtype=np.float32) / np.float32(255)


def _read_maybe_gz(path: str) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":  # the content, not the name, decides
        data = gzip.decompress(data)
    return data


def _find_idx(data_dir: str, base: str) -> str:
    for p in (os.path.join(data_dir, base), os.path.join(data_dir, base + ".gz")):
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{os.path.join(data_dir, base)}[.gz] not found")


def read_idx_images(path: str) -> np.ndarray:
    """Returns the uint8 images of an IDX image file as [N, rows, cols]."""
    data = _read_maybe_gz(path)
    if len(data) < 16:
        raise ValueError(f"{path}: truncated IDX image header")
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IDX_IMAGES_MAGIC:
        raise ValueError(f"{path}: magic {magic}, want {IDX_IMAGES_MAGIC}")
    if len(data) - 16 != n * rows * cols:
        raise ValueError(f"{path}: {len(data) - 16} pixel bytes, header says {n}x{rows}x{cols}")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def read_idx_labels(path: str) -> np.ndarray:
    """Returns the labels of an IDX label file as int32 [N]."""
    data = _read_maybe_gz(path)
    if len(data) < 8:
        raise ValueError(f"{path}: truncated IDX label header")
    magic, n = struct.unpack(">II", data[:8])
    if magic != IDX_LABELS_MAGIC:
        raise ValueError(f"{path}: magic {magic}, want {IDX_LABELS_MAGIC}")
    if len(data) - 8 != n:
        raise ValueError(f"{path}: {len(data) - 8} label bytes, header says {n}")
    return np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int32)


def load_fashion_mnist(data_dir: str = FASHION_MNIST_DIR, num_classes: int = 10):
    """Fashion-MNIST train split as the Go loader gives it: float32
    [N,28,28,1] images byte/255 in [0,1], int32 labels."""
    pix = read_idx_images(_find_idx(data_dir, "train-images-idx3-ubyte"))
    labels = read_idx_labels(_find_idx(data_dir, "train-labels-idx1-ubyte"))
    if len(labels) != len(pix):
        raise ValueError(f"{len(labels)} labels for {len(pix)} images")
    if labels.max() >= num_classes:
        raise ValueError(f"label {labels.max()} >= {num_classes}")
    images = PIXEL_LUT[pix][..., None]  # HWC, C = 1
    return images, labels


def generate(shape, n: int, num_classes: int, seed: int):
    """n float32 images of the given shape with pixel values k/255, k uniform
    in 0..255 (the range of decoded images, as bench.LoadBenchData makes
    them on the Go side), and uniform int32 labels in [0, num_classes), from
    seed."""
    rng = np.random.default_rng(seed)
    images = (rng.integers(0, 256, size=(n, *shape)).astype(np.float32) / np.float32(255))
    labels = rng.integers(0, num_classes, size=n, dtype=np.int32)
    return images, labels


def channel_stats(images: np.ndarray):
    """Per-channel (last axis) mean and std as stages.channelStats computes
    them: float64 sums, std = sqrt(max(E[x^2] - m^2, 1e-12)), cast to
    float32."""
    c = images.shape[-1]
    flat = images.reshape(-1, c).astype(np.float64)
    n = flat.shape[0]
    m = flat.sum(axis=0) / n
    sq = np.square(flat).sum(axis=0) / n
    std = np.sqrt(np.maximum(sq - m * m, 1e-12))
    return m.astype(np.float32), std.astype(np.float32)


# --------------------------------------------------------------------------
# uint8 level helpers (augment/image.go)
# --------------------------------------------------------------------------


def to_u8(x):
    """round(x*255) as int32 with x clamped to [0,1] and NaN -> 0, computed
    in float32 like augment.toU8 (uint8(x*255 + 0.5))."""
    x = tf.where(x > 0, tf.minimum(x, 1.0), tf.zeros_like(x))
    return tf.cast(tf.floor(x * 255.0 + 0.5), tf.int32)


def from_u8(v):
    """float32(v)/255 (augment.u8ToFloat), looked up in a 256-entry table:
    a TF division by the constant 255 can come out 1 ulp away from the
    correctly rounded quotient Go computes."""
    return tf.gather(PIXEL_LUT, v)


def _clamp01(x):
    return tf.clip_by_value(x, 0.0, 1.0)


# --------------------------------------------------------------------------
# CropFlip (augment/cropflip.go)
# --------------------------------------------------------------------------


def crop_flip(x, pad: int, top, left, flip):
    """torchvision RandomCrop(padding=pad) + flip with the draws given: the
    HxW window at (top, left) of x padded with pad zeros on every side,
    mirrored left-right if flip. x is [H,W,C] with a static shape."""
    h, w, c = x.shape
    if pad > 0:
        x = tf.pad(x, [[pad, pad], [pad, pad], [0, 0]])
    begin = tf.stack([tf.cast(top, tf.int32), tf.cast(left, tf.int32), tf.constant(0, tf.int32)])
    x = tf.slice(x, begin, [h, w, c])
    x = tf.cond(tf.cast(flip, tf.bool), lambda: tf.reverse(x, axis=[1]), lambda: x)
    x.set_shape([h, w, c])
    return x


# --------------------------------------------------------------------------
# TrivialAugmentWide ops (augment/*.go)
# --------------------------------------------------------------------------

NUM_BINS = 31
OP_NAMES = (
    "Identity", "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate",
    "Brightness", "Color", "Contrast", "Sharpness", "Posterize", "Solarize",
    "AutoContrast", "Equalize",
)
NUM_OPS = len(OP_NAMES)
(OP_IDENTITY, OP_SHEAR_X, OP_SHEAR_Y, OP_TRANSLATE_X, OP_TRANSLATE_Y, OP_ROTATE,
 OP_BRIGHTNESS, OP_COLOR, OP_CONTRAST, OP_SHARPNESS, OP_POSTERIZE, OP_SOLARIZE,
 OP_AUTOCONTRAST, OP_EQUALIZE) = range(NUM_OPS)

# Magnitude tables: the float32 values of torch.linspace(..., 31), copied from
# augment/trivialaugment.go.
LINSPACE099 = np.array([0.0, 0.033, 0.066, 0.099, 0.132, 0.16499999, 0.198, 0.231, 0.264, 0.297, 0.32999998, 0.363, 0.396, 0.429, 0.462, 0.495, 0.528, 0.561, 0.594, 0.62700003, 0.66, 0.693, 0.726, 0.759, 0.792, 0.825, 0.85800004, 0.89100003, 0.924, 0.957, 0.99], np.float32)
TRANSLATE32 = np.array([0.0, 1.0666667, 2.1333334, 3.2000003, 4.266667, 5.3333335, 6.4000006, 7.466667, 8.533334, 9.6, 10.666667, 11.733334, 12.800001, 13.866668, 14.933334, 15.999999, 17.066666, 18.133333, 19.199999, 20.266666, 21.333332, 22.4, 23.466667, 24.533333, 25.6, 26.666666, 27.733334, 28.8, 29.866667, 30.933332, 32.0], np.float32)
ROTATE135 = np.array([0.0, 4.5, 9.0, 13.5, 18.0, 22.5, 27.0, 31.5, 36.0, 40.5, 45.0, 49.5, 54.0, 58.5, 63.0, 67.5, 72.0, 76.5, 81.0, 85.5, 90.0, 94.5, 99.0, 103.5, 108.0, 112.5, 117.0, 121.5, 126.0, 130.5, 135.0], np.float32)
SOLARIZE255 = np.array([255.0, 246.5, 238.0, 229.5, 221.0, 212.5, 204.0, 195.5, 187.0, 178.5, 170.0, 161.5, 153.0, 144.5, 136.0, 127.5, 119.0, 110.5, 102.0, 93.5, 85.0, 76.5, 68.0, 59.5, 51.0, 42.5, 34.0, 25.5, 17.0, 8.5, 0.0], np.float32)
# 8 - round(bin / 5) (augment.posterizeBits; no bin is a rounding tie).
POSTERIZE_BITS = np.array([8 - (b * 6 + NUM_BINS // 2) // (NUM_BINS - 1) for b in range(NUM_BINS)], np.int32)

_DEG = math.pi / 180


def inverse_affine(cx, cy, angle, tx, ty, scale, shear_x, shear_y):
    """torchvision's _get_inverse_affine_matrix in float64 (augment.inverseAffine):
    the 2x3 matrix mapping an output point to the input point it samples, in
    pixel-centre coordinates measured from the image centre."""
    rot, sx, sy = angle * _DEG, shear_x * _DEG, shear_y * _DEG
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    m = [d / scale, -b / scale, 0.0, -c / scale, a / scale, 0.0]
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
    m[2] += cx
    m[5] += cy
    return m


def projective_transform(m, h: int, w: int) -> np.ndarray:
    """The 8 float32 parameters of tf ImageProjectiveTransformV3 for the
    centred inverse matrix m: TF maps output index (col i, row j) to input
    index (a0 i + a1 j + a2, b0 i + b1 j + b2), torchvision/Go sample at
    input index m*(i-cw, j-ch) + (cw, ch) with cw = (w-1)/2, ch = (h-1)/2."""
    cw, ch = (w - 1) / 2.0, (h - 1) / 2.0
    a0, a1, a2, b0, b1, b2 = m
    return np.array([
        a0, a1, a2 + cw - a0 * cw - a1 * ch,
        b0, b1, b2 + ch - b0 * cw - b1 * ch,
        0.0, 0.0], np.float32)


def shear_x_transform(h, w, mag):
    deg = math.atan(mag) / _DEG
    return projective_transform(inverse_affine(-0.5 * w, -0.5 * h, 0, 0, 0, 1, deg, 0), h, w)


def shear_y_transform(h, w, mag):
    deg = math.atan(mag) / _DEG
    return projective_transform(inverse_affine(-0.5 * w, -0.5 * h, 0, 0, 0, 1, 0, deg), h, w)


def translate_x_transform(h, w, px):
    return projective_transform(inverse_affine(0, 0, 0, int(px), 0, 1, 0, 0), h, w)


def translate_y_transform(h, w, px):
    return projective_transform(inverse_affine(0, 0, 0, 0, int(px), 1, 0, 0), h, w)


def rotate_transform(h, w, deg):
    # F.rotate passes -angle to the affine matrix.
    return projective_transform(inverse_affine(0, 0, -deg, 0, 0, 1, 0, 0), h, w)


def warp(x, transform):
    """Nearest-neighbour resampling of x [H,W,C] with fill 0 under the 8
    projective parameters transform (ImageProjectiveTransformV3)."""
    h, w, c = x.shape
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=x[None],
        transforms=tf.reshape(tf.cast(transform, tf.float32), [1, 8]),
        output_shape=tf.constant([h, w], tf.int32),
        fill_value=tf.constant(0.0, tf.float32),
        interpolation="NEAREST",
        fill_mode="CONSTANT",
    )[0]
    out.set_shape([h, w, c])
    return out


def shear_x(x, mag):
    h, w, _ = x.shape
    return warp(x, shear_x_transform(h, w, mag))


def shear_y(x, mag):
    h, w, _ = x.shape
    return warp(x, shear_y_transform(h, w, mag))


def translate_x(x, px):
    h, w, _ = x.shape
    return warp(x, translate_x_transform(h, w, px))


def translate_y(x, px):
    h, w, _ = x.shape
    return warp(x, translate_y_transform(h, w, px))


def rotate(x, deg):
    """Counter-clockwise rotation by deg about the centre (F.rotate)."""
    h, w, _ = x.shape
    return warp(x, rotate_transform(h, w, deg))


def _blend_weights(factor):
    """(float32(factor), float32(1-factor)) as augment.blendWeights."""
    f = float(factor)
    return np.float32(f), np.float32(1.0 - f)


def _grey(x):
    """ITU-R 601-2 luma of an RGB image, [H,W] (augment.luma)."""
    return x[..., 0] * 0.299 + x[..., 1] * 0.587 + x[..., 2] * 0.114


def brightness(x, r, r1=None):
    """clamp(r*x): blend with black."""
    return _clamp01(r * x)


def color(x, r, r1):
    """Blend with the luma grey image; 1-channel images are unchanged."""
    if x.shape[-1] == 1:
        return tf.identity(x)
    return _clamp01(r * x + r1 * _grey(x)[..., None])


def contrast(x, r, r1):
    """Blend with the mean of the grey image (of the image if 1 channel)."""
    g = _grey(x) if x.shape[-1] == 3 else x
    mean = tf.cast(tf.reduce_mean(tf.cast(g, tf.float64)), tf.float32)
    return _clamp01(r * x + r1 * mean)


def sharpness(x, r, r1):
    """Blend interior pixels with their 3x3 smoothing [[1,1,1],[1,5,1],[1,1,1]]/13
    (PIL's SMOOTH kernel, as torchvision), borders kept."""
    h, w, c = x.shape
    if h <= 2 or w <= 2:
        return tf.identity(x)
    k = np.full((3, 3), np.float32(1) / np.float32(13), np.float32)
    k[1, 1] = np.float32(5) / np.float32(13)
    kernel = tf.constant(np.tile(k[:, :, None, None], (1, 1, c, 1)))
    smooth = tf.nn.depthwise_conv2d(x[None], kernel, strides=[1, 1, 1, 1], padding="VALID")[0]
    inner = x[1:-1, 1:-1, :]
    blended = _clamp01(r * inner + r1 * smooth)
    # Blended interior, original border.
    interior = np.zeros((h, w, 1), bool)
    interior[1:-1, 1:-1] = True
    return tf.where(tf.constant(interior), tf.pad(blended, [[1, 1], [1, 1], [0, 0]]), x)


def posterize(x, bits):
    """Keep the top bits bits of each uint8 level."""
    mask = tf.bitwise.left_shift(tf.constant(0xFF, tf.int32), 8 - tf.cast(bits, tf.int32))
    mask = tf.bitwise.bitwise_and(mask, 0xFF)
    return from_u8(tf.bitwise.bitwise_and(to_u8(x), mask))


def solarize_first_level(threshold_255) -> int:
    """The first uint8 level inverted by Solarize with a threshold on the
    0..255 scale (levels v with v/255 >= threshold/255; 256 if none)."""
    t = float(threshold_255) / 255.0
    first = 256
    for v in range(255, -1, -1):
        if v / 255.0 >= t:
            first = v
        else:
            break
    return first


def solarize_levels(x, first):
    """Invert (255 - v) every level v >= first."""
    v = to_u8(x)
    return from_u8(tf.where(v >= tf.cast(first, tf.int32), 255 - v, v))


def solarize(x, threshold_255):
    return solarize_levels(x, solarize_first_level(threshold_255))


def autocontrast(x):
    """Per-channel stretch of [lo, hi] levels to [0, 255]: trunc((v-lo) *
    (fl(1/(hi-lo))*255)); constant channels stay (quantised)."""
    v = to_u8(x)
    lo = tf.reduce_min(v, axis=[0, 1])
    hi = tf.reduce_max(v, axis=[0, 1])
    diff = hi - lo
    scale = tf.math.reciprocal(tf.cast(tf.maximum(diff, 1), tf.float32)) * 255.0
    out = tf.cast(tf.cast(v - lo, tf.float32) * scale, tf.int32)
    return from_u8(tf.where(diff > 0, out, v))


def equalize(x):
    """Per-channel histogram equalisation of the uint8 levels as PIL's
    ImageOps.equalize / torchvision F.equalize: step = (pixels - count of the
    highest occupied level) // 255; level v -> min(255, (cumsum[v-1] +
    step//2) // step); channels with step 0 unchanged."""
    h, w, c = x.shape
    v = tf.reshape(to_u8(x), [h * w, c])
    idx = v + tf.range(c, dtype=tf.int32) * 256  # channel k uses bins 256k..256k+255
    hist = tf.histogram_fixed_width(
        tf.cast(idx, tf.float32) + 0.5, [0.0, 256.0 * c], nbins=256 * c, dtype=tf.int32)
    hist = tf.reshape(hist, [c, 256])
    levels = tf.range(256, dtype=tf.int32)
    last = tf.reduce_max(tf.where(hist > 0, levels[None, :], -1), axis=1)  # [c]
    last_count = tf.gather(hist, last, batch_dims=1)  # [c]
    step = (h * w - last_count) // 255  # [c]
    cum = tf.cumsum(hist, axis=1, exclusive=True)  # cumsum[v-1], 0 for v = 0
    safe = tf.maximum(step, 1)[:, None]
    lut = tf.minimum((cum + (step // 2)[:, None]) // safe, 255)
    lut = tf.where(step[:, None] > 0, lut, levels[None, :])  # [c, 256]
    out = tf.gather(tf.reshape(lut, [-1]), idx)
    return from_u8(tf.reshape(out, [h, w, c]))


class TrivialAugmentWide:
    """augment.TrivialAugmentWide for HxWxC images (C 1 or 3) with static
    shape. Tables that depend only on (op, bin, sign) are precomputed in
    numpy (float64, as the Go code computes them); the per-image work is TF
    ops inside one tf.switch_case."""

    def __init__(self, h: int, w: int, c: int):
        if c not in (1, 3):
            raise ValueError(f"TrivialAugmentWide needs 1 or 3 channels, got {c}")
        self.h, self.w, self.c = h, w, c
        signs = (1.0, -1.0)  # index neg = 0 keeps, 1 negates

        def table(fn, mags):
            return tf.constant(np.array([[fn(h, w, s * float(m)) for s in signs] for m in mags], np.float32))

        # [31, 2, 8] projective parameters per (bin, negated).
        self.t_shear_x = table(shear_x_transform, LINSPACE099)
        self.t_shear_y = table(shear_y_transform, LINSPACE099)
        self.t_translate_x = table(translate_x_transform, TRANSLATE32)
        self.t_translate_y = table(translate_y_transform, TRANSLATE32)
        self.t_rotate = table(rotate_transform, ROTATE135)
        # [31, 2, 2] blend weights (float32(1+m), float32(1-(1+m))).
        self.t_blend = tf.constant(np.array(
            [[_blend_weights(1.0 + s * float(m)) for s in signs] for m in LINSPACE099], np.float32))
        self.t_bits = tf.constant(POSTERIZE_BITS)
        self.t_solarize_first = tf.constant(np.array([solarize_first_level(t) for t in SOLARIZE255], np.int32))

    def apply(self, x, op, bin_, neg):
        """x transformed by op (int scalar tensor) at magnitude bin bin_,
        negated if neg (0/1) for the signed ops."""
        bin_ = tf.cast(bin_, tf.int32)
        neg = tf.cast(neg, tf.int32)

        def geo(t):
            return lambda: warp(x, t[bin_, neg])

        def blend(fn):
            def f():
                rw = self.t_blend[bin_, neg]
                return fn(x, rw[0], rw[1])
            return f

        branches = [
            lambda: tf.identity(x),
            geo(self.t_shear_x),
            geo(self.t_shear_y),
            geo(self.t_translate_x),
            geo(self.t_translate_y),
            geo(self.t_rotate),
            blend(brightness),
            blend(color),
            blend(contrast),
            blend(sharpness),
            lambda: posterize(x, self.t_bits[bin_]),
            lambda: solarize_levels(x, self.t_solarize_first[bin_]),
            lambda: autocontrast(x),
            lambda: equalize(x),
        ]
        out = tf.switch_case(tf.cast(op, tf.int32), branches)
        out.set_shape([self.h, self.w, self.c])
        return out


# --------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------


def make_map_fn(augment: str, shape, mean, std, seed: int):
    """The per-example map function (index, (image, label)) -> (image, label):
    augmentation (drawing its randomness from a stateless generator keyed by
    (seed, element index), in Go's draw order) then normalisation."""
    if augment not in AUGMENTS:
        raise ValueError(f"--augment {augment!r}, want one of {AUGMENTS}")
    if augment != "none" and len(shape) != 3:
        raise ValueError(f"--augment {augment} needs H x W x C images, the data has shape {list(shape)}")
    ta = None
    if augment == "trivialaugment":
        ta = TrivialAugmentWide(*shape)
    pad = max(1, shape[0] // 8) if augment != "none" else 0
    # Draw ranges: top, left, flip, op, bin, sign (the order of the Go code).
    mods = tf.constant([2 * pad + 1, 2 * pad + 1, 2, NUM_OPS, NUM_BINS, 2], tf.int64)
    norm = mean is not None
    if norm:
        mean_t = tf.constant(np.asarray(mean, np.float32))
        std_t = tf.constant(np.asarray(std, np.float32))

    def fn(i, example):
        x, y = example
        if augment != "none":
            r = tf.random.stateless_uniform(
                [6], seed=tf.stack([tf.constant(seed, tf.int64), i]), minval=None, maxval=None, dtype=tf.int64)
            d = tf.math.floormod(r, mods)
            x = crop_flip(x, pad, d[0], d[1], d[2] > 0)
            if ta is not None:
                x = ta.apply(x, d[3], d[4], d[5])
        if norm:
            x = (x - mean_t) / std_t
        return x, y

    return fn


def make_dataset(images: np.ndarray, labels: np.ndarray, batch_size: int, augment: str,
                 seed: int, mean=None, std=None, repeat: bool = True):
    """from_tensor_slices -> shuffle(full buffer, seed, reshuffle each epoch)
    -> repeat -> map(augment + normalise, AUTOTUNE, deterministic) ->
    batch(drop_remainder) -> prefetch(AUTOTUNE). mean/std None skips the
    normalisation (as Go does for data without channel statistics)."""
    n = len(images)
    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    ds = ds.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.enumerate()  # element counter keying the stateless draws
    ds = ds.map(make_map_fn(augment, images.shape[1:], mean, std, seed),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.batch(batch_size, drop_remainder=True)
    return ds.prefetch(tf.data.AUTOTUNE)


# --------------------------------------------------------------------------
# Command-line helpers shared by the two scripts
# --------------------------------------------------------------------------


def add_common_flags(p, default_data="fashion-mnist"):
    cpus = os.cpu_count() or 1
    p.add_argument("--data", choices=("fashion-mnist", "generated"), default=default_data)
    p.add_argument("--data-dir", default=FASHION_MNIST_DIR, help="folder of the Fashion-MNIST IDX files")
    p.add_argument("--shape", default=None, help="H,W,C of --data generated")
    p.add_argument("--n", type=int, default=50000, help="number of generated images")
    p.add_argument("--classes", type=int, default=None, help="label range of generated data (default 10)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--augment", choices=AUGMENTS, default="none")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--intra-op-threads", type=int, default=cpus)
    p.add_argument("--inter-op-threads", type=int, default=1)
    p.add_argument("--tfdata-threads", type=int, default=0,
                   help="tf.data private thread pool size (0: tf.data's default)")


def set_threads(args):
    """Apply the thread flags; must run before any TF op."""
    tf.config.threading.set_intra_op_parallelism_threads(args.intra_op_threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter_op_threads)


def apply_dataset_options(ds, args):
    if args.tfdata_threads > 0:
        opts = tf.data.Options()
        opts.threading.private_threadpool_size = args.tfdata_threads
        ds = ds.with_options(opts)
    return ds


def parse_shape(s):
    return tuple(int(v) for v in s.split(","))


def load_data(args, default_shape=None, default_classes=10):
    """(images, labels, mean, std) per the flags."""
    classes = args.classes or default_classes
    if args.data == "fashion-mnist":
        images, labels = load_fashion_mnist(args.data_dir, max(classes, 10))
    else:
        shape = parse_shape(args.shape) if args.shape else default_shape
        if shape is None:
            raise SystemExit("--data generated needs --shape H,W,C")
        images, labels = generate(shape, args.n, classes, args.seed)
    if images.ndim == 4:
        mean, std = channel_stats(images)
    else:  # no channel axis (e.g. toy data): Go normalises nothing
        mean = std = None
    return images, labels, mean, std
