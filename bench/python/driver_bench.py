#!/usr/bin/env python3
"""The Python training loop a user would write instead of the Go driver.

Loads a SavedModel of models/ with tf.saved_model.load, takes its train_sgd
(or --method sam / asam: train_sam / train_asam) signature and calls it once per batch with the
inputs the Go driver feeds (graphs/train.go): images float32 [B,H,W,C],
labels int32 [B], weights float32 [B] of ones, lr, momentum, weight_decay
(and rho for SAM/ASAM) as float32 scalars, seed int64 = the step number. It reads
the loss (and the correct count, as Go does) back with .numpy() every step.

  --mode loop     batches come from the tf.data pipeline of tfaugment.py
                  (--augment none | cropflip | trivialaugment)
  --mode premade  one pipeline batch, made up front, is fed every step: the
                  graph compute plus the Python call overhead, no input work

After --warmup untimed steps it times --steps steps and prints one JSON line
to stdout:

  {"bench": "driver", "mode": ..., "model": ..., "method": ..., "augment": ...,
   "batch_size": ..., "steps": ..., "seconds": ..., "steps_per_sec": ...,
   "ms_per_step": ..., ...}

The first and last losses go to stderr; a non-finite loss exits 1.

  .venv/bin/python bench/python/driver_bench.py --model-dir models/mlp3-28x28x1-c10 --steps 1000
"""

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tfaugment as ta  # noqa: E402  (imports tensorflow; runs no op)

tf = ta.tf


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ta.add_common_flags(p, default_data=None)
    p.add_argument("--model-dir", required=True)
    p.add_argument("--method", choices=("sgd", "sam", "asam"), default="sgd")
    p.add_argument("--mode", choices=("loop", "premade"), default="loop")
    p.add_argument("--steps", type=int, default=1000, help="timed steps")
    p.add_argument("--warmup", type=int, default=50, help="untimed steps first")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--rho", type=float, default=None,
                   help="SAM/ASAM radius (default 0.05 for sam, 1 for asam as bench/driver.go's stages.Step)")
    args = p.parse_args(argv)
    if args.steps < 1 or args.warmup < 0:
        p.error("--steps must be >= 1 and --warmup >= 0")
    ta.set_threads(args)  # before any TF op

    with open(os.path.join(args.model_dir, "manifest.json")) as f:
        manifest = json.load(f)
    in_shape = tuple(manifest["input_shape"])
    if args.data is None:
        args.data = "fashion-mnist" if in_shape == (28, 28, 1) else "generated"
    if args.data == "generated" and args.shape is None:
        args.shape = ",".join(str(v) for v in in_shape)
    sig_name = "train_" + args.method
    if args.rho is None:
        args.rho = 1.0 if args.method == "asam" else 0.05
    if sig_name not in manifest["signatures"]:
        raise SystemExit(f"{args.model_dir}: no {sig_name} signature")

    t0 = time.perf_counter()
    images, labels, mean, std = ta.load_data(args, default_shape=in_shape,
                                             default_classes=manifest["num_classes"])
    if tuple(images.shape[1:]) != in_shape:
        raise SystemExit(f"data shape {list(images.shape[1:])} does not match the model's input {list(in_shape)}")
    if labels.max() >= manifest["num_classes"]:
        raise SystemExit(f"label {labels.max()} >= the model's {manifest['num_classes']} classes")
    ds = ta.make_dataset(images, labels, args.batch_size, args.augment, args.seed, mean, std)
    ds = ta.apply_dataset_options(ds, args)
    it = iter(ds)

    loaded = tf.saved_model.load(args.model_dir)
    train = loaded.signatures[sig_name]
    b = args.batch_size
    weights = tf.ones([b], tf.float32)
    hyper = {
        "lr": tf.constant(args.lr, tf.float32),
        "momentum": tf.constant(args.momentum, tf.float32),
        "weight_decay": tf.constant(args.weight_decay, tf.float32),
    }
    if args.method in ("sam", "asam"):
        hyper["rho"] = tf.constant(args.rho, tf.float32)
    model = os.path.basename(os.path.normpath(args.model_dir))
    log(f"driver: {model} {sig_name} mode={args.mode} data={args.data} augment={args.augment} batch={b} "
        f"intra={args.intra_op_threads} inter={args.inter_op_threads}; set-up {time.perf_counter() - t0:.1f}s")

    if args.mode == "premade":
        px, py = next(it)

        def batch():
            return px, py
    else:
        def batch():
            return next(it)

    losses = []

    def step(k):
        x, y = batch()
        out = train(images=x, labels=y, weights=weights, seed=tf.constant(k, tf.int64), **hyper)
        loss = float(out["loss"].numpy())
        out["correct"].numpy()  # Go fetches both outputs
        losses.append(loss)
        return loss

    k = 0
    for _ in range(args.warmup):
        step(k)
        k += 1
    start = time.perf_counter()
    for _ in range(args.steps):
        step(k)
        k += 1
    elapsed = time.perf_counter() - start

    bad = [i for i, v in enumerate(losses) if not math.isfinite(v)]
    m = max(1, min(10, len(losses) // 2))
    first, last = sum(losses[:m]) / max(m, 1), sum(losses[-m:]) / max(m, 1)
    log(f"driver: loss first {losses[0]:.4f} last {losses[-1]:.4f} "
        f"(mean of first/last {m}: {first:.4f} -> {last:.4f}{', decreasing' if last < first else ''})")
    if bad:
        log(f"driver: non-finite loss at step {bad[0]}")
        return 1
    out = {
        "bench": "driver",
        "mode": args.mode,
        "model": model,
        "method": args.method,
        "augment": args.augment,
        "batch_size": b,
        "steps": args.steps,
        "seconds": round(elapsed, 4),
        "steps_per_sec": round(args.steps / elapsed, 3) if elapsed > 0 else None,
        "ms_per_step": round(1000 * elapsed / args.steps, 4) if args.steps > 0 else None,
        "data": args.data,
        "intra_op_threads": args.intra_op_threads,
        "inter_op_threads": args.inter_op_threads,
        "tfdata_threads": args.tfdata_threads,
        "first_loss": losses[0],
        "last_loss": losses[-1],
    }
    log(f"driver: {args.steps} steps in {elapsed:.2f}s = {1000 * elapsed / max(args.steps, 1):.2f} ms/step")
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
