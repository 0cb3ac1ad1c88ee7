"""Writes the golden event file tf2.18/events.out.tfevents.* with TensorFlow itself.

Run from the repository root (it replaces the folder's event file):

    rm -f graphs/events/testdata/tf2.18/events.out.tfevents.*
    .venv/bin/python graphs/events/testdata/make_golden.py graphs/events/testdata/tf2.18

The values are GOLDEN in golden_test.go; keep the two in step.
"""

import sys

import tensorflow as tf

# (step, tag, value) in the order they are written; the same list is in golden_test.go.
GOLDEN = [
    (0, "accuracy", 0.1),
    (0, "loss", 2.302585092994046),
    (1, "accuracy", 0.5),
    (1, "loss", -1.5),
    (2, "learning_rate", 1e-08),
    (2, "loss", 16777217.0),
    (-3, "images_per_s", 12345.678),
]


def main():
    writer = tf.summary.create_file_writer(sys.argv[1])
    with writer.as_default():
        for step, tag, value in GOLDEN:
            tf.summary.scalar(tag, value, step=step)
    writer.close()


if __name__ == "__main__":
    main()
