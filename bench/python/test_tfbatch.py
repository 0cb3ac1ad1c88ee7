"""The vectorised pipeline (tfbatch.py) against the per-example one
(tfaugment.py, itself checked against the Go augmenters' golden values in
test_tfaugment.py): given the same draws, every op and the whole batch
function give bitwise the same values; the draws are uniform over the Go
augmenters' ranges; an epoch visits every example once, in a new order each epoch."""

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tfaugment as ta  # noqa: E402
import tfbatch as tb  # noqa: E402

tf = ta.tf

SHAPES = [(28, 28, 1), (32, 32, 3)]


def pixels(shape, n, seed):
    return np.random.default_rng(seed).integers(0, 256, size=(n, *shape)).astype(np.uint8)


def test_crop_flip_golden():
    # The per-example test's golden values (augment/cropflip_test.go): the
    # 4x4 image 1..16 / 16, pad 2, as one batch of four images.
    g = np.arange(1, 17, dtype=np.float32).reshape(4, 4, 1) / 16
    x = tf.constant(np.stack([g] * 4))
    got = tb.crop_flip_batch(x, 2, [0, 3, 3, 2], [3, 1, 1, 2], [False, False, True, False]).numpy() * 16
    want = np.array([
        [0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 0, 6, 7, 8, 0],
        [0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 0, 0, 0],
        [7, 6, 5, 0, 11, 10, 9, 0, 15, 14, 13, 0, 0, 0, 0, 0],
        list(range(1, 17))], np.float32).reshape(4, 4, 4, 1)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("shape", SHAPES)
def test_crop_flip_equals_per_example(shape):
    h, w, c = shape
    pad = max(1, h // 8)
    pix = pixels(shape, 96, 1)
    d = tb.draws(3, 7, 96, pad).numpy()
    # On uint8 levels (the pipeline's path) and on floats.
    got_u8 = tb.crop_flip_batch(tf.constant(pix), pad, d[:, 0], d[:, 1], d[:, 2] > 0).numpy()
    x = ta.PIXEL_LUT[pix]
    got = tb.crop_flip_batch(tf.constant(x), pad, d[:, 0], d[:, 1], d[:, 2] > 0).numpy()
    want = np.stack([ta.crop_flip(tf.constant(x[i]), pad, d[i, 0], d[i, 1], d[i, 2] > 0).numpy() for i in range(96)])
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ta.PIXEL_LUT[got_u8], want)


@pytest.mark.parametrize("mode", tb.TA_MODES)
@pytest.mark.parametrize("shape", SHAPES)
def test_trivialaugment_equals_per_example(shape, mode):
    # Every (op, bin, sign) of the table, op-major, in batches that mix ops
    # (the grouped mode partitions and stitches them) and leave some groups
    # empty (the last batch holds only Equalize).
    h, w, c = shape
    ops, bins, negs = np.meshgrid(np.arange(ta.NUM_OPS), np.arange(ta.NUM_BINS), [0, 1], indexing="ij")
    ops, bins, negs = ops.ravel(), bins.ravel(), negs.ravel()
    x_all = ta.PIXEL_LUT[pixels(shape, len(ops), 2)]
    bt = tb.BatchTrivialAugmentWide(h, w, c, mode)
    batched = tf.function(bt.apply)
    one = tf.function(bt.one.apply)
    worst = {}
    for s in range(0, len(ops), 128):
        sl = slice(s, s + 128)
        got = batched(tf.constant(x_all[sl]), ops[sl], bins[sl], negs[sl]).numpy()
        for i, k in enumerate(range(*sl.indices(len(ops)))):
            want = one(tf.constant(x_all[k]), ops[k], bins[k], negs[k]).numpy()
            diff = float(np.abs(got[i] - want).max())
            worst[ta.OP_NAMES[ops[k]]] = max(worst.get(ta.OP_NAMES[ops[k]], 0.0), diff)
    # Sharpness sums the neighbours in Go's order (test_sharpness_go_order),
    # the per-example depthwise convolution in its own: 1 ulp apart at most.
    assert worst.pop("Sharpness") <= 1.2e-7
    assert worst == {name: 0.0 for name in ta.OP_NAMES if name != "Sharpness"}


def sharpness_go(x, factor):
    """augment.Sharpness (augment/sharpness.go) in numpy float32, operation
    by operation in Go's order."""
    r, r1 = np.float32(factor), np.float32(1.0 - factor)
    k1, k5 = np.float32(1) / np.float32(13), np.float32(5) / np.float32(13)
    out = x.copy()
    h, w = x.shape[:2]
    for y in range(1, h - 1):
        for i in range(1, w - 1):
            up, mid, down = x[y - 1], x[y], x[y + 1]
            n = up[i - 1] + up[i] + up[i + 1] + mid[i - 1] + mid[i + 1] + down[i - 1] + down[i] + down[i + 1]
            smooth = k1 * n + k5 * mid[i]
            out[y, i] = np.clip(r * mid[i] + r1 * smooth, np.float32(0), np.float32(1))
    return out


