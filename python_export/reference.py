"""Reference training steps computed eagerly in Python, for the Go cross-check.

The update rules (SGD, SAM, ASAM, each with integer or soft labels) are
written again here with numpy (not taken from module.py), on gradients from an
eager tf.GradientTape over the model's forward function. `write` stores the
inputs and the expected results as raw little-endian files plus a JSON index
that graphs/ tests read.
"""

import json
import os

import numpy as np
import tensorflow as tf

REF_DIR = "reference"


# PyTorch parameter name that each of our parameter-name leaves stands for;
# the official ASAM (SamsungLabs/ASAM asam.py) rescales by |w| + eta exactly
# the parameters whose PyTorch name contains "weight".
TORCH_NAME = {"kernel": "weight", "gamma": "weight", "filters": "weight", "bias": "bias", "beta": "bias",
              "cls_token": "cls_token", "pos_embedding": "pos_embedding"}
ASAM_ETA = 0.01


def official_asam_rule(param_name):
    """True if official ASAM rescales this parameter (its PyTorch name has "weight")."""
    return "weight" in TORCH_NAME[param_name.rsplit("/", 1)[-1]]


def second_pass_seed(seed):
    """The dropout seed of SAM's second forward pass: seed XOR
    0x9E3779B97F4A7C15 in two's-complement 64-bit arithmetic."""
    x = (int(seed) ^ 0x9E3779B97F4A7C15) & (2 ** 64 - 1)
    return x - 2 ** 64 if x >= 2 ** 63 else x


def _grads(model, params, state, images, labels, weights, seed, soft=False):
    """Loss, gradients and new state; labels are integer labels or, when soft,
    the targets [N, C] (CE = -sum_k t_k log softmax_k)."""
    ps = [tf.constant(p) for p in params]
    with tf.GradientTape() as tape:
        tape.watch(ps)
        logits, new_state = model.forward(ps, [tf.constant(s) for s in state], tf.constant(images), True,
                                          tf.constant(seed, tf.int64))
        if soft:
            logp = tf.nn.log_softmax(logits)
            ce = -tf.reduce_sum(tf.constant(labels) * logp, axis=1)
        else:
            ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(labels), logits=logits)
        loss = tf.reduce_sum(tf.constant(weights) * ce) / np.float32(len(labels))
    g = tape.gradient(loss, ps)
    return float(loss.numpy()), [x.numpy() for x in g], [s.numpy() for s in new_state]


def _base_step(params, grads, bufs, lr, momentum, wd):
    """PyTorch SGD: coupled decay, then momentum, then the step (float32)."""
    out_p, out_b = [], []
    for p, gi, b in zip(params, grads, bufs):
        gi = gi + np.float32(wd) * p
        nb = np.float32(momentum) * b + gi
        out_b.append(nb.astype(np.float32))
        out_p.append((p - np.float32(lr) * nb).astype(np.float32))
    return out_p, out_b


def sgd_step(model, params, state, bufs, batch, lr, momentum, wd, seed, soft=False):
    loss, g, new_state = _grads(model, params, state, *batch, seed, soft)
    out_p, out_b = _base_step(params, g, bufs, lr, momentum, wd)
    return loss, out_p, new_state, out_b


def asam_step(model, params, state, bufs, batch, lr, momentum, wd, rho, seed, adaptive=None, soft=False):
    """One ASAM step (Kwon et al. 2021, as SamsungLabs/ASAM asam.py):
    T = |w| + eta on "weight" parameters (1 elsewhere), e = rho T^2 g / ||T g||,
    g2 = grad at w + e on the same batch with a fresh dropout mask (seed
    second_pass_seed(seed)) and the first pass's batch-norm statistics, then
    PyTorch SGD with coupled weight decay at w. adaptive None means the
    official rule; all False gives SAM (sam_step)."""
    if adaptive is None:
        adaptive = [official_asam_rule(p.name) for p in model.params]
    loss, g1, new_state = _grads(model, params, state, *batch, seed, soft)
    t = [(np.abs(p) + np.float32(ASAM_ETA)).astype(np.float32) if a else None for p, a in zip(params, adaptive)]
    tg = [g if ti is None else (ti * g).astype(np.float32) for ti, g in zip(t, g1)]
    norm = np.sqrt(sum(float(np.sum(x.astype(np.float64) ** 2)) for x in tg))
    scale = np.float32(rho / (norm + 1e-12))
    pert = [(p + scale * (x if ti is None else ti * x)).astype(np.float32) for p, ti, x in zip(params, t, tg)]
    _, g2, _ = _grads(model, pert, state, *batch, second_pass_seed(seed), soft)
    out_p, out_b = _base_step(params, g2, bufs, lr, momentum, wd)
    return loss, out_p, new_state, out_b


