#!/usr/bin/env python3
"""Keras `model.fit` epochs on request: the Python side of `bench fit`, which
alternates it with the Go training loop in one run.

Builds the Keras twin of a SavedModel (keras_models.py: the same
architecture, our W0 for --seed, the recipe's train_step with coupled L2 or
SAM), the vectorised tf.data pipeline of tfbatch.py (uint8 pixels, shuffled
per epoch, batch, one map that crops/flips/normalises the batch, AUTOTUNE,
prefetch; the last partial batch kept, as the Go sampler of a training run),
warms up with --warmup-steps steps (tracing the train function, including
the partial batch's shape), then serves commands from stdin, one per line:

  epochs K   run model.fit for the next K epochs (verbose 0; the learning
             rate of each epoch from the step schedule over --total-epochs)
             and print {"event": "epochs", "first_epoch": e, "epoch_seconds":
             [...], "loss": ..., "accuracy": ..., "steps": ...}
  quit       exit 0 (so does end of input)

Every reply is one JSON line on stdout; the first is {"event": "ready", ...}
after the set-up. An epoch's seconds are the wall time between Keras'
on_epoch_begin and on_epoch_end callbacks (the iterator of the epoch, every
step and its metrics). Logs go to stderr.

  .venv/bin/python bench/python/keras_fit_bench.py --model-dir models/mlp3-28x28x1-c10 --augment cropflip
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

keras = km.keras


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def reply(obj):
    print(json.dumps(obj), flush=True)


class EpochTimer(keras.callbacks.Callback):
    """Wall seconds of every epoch, begin to end callback."""

    def __init__(self):
        super().__init__()
        self.seconds = []
        self._t0 = None

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._t0)


def add_recipe_flags(p):
    p.add_argument("--model-dir", required=True, help="SavedModel folder (models/...): architecture and W0")
    p.add_argument("--method", choices=km.METHODS, default="sgd")
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--lr-schedule", choices=("constant", "step"), default="step")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--rho", type=float, default=0.05, help="SAM radius")
    p.add_argument("--steps-per-execution", type=int, default=1, help="Keras compile(steps_per_execution)")


def check_recipe_flags(p, args):
    if not (args.lr > 0 and args.momentum >= 0 and args.weight_decay >= 0 and args.rho >= 0):
        p.error(f"want --lr > 0 and --momentum, --weight-decay, --rho >= 0; got {args.lr}, {args.momentum}, "
                f"{args.weight_decay}, {args.rho}")
    if args.steps_per_execution < 1:
        p.error(f"--steps-per-execution {args.steps_per_execution}: want >= 1")
    if not os.path.exists(os.path.join(args.model_dir, "manifest.json")):
        p.error(f"--model-dir {args.model_dir}: no manifest.json (export it with make models)")


def make_model(args, seed):
    """The compiled Keras model of --model-dir with our W0 for seed."""
    model, params, state, man = km.build_for(args.model_dir)
    km.assign_w0(params, state, man, km.load_w0(args.model_dir, seed))
    km.compile_recipe(model, args.method, args.lr, args.momentum, args.weight_decay, args.rho,
                      args.steps_per_execution)
    return model, man


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ta.add_common_flags(p, default_data=None)
    add_recipe_flags(p)
    p.add_argument("--total-epochs", type=int, default=30, help="epochs of the lr schedule")
    p.add_argument("--warmup-steps", type=int, default=20)
    args = p.parse_args(argv)
    check_recipe_flags(p, args)
    if args.total_epochs < 1 or args.warmup_steps < 0:
        p.error(f"want --total-epochs >= 1 and --warmup-steps >= 0, got {args.total_epochs} and {args.warmup_steps}")
    ta.set_threads(args)  # before any TF op

    t0 = time.perf_counter()
    man = km.read_manifest(args.model_dir)
    in_shape = tuple(man["input_shape"])
    if args.data is None:
        args.data = "fashion-mnist" if in_shape == (28, 28, 1) else "generated"
    if args.data == "generated" and args.shape is None:
        args.shape = ",".join(str(v) for v in in_shape)
    pix, labels, mean, std = tb.load_data_u8(args, default_shape=in_shape, default_classes=man["num_classes"])
    if tuple(pix.shape[1:]) != in_shape:
        raise SystemExit(f"data shape {list(pix.shape[1:])} does not match the model's input {list(in_shape)}")
    if labels.max() >= man["num_classes"]:
        raise SystemExit(f"label {labels.max()} >= the model's {man['num_classes']} classes")
    n, b = len(pix), args.batch_size
    if not 1 <= b <= n:
        raise SystemExit(f"--batch-size {b}: want 1..{n} (the number of examples)")
    model, man = make_model(args, args.seed)
    ds = ta.apply_dataset_options(
        tb.make_dataset(pix, labels, b, args.augment, args.seed, mean, std, repeat=False, drop_remainder=False), args)
    steps = math.ceil(n / b)
    setup = time.perf_counter() - t0

    # Warm-up: --warmup-steps full batches and, if the epoch ends with one,
    # a partial batch of the same size, so that fit traces both shapes now.
    t1 = time.perf_counter()
    if args.warmup_steps > 0:
        m = min(n - n % b, args.warmup_steps * b) + n % b
        warm = tb.make_dataset(pix[:m], labels[:m], b, args.augment, args.seed + 1, mean, std,
                               repeat=False, drop_remainder=False)
        model.fit(warm, epochs=1, verbose=0, shuffle=False)
    warmup = time.perf_counter() - t1
    log(f"keras: {man['model']} {args.method} data={args.data} {list(pix.shape)} augment={args.augment} batch={b} "
        f"steps/epoch={steps} intra={args.intra_op_threads} inter={args.inter_op_threads}; "
        f"set-up {setup:.1f}s, warm-up {warmup:.1f}s")
    reply({"event": "ready", "model": man["model"], "method": args.method, "augment": args.augment,
           "examples": n, "batch_size": b, "steps_per_epoch": steps, "setup_seconds": round(setup, 3),
           "warmup_seconds": round(warmup, 3), "keras": keras.__version__, "tensorflow": km.tf.__version__})

    def schedule(e, lr=None):
        return km.lr_at(args.lr, args.total_epochs, args.lr_schedule, e)

    done = 0
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd == ["quit"]:
            break
        if len(cmd) != 2 or cmd[0] != "epochs" or not cmd[1].isdigit() or int(cmd[1]) < 1:
            log(f"keras: bad command {line.strip()!r}: want 'epochs K' (K >= 1) or 'quit'")
            return 2
        k = int(cmd[1])
        timer = EpochTimer()
        hist = model.fit(ds, initial_epoch=done, epochs=done + k, verbose=0, shuffle=False,
                         callbacks=[timer, keras.callbacks.LearningRateScheduler(schedule)])
        loss, acc = hist.history["loss"][-1], hist.history["accuracy"][-1]
        if not math.isfinite(loss):
            log(f"keras: non-finite loss {loss} in epoch {done + k}")
            return 1
        reply({"event": "epochs", "first_epoch": done, "epoch_seconds": [round(s, 4) for s in timer.seconds],
               "loss": loss, "accuracy": acc, "steps": steps * k})
        done += k
    return 0


if __name__ == "__main__":
    sys.exit(main())
