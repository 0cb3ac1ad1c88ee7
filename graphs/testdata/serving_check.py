"""Independent check of serving models for graphs/export_test.go, in
TensorFlow Python: for each job, runs tf.saved_model.load(serving).signatures
["serving_default"] on raw images and the training SavedModel's evaluate
signature (after restore(ckpt)) on the same images normalised by Go.

    serving_check.py JOBS.json

JOBS.json is a list of {"serving", "raw", "n", "out", "train", "ckpt",
"norm"}; raw and norm are little-endian float32 files. Writes to each job's
out folder: serving_logits.f32, serving_probs.f32, eval_logits.f32 and
check.json (the signature names and class-name asset of the serving model).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def check(job):
    n, out = job["n"], job["out"]
    info = json.load(open(os.path.join(job["serving"], "assets.extra", "export.json")))
    shape = [n] + info["input_shape"]
    loaded = tf.saved_model.load(job["serving"])
    res = loaded.signatures["serving_default"](images=tf.constant(np.fromfile(job["raw"], "<f4").reshape(shape)))
    res["logits"].numpy().astype("<f4").tofile(os.path.join(out, "serving_logits.f32"))
    res["probabilities"].numpy().astype("<f4").tofile(os.path.join(out, "serving_probs.f32"))
    train = tf.saved_model.load(job["train"])
    train.signatures["restore"](path=tf.constant(job["ckpt"]))
    x = tf.constant(np.fromfile(job["norm"], "<f4").reshape(shape))
    ev = train.signatures["evaluate"](images=x, labels=tf.zeros([n], tf.int32))
    ev["logits"].numpy().astype("<f4").tofile(os.path.join(out, "eval_logits.f32"))
    with open(os.path.join(out, "check.json"), "w") as f:
        json.dump({"signatures": sorted(loaded.signatures),
                   "class_names_asset": os.path.basename(loaded.class_names.asset_path.numpy().decode())}, f)


if __name__ == "__main__":
    for j in json.load(open(sys.argv[1])):
        check(j)