def test_sharpness_go_order():
    rng = np.random.default_rng(9)
    x = rng.random((6, 7, 5, 3), dtype=np.float32)
    bins = np.array([0, 5, 15, 30, 30, 22])
    negs = np.array([0, 1, 0, 0, 1, 1])
    bt = tb.BatchTrivialAugmentWide(7, 5, 3)
    got = bt.apply(tf.constant(x), np.full(6, ta.OP_SHARPNESS), bins, negs).numpy()
    for k in range(6):
        m = float(ta.LINSPACE099[bins[k]]) * (-1 if negs[k] else 1)
        np.testing.assert_array_equal(got[k], sharpness_go(x[k], 1.0 + m))


def test_trivialaugment_float_images():
    # Images that are not uint8 levels (a crop/flip output is, a blend's
    # output is not): the float ops and the level quantisation agree too.
    h, w, c = 9, 7, 3
    x = tf.random.stateless_uniform([56, h, w, c], seed=[8, 9])
    op = np.arange(56) % ta.NUM_OPS
    b = (np.arange(56) * 7) % ta.NUM_BINS
    s = np.arange(56) % 2
    bt = tb.BatchTrivialAugmentWide(h, w, c)
    got = tf.function(bt.apply)(x, op, b, s).numpy()
    for i in range(56):
        tol = 1.2e-7 if op[i] == ta.OP_SHARPNESS else 0  # see test_sharpness_go_order
        np.testing.assert_allclose(got[i], bt.one.apply(x[i], op[i], b[i], s[i]).numpy(), rtol=0, atol=tol,
                                   err_msg=ta.OP_NAMES[op[i]])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("augment", ta.AUGMENTS)