def sam_step(model, params, state, bufs, batch, lr, momentum, wd, rho, seed, soft=False):
    """One SAM step (Foret et al. 2021, as davda54/sam): e = rho g / ||g||."""
    return asam_step(model, params, state, bufs, batch, lr, momentum, wd, rho, seed,
                     adaptive=[False] * len(params), soft=soft)


def _targets(labels, num_classes, seed):
    """MixUp-like soft targets: each row mixes the one-hot label with another
    example's by its own lambda in [0, 1]."""
    rng = np.random.default_rng(seed)
    eye = np.eye(num_classes, dtype=np.float32)
    lam = rng.uniform(0, 1, size=[len(labels), 1]).astype(np.float32)
    other = labels[rng.permutation(len(labels))]
    return (lam * eye[labels] + (1 - lam) * eye[other]).astype(np.float32)


def _batch(model, n, seed):
    rng = np.random.default_rng(seed)
    images = rng.normal(0, 1, size=[n] + model.input_shape).astype(np.float32)
    labels = rng.integers(0, model.num_classes, size=n).astype(np.int32)
    weights = np.ones(n, np.float32)
    weights[: n // 4] = 2.0  # exercise per-example weights
    return images, labels, weights


METHODS = ("sgd", "sam", "asam", "sgd_soft", "sam_soft", "asam_soft")


def write(module, out_dir, steps=2, batch_size=16, seed=7):
    """Run `steps` steps of every method of METHODS from the same W0, eagerly,
    and write inputs and expected parameters/losses under out_dir/reference.
    The soft methods train on targets_k, the others on labels_k."""
    model = module.model
    module._reset(tf.constant(seed, tf.int64))
    w0 = [v.numpy() for v in module.params]
    s0 = [v.numpy() for v in module.state]
    hp = {"lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4, "rho": 0.05, "dropout_seed": 3,
          "reset_seed": seed, "steps": steps, "batch_size": batch_size}
    batches = [_batch(model, batch_size, 100 + k) for k in range(steps)]
    targets = [_targets(b[1], model.num_classes, 300 + k) for k, b in enumerate(batches)]
    ref = os.path.join(out_dir, REF_DIR)
    os.makedirs(ref, exist_ok=True)
    files = {}

    def dump(name, arr, dtype):
        fn = name + (".f32" if dtype == np.float32 else ".i32")
        np.ascontiguousarray(arr, dtype=dtype).tofile(os.path.join(ref, fn))
        files[name] = fn

    for k, (im, lab, w) in enumerate(batches):
        dump(f"images_{k}", im, np.float32)
        dump(f"labels_{k}", lab, np.int32)
        dump(f"weights_{k}", w, np.float32)
        dump(f"targets_{k}", targets[k], np.float32)
    dump("params_w0", np.concatenate([p.ravel() for p in w0]), np.float32)

    losses = {}
    for method in METHODS:
        base, soft = method.split("_")[0], method.endswith("_soft")
        params, state = [p.copy() for p in w0], [s.copy() for s in s0]
        bufs = [np.zeros_like(p) for p in w0]
        losses[method] = []
        for k, (im, lab, w) in enumerate(batches):
            b = (im, targets[k] if soft else lab, w)
            seed_k = hp["dropout_seed"] + k
            args = (model, params, state, bufs, b, hp["lr"], hp["momentum"], hp["weight_decay"])
            if base == "sgd":
                loss, params, state, bufs = sgd_step(*args, seed_k, soft=soft)
            elif base == "sam":
                loss, params, state, bufs = sam_step(*args, hp["rho"], seed_k, soft=soft)
            else:
                loss, params, state, bufs = asam_step(*args, hp["rho"], seed_k, soft=soft)
            losses[method].append(loss)
        dump(f"params_{method}", np.concatenate([p.ravel() for p in params]), np.float32)
        # Inference logits on the first batch after the steps (covers BN moving statistics).
        logits, _ = model.forward([tf.constant(p) for p in params], [tf.constant(s) for s in state],
                                  tf.constant(batches[0][0]), False, tf.constant(0, tf.int64))
        dump(f"logits_{method}", logits.numpy(), np.float32)

    index = {"hyperparameters": hp, "losses": losses, "files": files, "methods": list(METHODS),
             "input_shape": model.input_shape, "num_classes": model.num_classes,
             "param_count": model.param_count()}
    with open(os.path.join(ref, "reference.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
    module._reset(tf.constant(0, tf.int64))
    return index
