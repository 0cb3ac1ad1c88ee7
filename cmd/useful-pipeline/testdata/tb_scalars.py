"""Reads the TensorBoard event files of one run folder with tensorboard's own
EventAccumulator and prints {tag: [[step, value], ...]} as JSON (values as
float.hex() strings, exact). Used by tensorboard_test.go:

    .venv/bin/python cmd/useful-pipeline/testdata/tb_scalars.py RUN_DIR/tb/sgd+useful
"""

import json
import sys

from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.util import tensor_util

acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.TENSORS: 0})
acc.Reload()
out = {
    tag: [[e.step, float(tensor_util.make_ndarray(e.tensor_proto).item()).hex()] for e in acc.Tensors(tag)]
    for tag in acc.Tags()[ea.TENSORS]
}
json.dump(out, sys.stdout, sort_keys=True)
