#!/usr/bin/env python3
"""Images/second of a tf.data input pipeline alone (no model).

--pipeline per-example (the first baseline): tfaugment.make_dataset,
from_tensor_slices(float32 images) -> shuffle(full buffer, seed, reshuffle
each epoch) -> repeat -> map(augment + normalise ONE example, AUTOTUNE,
deterministic) -> batch(B, drop_remainder) -> prefetch(AUTOTUNE).

--pipeline vectorised (the strongest baseline, TensorFlow's performance
guide): tfbatch.make_dataset, uint8 pixels, range(n) -> shuffle -> repeat ->
batch(B, drop_remainder) -> map(gather, augment + normalise the WHOLE batch,
AUTOTUNE) -> prefetch(AUTOTUNE); --ta-mode grouped (every op batched) or
map_fn (the per-example op under tf.map_fn).

Both with --augment none | cropflip | trivialaugment doing what the Go chain
of stages/data.go does (CropFlip, then TrivialAugmentWide for
trivialaugment, then Normalize).

After --warmup-batches untimed batches it pulls batches for at least
--seconds and prints one JSON line to stdout:

  {"bench": "tfdata", "pipeline": ..., "augment": ..., "shape": [H, W, C], "batch_size": B,
   "images": n, "seconds": t, "images_per_sec": x,
   "intra_op_threads": ..., "inter_op_threads": ..., ...}

Everything else goes to stderr.

  .venv/bin/python bench/python/tfdata_bench.py --data fashion-mnist --augment cropflip --seconds 20
  .venv/bin/python bench/python/tfdata_bench.py --data generated --shape 32,32,3 --augment trivialaugment
  .venv/bin/python bench/python/tfdata_bench.py --pipeline vectorised --augment trivialaugment --seconds 5
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tfaugment as ta  # noqa: E402  (imports tensorflow; runs no op)
import tfbatch as tb  # noqa: E402


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ta.add_common_flags(p)
    p.add_argument("--seconds", type=float, default=20.0, help="measure for at least this long")
    p.add_argument("--warmup-batches", type=int, default=20, help="untimed batches first")
    p.add_argument("--pipeline", choices=("per-example", "vectorised"), default="per-example")
    p.add_argument("--ta-mode", choices=tb.TA_MODES, default="grouped",
                   help="vectorised TrivialAugmentWide: grouped by op, or tf.map_fn over the per-example op")
    args = p.parse_args(argv)
    if not args.seconds > 0 or args.warmup_batches < 0:
        p.error(f"want --seconds > 0 and --warmup-batches >= 0, got {args.seconds} and {args.warmup_batches}")
    ta.set_threads(args)  # before any TF op

    t0 = time.perf_counter()
    if args.pipeline == "per-example":
        images, labels, mean, std = ta.load_data(args)
    else:
        images, labels, mean, std = tb.load_data_u8(args)
    if args.batch_size > len(images):
        raise SystemExit(f"--batch-size {args.batch_size} exceeds the {len(images)} examples")
    if args.pipeline == "per-example":
        ds = ta.make_dataset(images, labels, args.batch_size, args.augment, args.seed, mean, std)
    else:
        ds = tb.make_dataset(images, labels, args.batch_size, args.augment, args.seed, mean, std, ta_mode=args.ta_mode)
    ds = ta.apply_dataset_options(ds, args)
    it = iter(ds)
    log(f"tfdata: {args.pipeline} {args.data} {list(images.shape)} {images.dtype} augment={args.augment} "
        f"batch={args.batch_size} intra={args.intra_op_threads} inter={args.inter_op_threads}; "
        f"set-up {time.perf_counter() - t0:.1f}s")

    for _ in range(args.warmup_batches):
        next(it)
    batches = 0
    start = time.perf_counter()
    while True:
        x, _ = next(it)
        batches += 1
        elapsed = time.perf_counter() - start
        if elapsed >= args.seconds:
            break
    if not bool(ta.tf.reduce_all(ta.tf.math.is_finite(x))):
        log("tfdata: non-finite values in the last batch")
        return 1
    n = batches * args.batch_size
    out = {
        "bench": "tfdata",
        "pipeline": args.pipeline,
        "ta_mode": args.ta_mode if args.pipeline == "vectorised" and args.augment == "trivialaugment" else None,
        "augment": args.augment,
        "shape": list(images.shape[1:]),
        "batch_size": args.batch_size,
        "images": n,
        "seconds": round(elapsed, 4),
        "images_per_sec": round(n / elapsed, 2),
        "intra_op_threads": args.intra_op_threads,
        "inter_op_threads": args.inter_op_threads,
        "tfdata_threads": args.tfdata_threads,
        "data": args.data,
    }
    log(f"tfdata: {n} images in {elapsed:.2f}s = {n / elapsed:.0f} images/s")
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
