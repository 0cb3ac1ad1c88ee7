"""Take-off of the toy model under full-batch GD and SAM, measured in Python.

    python python_export/toy_takeoff.py --seeds 0,1,2 --iterations 1500

Draws the toy distribution of the paper (Definition 3.1, Section 5.1) with the
conventions of dataset/toy/toy.go (v_e = e_0, v_d = e_1; label y uniform in
{-1, +1}; one patch beta_e*y*v_e with probability alpha, else zeros; one patch
beta_d*y*v_d; the other P-2 patches N(0, noise^2) on coordinates 2..d-1;
patch order shuffled per example), with numpy's generator instead of Go's PCG
(same distribution, other draws). It trains toy_cnn (models.ToyCNN, reset to
W0 by the exported reset rule) with the module's own train_sgd / train_sam
steps on the whole training set (momentum 0, weight decay 0) and prints, per
method and seed, the first iteration at which the training loss falls below
0.99 log 2 and below log(2)/2, the feature curves
G_e, G_d = max(max_{j >= J/2} W[v, j], max_{j < J/2} -W[v, j]) at a few
iterations, and the test accuracy (all, and on the examples without the fast
feature) after --eval-at iterations and at the end. --csv writes every
iteration.
"""

import argparse
import math
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract as C  # noqa: E402
import models  # noqa: E402
from module import TrainModule  # noqa: E402


def toy_data(n, d, p, beta_e, beta_d, alpha, noise, rng):
    """n examples [n, p, d], labels in {0, 1} (0 is y = -1) and has_fast."""
    x = np.zeros([n, p, d], np.float32)
    labels = rng.integers(0, 2, size=n).astype(np.int32)
    y = 2.0 * labels - 1.0
    has_fast = rng.random(n) < alpha
    for i in range(n):
        perm = rng.permutation(p)
        if has_fast[i]:
            x[i, perm[0], 0] = beta_e * y[i]
        x[i, perm[1], 1] = beta_d * y[i]
        for q in perm[2:]:
            x[i, q, 2:] = rng.normal(0.0, noise, size=d - 2)
    return x, labels, has_fast


def features(w):
    """(G_e, G_d) of the two-bank filters w [d, J] (see models.ToyCNN)."""
    half = w.shape[1] // 2
    return tuple(float(max(w[row, half:].max(), (-w[row, :half]).max())) for row in (0, 1))


def first_below(losses, level):
    for t, v in enumerate(losses):
        if v < level:
            return t + 1
    return None


def run(method, seed, a):
    rng = np.random.default_rng([seed, 17])
    xtr, ytr, _ = toy_data(a.n, a.d, 3, 1.0, a.beta_d, 0.9, 0.125, rng)
    xte, yte, fte = toy_data(a.n, a.d, 3, 1.0, a.beta_d, 0.9, 0.125, rng)
    mod = TrainModule(models.build("toy_cnn", [3, a.d], 2, init_scale=a.init_scale))
    mod.reset(tf.constant(seed, tf.int64))
    ones = np.ones(a.n, np.float32)
    losses, curves, accs = [], [], {}

    def accuracy():
        pred = np.argmax(mod.predict(xte)[C.LOGITS].numpy(), axis=1)
        return 100.0 * np.mean(pred == yte), 100.0 * np.mean(pred[~fte] == yte[~fte])

    for t in range(a.iterations):
        if t in a.eval_at:
            accs[t] = accuracy()
        curves.append(features(mod.params[0].numpy()))
        s = tf.constant(t, tf.int64)
        if method == "gd":
            out = mod.train_sgd(xtr, ytr, ones, a.lr, 0.0, 0.0, s)
        else:
            out = mod.train_sam(xtr, ytr, ones, a.lr, 0.0, 0.0, a.rho, s)
        losses.append(float(out[C.LOSS]))
    accs[a.iterations] = accuracy()
    return losses, curves, accs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--iterations", type=int, default=1500)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--d", type=int, default=50)
    ap.add_argument("--beta-d", type=float, default=0.2)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--rho", type=float, default=0.02)
    ap.add_argument("--init-scale", type=float, default=0.1)
    ap.add_argument("--methods", default="gd,sam")
    ap.add_argument("--eval-at", default="600", help="also report test accuracy after these iterations")
    ap.add_argument("--csv", help="write iteration,method,seed,loss,G_e,G_d here")
    a = ap.parse_args(argv)
    a.eval_at = {int(t) for t in a.eval_at.split(",") if t}
    rows = []
    for method in a.methods.split(","):
        for seed in (int(s) for s in a.seeds.split(",")):
            losses, curves, accs = run(method, seed, a)
            t1, t2 = first_below(losses, 0.99 * math.log(2)), first_below(losses, 0.5 * math.log(2))
            pts = " ".join(f"{t}:{curves[t - 1][0]:.3f}/{curves[t - 1][1]:.3f}"
                           for t in (1, 100, 200, 300, 400, 500, 600, a.iterations) if t <= a.iterations)
            acc = " ".join(f"{t}:{v[0]:.2f}%/{v[1]:.2f}%" for t, v in sorted(accs.items()))
            print(f"{method} seed {seed} beta_d {a.beta_d}: loss < 0.99 log2 at {t1}, < log2/2 at {t2}; "
                  f"final loss {losses[-1]:.4f}; test acc all/no-fast-feature after {acc}; "
                  f"G_e/G_d {pts}", flush=True)
            rows += [(t + 1, method, seed, losses[t], *curves[t]) for t in range(len(losses))]
    if a.csv:
        with open(a.csv, "w") as f:
            f.write("iteration,method,seed,loss,G_e,G_d\n")
            for r in rows:
                f.write("%d,%s,%d,%.6g,%.6g,%.6g\n" % r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