def test_batch_fn_equals_per_example_chain(shape, augment):
    # The whole map function of batch number 5: the per-example chain
    # (crop_flip, TrivialAugmentWide.apply) with the same draws, then
    # augment.Normalize's (x - mean) / std in float32 (numpy, IEEE).
    h, w, c = shape
    pad = max(1, h // 8)
    pix = pixels(shape, 64, 4)
    mean, std = tb.channel_stats_u8(pix)
    fn = tf.function(tb.make_batch_fn(augment, shape, mean, std))
    got = fn(tf.constant(11, tf.int64), tf.constant(5, tf.int64), tf.constant(pix)).numpy()
    x = ta.PIXEL_LUT[pix]
    if augment != "none":
        d = tb.draws(11, 5, 64, pad).numpy()
        one = ta.TrivialAugmentWide(h, w, c)
        out = []
        for i in range(64):
            y = ta.crop_flip(tf.constant(x[i]), pad, d[i, 0], d[i, 1], d[i, 2] > 0)
            if augment == "trivialaugment":
                if d[i, 3] == ta.OP_SHARPNESS:  # Go's order of additions, see test_sharpness_go_order
                    m = float(ta.LINSPACE099[d[i, 4]]) * (-1 if d[i, 5] else 1)
                    y = sharpness_go(y.numpy(), 1.0 + m)
                else:
                    y = one.apply(y, d[i, 3], d[i, 4], d[i, 5])
            out.append(np.asarray(y))
        x = np.stack(out)
        if augment == "trivialaugment":
            assert len(set(d[:, 3])) == ta.NUM_OPS  # every op in the batch
    want = (x - mean) / std
    assert want.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_channel_stats_u8_equals_float_stats():
    for shape in SHAPES:
        pix = pixels(shape, 200, 5)
        m1, s1 = tb.channel_stats_u8(pix)
        m2, s2 = ta.channel_stats(ta.PIXEL_LUT[pix])
        np.testing.assert_array_equal(m1, m2)
        np.testing.assert_array_equal(s1, s2)


def test_generate_u8_is_generate():
    pix, lab = tb.generate_u8((4, 4, 3), 50, 10, 3)
    x, lab2 = ta.generate((4, 4, 3), 50, 10, 3)
    np.testing.assert_array_equal(ta.PIXEL_LUT[pix], x)
    np.testing.assert_array_equal(lab, lab2)


def test_draws_uniform():
    # Pearson's chi-square of each column against the uniform distribution
    # over the Go augmenters' ranges; the bound is the mean + 6 standard
    # deviations of the chi-square law (k-1 degrees of freedom), so a biased
    # or truncated range fails and a fair one passes.
    pad = 4
    d = np.concatenate([tb.draws(1, k, 512, pad).numpy() for k in range(100)])
    for col, k in enumerate([2 * pad + 1, 2 * pad + 1, 2, ta.NUM_OPS, ta.NUM_BINS, 2]):
        counts = np.bincount(d[:, col], minlength=k)
        assert len(counts) == k, (col, counts)
        e = len(d) / k
        chi2 = float(((counts - e) ** 2 / e).sum())
        assert chi2 < (k - 1) + 6 * np.sqrt(2 * (k - 1)), (col, chi2, counts)
    # Different batches and seeds draw differently.
    assert not np.array_equal(tb.draws(1, 0, 64, pad).numpy(), tb.draws(1, 1, 64, pad).numpy())
    assert not np.array_equal(tb.draws(1, 0, 64, pad).numpy(), tb.draws(2, 0, 64, pad).numpy())


def test_levels_to_float_exact():
    # Every level, eagerly, in a tf.function and in a tf.data map: float32(v)/255.
    v = tf.range(256, dtype=tf.int32)
    np.testing.assert_array_equal(tb.levels_to_float(v).numpy(), ta.PIXEL_LUT)
    np.testing.assert_array_equal(tf.function(tb.levels_to_float)(v).numpy(), ta.PIXEL_LUT)
    ds = tf.data.Dataset.from_tensors(tf.cast(v, tf.uint8)).map(tb.levels_to_float)
    np.testing.assert_array_equal(next(iter(ds)).numpy(), ta.PIXEL_LUT)


def test_index_batches():
    # Each epoch is a permutation cut into batches numbered from 0, under a
    # key that changes per epoch and per iteration of the dataset, the same
    # sequence for the same seed.
    n, b = 70, 16
    one = [(int(k), int(s), i.numpy()) for k, s, i in tb.index_batches(n, b, 3, repeat=False, drop_remainder=False)]
    assert [s for _, s, _ in one] == [0, 1, 2, 3, 4] and [len(i) for _, _, i in one] == [16, 16, 16, 16, 6]
    assert len({k for k, _, _ in one}) == 1
    seen = np.concatenate([i for _, _, i in one])
    assert sorted(seen) == list(range(n)) and list(seen) != list(range(n))
    ds = tb.index_batches(n, b, 3, repeat=False, drop_remainder=False)
    first = [(int(k), i.numpy()) for k, _, i in ds]
    second = [(int(k), i.numpy()) for k, _, i in ds]  # Keras fit's next epoch
    assert first[0][0] == one[0][0] and all(np.array_equal(a[1], c[2]) for a, c in zip(first, one))
    assert second[0][0] != first[0][0] and not np.array_equal(np.concatenate([i for _, i in second]), seen)
    rep = list(tb.index_batches(n, b, 3).take(9))
    assert [int(s) for _, s, _ in rep] == [0, 1, 2, 3, 0, 1, 2, 3, 0]
    assert int(rep[0][0]) != int(rep[4][0])
    for e in (0, 4):
        ep = np.concatenate([i.numpy() for _, _, i in rep[e:e + 4]])
        assert len(set(ep)) == 64
    other = [i.numpy() for _, _, i in tb.index_batches(n, b, 4, repeat=False)]
    assert not np.array_equal(np.concatenate(other), seen[:64])
    plain = np.concatenate([i.numpy() for _, _, i in tb.index_batches(n, b, 3, repeat=False, drop_remainder=False,
                                                                      shuffle=False)])
    assert list(plain) == list(range(n))


@pytest.mark.parametrize("augment", ta.AUGMENTS)
def test_dataset_epoch(augment):
    # Batch (key, step) is the batch function of (key, step) on the gathered
    # pixels and labels, in index_batches' order.
    shape = (8, 8, 3)
    n = 70
    pix = pixels(shape, n, 6)
    labels = np.arange(n, dtype=np.int32)  # the label is the example's index
    mean, std = tb.channel_stats_u8(pix)
    ds = tb.make_dataset(pix, labels, 16, augment, seed=3, mean=mean, std=std, repeat=False, drop_remainder=False)
    assert int(ds.cardinality()) == 5  # known, for Keras fit
    batches = [(x.numpy(), y.numpy()) for x, y in ds]
    idx = [(k, s, i.numpy()) for k, s, i in tb.index_batches(n, 16, 3, repeat=False, drop_remainder=False)]
    assert len(batches) == len(idx) == 5
    fn = tb.make_batch_fn(augment, shape, mean, std)
    for (x, y), (k, s, i) in zip(batches, idx):
        np.testing.assert_array_equal(y, i)
        np.testing.assert_array_equal(x, fn(k, s, tf.constant(pix[i])).numpy())
    x, y = next(iter(tb.make_dataset(pix, labels, 16, augment, seed=3, mean=mean, std=std)))
    assert x.shape == (16, 8, 8, 3) and y.shape == (16,)


def test_dataset_bad_input():
    pix = pixels((8, 8, 3), 10, 7)
    with pytest.raises(ValueError, match="uint8"):
        tb.make_dataset(pix.astype(np.float32), np.zeros(10, np.int32), 4, "none", 1)
    with pytest.raises(ValueError, match="batch size 11"):
        tb.make_dataset(pix, np.zeros(10, np.int32), 11, "none", 1)
    with pytest.raises(ValueError, match="9 labels for 10"):
        tb.make_dataset(pix, np.zeros(9, np.int32), 4, "none", 1)
    with pytest.raises(ValueError, match="--augment 'flip'"):
        tb.make_batch_fn("flip", (8, 8, 3), None, None)
    with pytest.raises(ValueError, match="mode 'loop'"):
        tb.BatchTrivialAugmentWide(8, 8, 3, "loop")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
