"""TensorFlow Python side of export_test.go: the accuracy of an exported
model on a test set, through tf.saved_model.load(...).signatures
["serving_default"], and the signatures saved_model_cli lists.

    export_accuracy.py MODEL_DIR IMAGES.f32 LABELS.i32 H,W,C

IMAGES.f32 holds the raw test inputs (pixel levels 0..255 for image data, the
toy's values as they are), little-endian float32, N x H x W x C; LABELS.i32 the
N labels. Prints JSON {"correct": k, "n": N, "signatures": [...], "functions": [...]}.
"""

import json
import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def main(model_dir, images, labels, shape):
    shape = [int(s) for s in shape.split(",")]
    x = np.fromfile(images, dtype="<f4").reshape([-1] + shape)
    y = np.fromfile(labels, dtype="<i4")
    fn = tf.saved_model.load(model_dir).signatures["serving_default"]
    correct = 0
    for lo in range(0, len(y), 1000):
        logits = fn(images=tf.constant(x[lo : lo + 1000]))["logits"].numpy()
        correct += int((logits.argmax(axis=1) == y[lo : lo + 1000]).sum())
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    show = subprocess.run([cli, "show", "--dir", model_dir, "--all"], capture_output=True, text=True, check=True).stdout
    sigs = [line.split("'")[1] for line in show.splitlines() if line.startswith("signature_def['")]
    print(json.dumps({"correct": correct, "n": int(len(y)), "signatures": sigs, "show": show}))


if __name__ == "__main__":
    main(*sys.argv[1:])
