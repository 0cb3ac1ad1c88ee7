"""Reference training steps computed eagerly in Python, for the Go cross-check.

The update rules are written again here with numpy (not taken from module.py),
on gradients from an eager tf.GradientTape over the model's forward function.
`write` stores the inputs and the expected results as raw little-endian files
plus a JSON index that graphs/ tests read.
"""

import json
import os

import numpy as np
import tensorflow as tf

REF_DIR = "reference"


def _grads(model, params, state, images, labels, weights, seed):
    ps = [tf.constant(p) for p in params]
    with tf.GradientTape() as tape:
        tape.watch(ps)
        logits, new_state = model.forward(ps, [tf.constant(s) for s in state], tf.constant(images), True,
                                          tf.constant(seed, tf.int64))
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


def sgd_step(model, params, state, bufs, batch, lr, momentum, wd, seed):
    loss, g, new_state = _grads(model, params, state, *batch, seed)
    out_p, out_b = _base_step(params, g, bufs, lr, momentum, wd)
    return loss, out_p, new_state, out_b


def sam_step(model, params, state, bufs, batch, lr, momentum, wd, rho, seed):
    loss, g1, new_state = _grads(model, params, state, *batch, seed)
    norm = np.sqrt(sum(float(np.sum(x.astype(np.float64) ** 2)) for x in g1))
    scale = np.float32(rho / (norm + 1e-12))
    pert = [(p + scale * g).astype(np.float32) for p, g in zip(params, g1)]
    _, g2, _ = _grads(model, pert, state, *batch, seed)
    out_p, out_b = _base_step(params, g2, bufs, lr, momentum, wd)
    return loss, out_p, new_state, out_b


def _batch(model, n, seed):
    rng = np.random.default_rng(seed)
    images = rng.normal(0, 1, size=[n] + model.input_shape).astype(np.float32)
    labels = rng.integers(0, model.num_classes, size=n).astype(np.int32)
    weights = np.ones(n, np.float32)
    weights[: n // 4] = 2.0  # exercise per-example weights
    return images, labels, weights


def write(module, out_dir, steps=2, batch_size=16, seed=7):
    """Run `steps` SGD steps and, from the same W0, `steps` SAM steps, eagerly,
    and write inputs and expected parameters/losses under out_dir/reference."""
    model = module.model
    module._reset(tf.constant(seed, tf.int64))
    w0 = [v.numpy() for v in module.params]
    s0 = [v.numpy() for v in module.state]
    hp = {"lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4, "rho": 0.05, "dropout_seed": 3,
          "reset_seed": seed, "steps": steps, "batch_size": batch_size}
    batches = [_batch(model, batch_size, 100 + k) for k in range(steps)]
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
    dump("params_w0", np.concatenate([p.ravel() for p in w0]), np.float32)

    losses = {}
    for method in ("sgd", "sam"):
        params, state = [p.copy() for p in w0], [s.copy() for s in s0]
        bufs = [np.zeros_like(p) for p in w0]
        losses[method] = []
        for k, b in enumerate(batches):
            seed_k = hp["dropout_seed"] + k
            if method == "sgd":
                loss, params, state, bufs = sgd_step(model, params, state, bufs, b, hp["lr"],
                                                     hp["momentum"], hp["weight_decay"], seed_k)
            else:
                loss, params, state, bufs = sam_step(model, params, state, bufs, b, hp["lr"], hp["momentum"],
                                                     hp["weight_decay"], hp["rho"], seed_k)
            losses[method].append(loss)
        dump(f"params_{method}", np.concatenate([p.ravel() for p in params]), np.float32)
        # Inference logits on the first batch after the steps (covers BN moving statistics).
        logits, _ = model.forward([tf.constant(p) for p in params], [tf.constant(s) for s in state],
                                  tf.constant(batches[0][0]), False, tf.constant(0, tf.int64))
        dump(f"logits_{method}", logits.numpy(), np.float32)

    index = {"hyperparameters": hp, "losses": losses, "files": files,
             "input_shape": model.input_shape, "num_classes": model.num_classes,
             "param_count": model.param_count()}
    with open(os.path.join(ref, "reference.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
    module._reset(tf.constant(0, tf.int64))
    return index
