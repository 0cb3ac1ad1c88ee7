"""TensorFlow Python side of predict/predict_test.go: decodes every PNG of a
folder with tf.io.decode_png, runs tf.saved_model.load(model).signatures
["serving_default"] on them in one batch, and writes the probabilities.

    predict_check.py MODEL_DIR PNG_DIR OUT.json

OUT.json: {"files": [base names, sorted], "probabilities": [[...], ...]}.
"""

import glob
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import tensorflow as tf  # noqa: E402


def main(model_dir, png_dir, out):
    info = json.load(open(os.path.join(model_dir, "assets.extra", "export.json")))
    channels = info["input_shape"][-1]
    files = sorted(glob.glob(os.path.join(png_dir, "*.png")))
    x = tf.cast(tf.stack([tf.io.decode_png(tf.io.read_file(f), channels=channels) for f in files]), tf.float32)
    probs = tf.saved_model.load(model_dir).signatures["serving_default"](images=x)["probabilities"]
    with open(out, "w") as f:
        json.dump({"files": [os.path.basename(p) for p in files], "probabilities": probs.numpy().tolist()}, f)


if __name__ == "__main__":
    main(*sys.argv[1:])
