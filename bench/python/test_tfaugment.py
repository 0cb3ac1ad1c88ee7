"""Checks of the tf.data augmentation ops against hand-computed expectations
(the golden values of the Go tests in augment/*_test.go)."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tfaugment as ta  # noqa: E402
import tensorflow as tf  # noqa: E402


def levels(*v):
    return np.array(v, np.float32) / np.float32(255)


def img(values, h, w, c=1):
    return tf.constant(np.asarray(values, np.float32).reshape(h, w, c))


def grid16():
    """The 4x4x1 image 1..16 (row-major) scaled by 1/16."""
    return img(np.arange(1, 17, dtype=np.float32) / 16, 4, 4)


def g16(*v):
    return np.array(v, np.float32).reshape(4, 4, 1) / 16


def check(got, want, tol=0.0):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want, np.float32).reshape(np.shape(got)), rtol=0, atol=tol)


def test_identity_returns_input():
    x = tf.random.stateless_uniform([5, 5, 3], seed=[1, 2])
    t = ta.TrivialAugmentWide(5, 5, 3)
    for b, neg in [(0, 0), (17, 1)]:
        check(t.apply(x, ta.OP_IDENTITY, b, neg), x)
    # Magnitude 0 of the geometric ops is the identity too.
    for op in (ta.OP_SHEAR_X, ta.OP_SHEAR_Y, ta.OP_TRANSLATE_X, ta.OP_TRANSLATE_Y, ta.OP_ROTATE):
        check(t.apply(x, op, 0, 0), x)


def test_crop_flip_offsets():
    # Flip only (pad 0): a 2x3x2 image mirrored left-right, channels kept.
    src = img([0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16], 2, 3, 2)
    check(ta.crop_flip(src, 0, 0, 0, True),
          [0.05, 0.06, 0.03, 0.04, 0.01, 0.02, 0.15, 0.16, 0.13, 0.14, 0.11, 0.12])
    # Pad 2 on 4x4: window (top 0, left 3) of the padded image reads input (y-2, i+1).
    check(ta.crop_flip(grid16(), 2, 0, 3, False), g16(
        0, 0, 0, 0,
        0, 0, 0, 0,
        2, 3, 4, 0,
        6, 7, 8, 0))
    # Window (top 3, left 1) reads input (y+1, i-1); then flipped.
    check(ta.crop_flip(grid16(), 2, 3, 1, False), g16(
        0, 5, 6, 7,
        0, 9, 10, 11,
        0, 13, 14, 15,
        0, 0, 0, 0))
    check(ta.crop_flip(grid16(), 2, 3, 1, True), g16(
        7, 6, 5, 0,
        11, 10, 9, 0,
        15, 14, 13, 0,
        0, 0, 0, 0))
    check(ta.crop_flip(grid16(), 2, 2, 2, False), grid16())


def test_posterize():
    src = img(levels(0, 63, 64, 127, 128, 191, 192, 255), 1, 8)
    check(ta.posterize(src, 2), levels(0, 0, 64, 64, 128, 128, 192, 192))
    check(ta.posterize(src, 8), src)
    check(ta.posterize(src, 0), levels(0, 0, 0, 0, 0, 0, 0, 0))
    # Values between levels are rounded to the nearest level first.
    check(ta.posterize(img([63.6 / 255, 0.5], 1, 2), 2), levels(64, 128))
    # The bits per bin, as torchvision's 8 - round(arange(31) / 5).
    assert list(ta.POSTERIZE_BITS) == [8, 8, 8, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 5, 5, 5, 5, 5,
                                       4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 2, 2, 2]


def test_solarize():
    src = img(levels(0, 100, 127, 128, 200, 255), 1, 6)
    check(ta.solarize(src, 127.5), levels(0, 100, 127, 127, 55, 0))
    check(ta.solarize(src, 255), levels(0, 100, 127, 128, 200, 0))
    check(ta.solarize(src, 0), levels(255, 155, 128, 127, 55, 0))
    # A threshold that is an exact level inverts that level (>=).
    check(ta.solarize(src, 200), levels(0, 100, 127, 128, 55, 0))
    # Through the op table: bin 15 is threshold 127.5.
    t = ta.TrivialAugmentWide(1, 6, 1)
    check(t.apply(src, ta.OP_SOLARIZE, 15, 0), levels(0, 100, 127, 127, 55, 0))


def test_rotate_quarter_turns():
    # Counter-clockwise: the right column becomes the top row.
    check(ta.rotate(grid16(), 90), g16(
        4, 8, 12, 16,
        3, 7, 11, 15,
        2, 6, 10, 14,
        1, 5, 9, 13))
    check(ta.rotate(grid16(), 180), g16(
        16, 15, 14, 13,
        12, 11, 10, 9,
        8, 7, 6, 5,
        4, 3, 2, 1))
    check(ta.rotate(grid16(), -90), g16(
        13, 9, 5, 1,
        14, 10, 6, 2,
        15, 11, 7, 3,
        16, 12, 8, 4))
    # 5x5x3: out[j][i] = in[i][w-1-j], channels kept together.
    n = 5
    src = np.arange(n * n * 3, dtype=np.float32).reshape(n, n, 3) / 100
    want = np.empty_like(src)
    for j in range(n):
        for i in range(n):
            want[j, i] = src[i, n - 1 - j]
    check(ta.rotate(tf.constant(src), 90), want)
    # The op table: bin 20 is 90 degrees, negated -90.
    t = ta.TrivialAugmentWide(4, 4, 1)
    check(t.apply(grid16(), ta.OP_ROTATE, 20, 1), ta.rotate(grid16(), -90))


def test_rotate45_against_torchvision():
    # torchvision F.rotate(img, 45) of the 4x4 image 1..16 (from
    # augment/geometric_test.go). Pixels (1,2) and (2,1) sample exactly on a
    # half-pixel boundary (row / column 1.5); torch's float32 grid lands just
    # above it (rows 2 / col 2: 11 and 10), ImageProjectiveTransformV3's
    # float32 arithmetic just below (7 and 6). Both are a tied neighbour.
    want = g16(
        0, 3, 8, 0,
        2, 7, 11, 12,
        5, 10, 11, 15,
        0, 9, 14, 0)
    got = ta.rotate(grid16(), 45).numpy()
    ties = {(1, 2): (7, 11), (2, 1): (6, 10)}
    for j in range(4):
        for i in range(4):
            if (j, i) in ties:
                assert got[j, i, 0] * 16 in ties[(j, i)]
            else:
                assert got[j, i, 0] == want[j, i, 0], (j, i)


def test_shear_and_translate():
    # Output (col i, row j) reads column round(i + m*(j+0.5)) of row j.
    check(ta.shear_x(grid16(), 0.5), g16(
        1, 2, 3, 4,
        6, 7, 8, 0,
        10, 11, 12, 0,
        15, 16, 0, 0))
    check(ta.shear_y(grid16(), -0.5), g16(
        1, 0, 0, 0,
        5, 2, 3, 0,
        9, 6, 7, 4,
        13, 10, 11, 8))
    check(ta.translate_x(grid16(), 2), g16(
        0, 0, 1, 2,
        0, 0, 5, 6,
        0, 0, 9, 10,
        0, 0, 13, 14))
    check(ta.translate_y(grid16(), -1), g16(
        5, 6, 7, 8,
        9, 10, 11, 12,
        13, 14, 15, 16,
        0, 0, 0, 0))
    # Bin 15 is 15.999999 px, truncated to 15 like Python's int().
    src = tf.constant((np.arange(40, dtype=np.float32) / 40).reshape(1, 40, 1))
    t = ta.TrivialAugmentWide(1, 40, 1)
    check(t.apply(src, ta.OP_TRANSLATE_X, 15, 0), ta.translate_x(src, 15))


def test_equalize_known_histogram():
    # 32x32, channel 0: 512 pixels at 0, 256 at level 100, 256 at 200.
    # step = (1024 - 256) // 255 = 3; lut[v] = (cumsum[v-1] + 1) // 3:
    # 0 -> 0, 100 -> 513 // 3 = 171, 200 -> 769 // 3 = 256 -> 255.
    # Channel 1: 1020 pixels at 255 and 4 at 10: step 0, unchanged.
    n = 1024
    src = np.zeros((n, 2), np.float32)
    want = np.zeros((n, 2), np.float32)
    src[512:768, 0], want[512:768, 0] = levels(100)[0], levels(171)[0]
    src[768:, 0], want[768:, 0] = levels(200)[0], 1
    src[:, 1] = 1
    src[::300, 1] = levels(10)[0]
    want[:, 1] = src[:, 1]
    check(ta.equalize(tf.constant(src.reshape(32, 32, 2))), want.reshape(32, 32, 2))
    # A single level stays.
    flat = img(levels(7, 7, 7, 7), 2, 2)
    check(ta.equalize(flat), flat)


def test_equalize_matches_reference():
    # PIL's algorithm written out in numpy on a random 3-channel image.
    rng = np.random.default_rng(3)
    v = rng.integers(0, 256, size=(9, 11, 3))
    v[..., 1] = rng.integers(40, 60, size=(9, 11))
    want = np.empty_like(v)
    for c in range(3):
        hist = np.bincount(v[..., c].ravel(), minlength=256)
        last = np.nonzero(hist)[0][-1]
        step = (v[..., c].size - hist[last]) // 255
        if step == 0:
            want[..., c] = v[..., c]
            continue
        lut = np.minimum((np.concatenate([[0], np.cumsum(hist)[:-1]]) + step // 2) // step, 255)
        want[..., c] = lut[v[..., c]]
    got = ta.equalize(tf.constant(v.astype(np.float32) / np.float32(255)))
    check(got, want.astype(np.float32) / np.float32(255))


def test_autocontrast():
    # Channel 0 spans levels [51, 153]: v -> trunc((v-51)*2.5); channel 1 constant.
    src = img([0.2, 0.5, 53.0 / 255, 0.5, 61.0 / 255, 0.5, 0.4, 0.5, 0.6, 0.5], 1, 5, 2)
    check(ta.autocontrast(src), levels(0, 128, 5, 128, 25, 128, 127, 128, 255, 128))
    # Levels [0, 7]: fl(1/7)*255 maps 7 to 255.
    check(ta.autocontrast(img(levels(0, 3, 7), 1, 3)), levels(0, 109, 255))


def test_colour_ops():
    src = img([1, 0, 0, 0.2, 0.4, 0.6], 1, 2, 3)
    g1, g2 = 0.299, 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6
    check(ta.color(src, *ta._blend_weights(0)), [g1, g1, g1, g2, g2, g2], 1e-6)
    check(ta.color(src, *ta._blend_weights(2)), [1, 0, 0, 0.4 - g2, 0.8 - g2, 1.2 - g2], 1e-6)
    m = (g1 + g2) / 2
    check(ta.contrast(src, *ta._blend_weights(0)), [m] * 6, 1e-6)
    check(ta.contrast(img([0, 0.5, 1, 0.5], 2, 2), *ta._blend_weights(0.5)), [0.25, 0.5, 0.75, 0.5], 1e-7)
    check(ta.brightness(img([0, 0.2, 0.5, 0.8, 1], 1, 5), *ta._blend_weights(1.5)), [0, 0.3, 0.75, 1, 1], 1e-7)
    # Sharpness 0 is the smoothed image (interior), borders kept.
    src = np.zeros((5, 5), np.float32)
    src[2, 2] = src[0, 0] = 1
    k = 1 / 13
    check(ta.sharpness(tf.constant(src[..., None]), *ta._blend_weights(0)), [
        1, 0, 0, 0, 0,
        0, 2 * k, k, k, 0,
        0, k, 5 * k, k, 0,
        0, k, k, k, 0,
        0, 0, 0, 0, 0], 1e-6)


def test_map_fn_pipeline_runs_every_op():
    # Each op through switch_case in a graph (tf.function), and the whole
    # pipeline on a tiny data set: shapes kept, values finite, deterministic.
    t = ta.TrivialAugmentWide(8, 8, 3)
    x = tf.random.stateless_uniform([8, 8, 3], seed=[4, 5])
    f = tf.function(lambda op, b, n: t.apply(x, op, b, n))
    for op in range(ta.NUM_OPS):
        y = f(tf.constant(op), tf.constant(30), tf.constant(1))
        assert y.shape == (8, 8, 3) and np.all(np.isfinite(y.numpy()))
    images = np.random.default_rng(0).random((20, 8, 8, 3), dtype=np.float32)
    labels = np.arange(20, dtype=np.int32) % 10
    mean, std = ta.channel_stats(images)
    for aug in ta.AUGMENTS:
        ds = ta.make_dataset(images, labels, 4, aug, seed=7, mean=mean, std=std)
        a = [b[0].numpy() for b in ds.take(6)]
        b = [b[0].numpy() for b in ta.make_dataset(images, labels, 4, aug, seed=7, mean=mean, std=std).take(6)]
        assert a[0].shape == (4, 8, 8, 3)
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
