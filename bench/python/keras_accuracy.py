#!/usr/bin/env python3
"""Test error of Keras `model.fit` on Fashion-MNIST with the paper's recipe,
per seed and mean ± std, to put beside the Go runs' `sgd` baseline.

For each seed: the Keras twin of --model-dir (keras_models.py) from our W0
for that seed (the W0 `useful-pipeline --seed S` trains from), trained by
model.fit for --epochs epochs on the training split through the vectorised
tf.data pipeline (tfbatch.py, shuffled per epoch with the seed, batch 128,
last partial batch kept, --augment none by default as
examples/fmnist-paper.yaml) with the recipe's train_step (SGD momentum 0.9,
coupled L2 5e-4, lr 0.1 / 10 at 50% and 75% of the epochs; --method sam for
SAM), then evaluated on the test split (normalised with the training
split's per-channel statistics, as the Go evaluation does; inference mode).

Prints one line per seed, then

  keras-fit: <model> <method> <epochs> epochs, seeds 0,1,2: test error % mean ± std (sample std)

and, with --go-summary runs/bench-fmnist/summary.json (`useful-pipeline
aggregate` of examples/fmnist-paper.yaml), the Go row of the same method
beside it and the difference of the means with its standard error. The last
stdout line is JSON.

  .venv/bin/python bench/python/keras_accuracy.py --seeds 0,1,2 --epochs 30 --go-summary runs/bench-fmnist/summary.json
"""

import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tfaugment as ta  # noqa: E402
import tfbatch as tb  # noqa: E402
import keras_models as km  # noqa: E402
from keras_fit_bench import add_recipe_flags, check_recipe_flags, make_model  # noqa: E402

keras = km.keras


def mean_std(v):
    """Mean and sample standard deviation (None for one value)."""
    m = sum(v) / len(v)
    if len(v) < 2:
        return m, None
    return m, math.sqrt(sum((x - m) ** 2 for x in v) / (len(v) - 1))


def go_row(path: str, method: str):
    """The row of run `method` (the baseline without USEFUL) of an aggregate
    summary.json: (per-seed test errors, seeds)."""
    with open(path) as f:
        s = json.load(f)
    rows = [r for r in s.get("rows", []) if r.get("run") == method]
    if not rows:
        raise SystemExit(f"--go-summary {path}: no row for run {method!r} (runs: {[r.get('run') for r in s.get('rows', [])]})")
    if len(rows) > 1:
        raise SystemExit(f"--go-summary {path}: {len(rows)} rows for run {method!r} (grouped by {s.get('group_axes')})")
    return rows[0]["test_error_pct"], rows[0].get("seeds")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default=ta.FASHION_MNIST_DIR, help="Fashion-MNIST IDX folder")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--augment", choices=ta.AUGMENTS, default="none")
    p.add_argument("--go-summary", default=None, help="summary.json of useful-pipeline aggregate, for the Go row")
    p.add_argument("--intra-op-threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--inter-op-threads", type=int, default=1)
    p.add_argument("--verbose", type=int, default=0, help="Keras fit verbosity (0, 1, 2)")
    add_recipe_flags(p)
    p.set_defaults(model_dir="models/mlp3-28x28x1-c10", rho=0.01)
    for a in p._actions:
        if a.dest == "model_dir":
            a.required = False
    args = p.parse_args(argv)
    check_recipe_flags(p, args)
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        p.error(f"--seeds {args.seeds!r}: want a comma list of integers")
    if not seeds or min(seeds) < 0 or args.epochs < 1 or args.batch_size < 1:
        p.error(f"want seeds >= 0, --epochs >= 1 and --batch-size >= 1; got {args.seeds}, {args.epochs}, {args.batch_size}")
    if args.go_summary and not os.path.exists(args.go_summary):
        p.error(f"--go-summary {args.go_summary}: no such file")
    ta.set_threads(args)

    man = km.read_manifest(args.model_dir)
    if man["input_shape"] != [28, 28, 1]:
        raise SystemExit(f"--model-dir {args.model_dir}: input {man['input_shape']}, Fashion-MNIST is [28, 28, 1]")
    pix, labels = tb.load_fashion_mnist_u8(args.data_dir, "train", man["num_classes"])
    tpix, tlabels = tb.load_fashion_mnist_u8(args.data_dir, "test", man["num_classes"])
    mean, std = tb.channel_stats_u8(pix)
    test = tb.make_dataset(tpix, tlabels, 1000, "none", 0, mean, std, repeat=False, drop_remainder=False,
                           shuffle=False)
    errors = []
    for seed in seeds:
        t0 = time.perf_counter()
        model, _ = make_model(args, seed)
        ds = tb.make_dataset(pix, labels, args.batch_size, args.augment, seed, mean, std, repeat=False,
                             drop_remainder=False)
        sched = keras.callbacks.LearningRateScheduler(
            lambda e, lr=None: km.lr_at(args.lr, args.epochs, args.lr_schedule, e))
        hist = model.fit(ds, epochs=args.epochs, verbose=args.verbose, shuffle=False, callbacks=[sched])
        _, acc = model.evaluate(test, verbose=0)
        err = 100.0 * (1.0 - acc)
        loss = hist.history["loss"][-1]
        if not math.isfinite(loss):
            raise SystemExit(f"seed {seed}: non-finite training loss {loss}")
        errors.append(err)
        print(f"keras-fit: seed {seed}: test error {err:.2f}% (final training loss {loss:.4f}, "
              f"accuracy {100 * hist.history['accuracy'][-1]:.2f}%; {time.perf_counter() - t0:.0f}s)", flush=True)
    m, s = mean_std(errors)
    sd = "-" if s is None else f"{s:.2f}"
    name = man["model"]
    print(f"keras-fit: {name} {args.method} {args.epochs} epochs, seeds {args.seeds}: test error % {m:.2f} ± {sd} "
          f"(per seed {', '.join(f'{e:.2f}' for e in errors)})")
    out = {"bench": "keras_accuracy", "model": name, "method": args.method, "epochs": args.epochs,
           "augment": args.augment, "seeds": seeds, "test_error_pct": errors, "mean": m, "std": s}
    if args.go_summary:
        g, gseeds = go_row(args.go_summary, args.method)
        gm, gs = mean_std(g)
        line = f"go: {name} {args.method} (aggregate {args.go_summary}, seeds {gseeds}): test error % {gm:.2f} ± " \
               f"{'-' if gs is None else f'{gs:.2f}'}; Keras - Go = {m - gm:+.2f} points"
        if s is not None and gs is not None:
            se = math.sqrt(s * s / len(errors) + gs * gs / len(g))
            line += f" (standard error of the difference {se:.2f})"
        print(line)
        out.update({"go_test_error_pct": g, "go_mean": gm, "go_std": gs})
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
