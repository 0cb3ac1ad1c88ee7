#!/usr/bin/env python3
"""Images/second of a tf.data input pipeline alone (no model).

The pipeline is the one of tfaugment.make_dataset:
from_tensor_slices -> shuffle(full buffer, seed, reshuffle each epoch) ->
repeat -> map(augment + normalise, AUTOTUNE, deterministic) ->
batch(B, drop_remainder) -> prefetch(AUTOTUNE), with --augment
none | cropflip | trivialaugment doing what the Go chain of stages/data.go
does (CropFlip, then TrivialAugmentWide for trivialaugment, then Normalize).

After --warmup-batches untimed batches it pulls batches for at least
--seconds and prints one JSON line to stdout:

  {"bench": "tfdata", "augment": ..., "shape": [H, W, C], "batch_size": B,
   "images": n, "seconds": t, "images_per_sec": x,
   "intra_op_threads": ..., "inter_op_threads": ..., ...}

Everything else goes to stderr.

  .venv/bin/python bench/python/tfdata_bench.py --data fashion-mnist --augment cropflip --seconds 20
  .venv/bin/python bench/python/tfdata_bench.py --data generated --shape 32,32,3 --augment trivialaugment
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tfaugment as ta  # noqa: E402  (imports tensorflow; runs no op)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ta.add_common_flags(p)
    p.add_argument("--seconds", type=float, default=20.0, help="measure for at least this long")
    p.add_argument("--warmup-batches", type=int, default=20, help="untimed batches first")
    args = p.parse_args(argv)
    ta.set_threads(args)  # before any TF op

    t0 = time.perf_counter()
    images, labels, mean, std = ta.load_data(args)
    if args.batch_size > len(images):
        raise SystemExit(f"--batch-size {args.batch_size} exceeds the {len(images)} examples")
    ds = ta.make_dataset(images, labels, args.batch_size, args.augment, args.seed, mean, std)
    ds = ta.apply_dataset_options(ds, args)
    it = iter(ds)
    log(f"tfdata: {args.data} {list(images.shape)} augment={args.augment} batch={args.batch_size} "
        f"intra={args.intra_op_threads} inter={args.inter_op_threads}; set-up {time.perf_counter() - t0:.1f}s")

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
