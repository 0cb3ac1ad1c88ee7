"""Export a model as a SavedModel with the USEFUL training signatures.

    python python_export/export.py --model mlp3 --input-shape 28,28,1 \
        --num-classes 10 --out models/mlp3-28x28x1-c10 [--reference]

Writes the SavedModel and manifest.json (model, shapes, parameter layout, TF
version, every signature's tensor names) into --out. The folder is built in a
temporary sibling and renamed into place, so a failed export never leaves a
half-written model. --reference also writes reference/ with eager SGD and SAM
steps for the Go cross-check test.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_DETERMINISTIC_OPS", "1")

import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contract as C  # noqa: E402
import models  # noqa: E402
import reference  # noqa: E402
import serving  # noqa: E402
from module import TrainModule  # noqa: E402
from tensorflow.core.protobuf import saved_model_pb2  # noqa: E402


def _dtype_name(enum):
    return tf.dtypes.as_dtype(enum).name


def _tensor_info(info):
    shape = [-1 if d.size < 0 else int(d.size) for d in info.tensor_shape.dim]
    if info.tensor_shape.unknown_rank:
        shape = None
    return {"name": info.name, "dtype": _dtype_name(info.dtype), "shape": shape}


def signature_table(export_dir):
    """Signature -> inputs/outputs as stored in saved_model.pb."""
    sm = saved_model_pb2.SavedModel()
    with open(os.path.join(export_dir, "saved_model.pb"), "rb") as f:
        sm.ParseFromString(f.read())
    (mg,) = [m for m in sm.meta_graphs if C.TAG in m.meta_info_def.tags]
    table = {}
    for name, sig in mg.signature_def.items():
        if name.startswith("__"):
            continue
        table[name] = {"inputs": {k: _tensor_info(v) for k, v in sorted(sig.inputs.items())},
                       "outputs": {k: _tensor_info(v) for k, v in sorted(sig.outputs.items())}}
    return table


def export(model_name, input_shape, num_classes, out, with_reference=False, **options):
    model = models.build(model_name, input_shape, num_classes, **options)
    module = TrainModule(model)
    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".tmp-", dir=parent)
    try:
        tf.saved_model.save(module, tmp, signatures=module.signatures())
        serving.write_template(model, os.path.join(tmp, serving.TEMPLATE_DIR))
        manifest = {
            "format": C.MANIFEST_FORMAT,
            "model": model.name,
            "input_shape": model.input_shape,
            "num_classes": model.num_classes,
            "param_count": model.param_count(),
            "params": [{"name": p.name, "shape": p.shape, "init": p.init, "scale": p.scale} for p in model.params],
            "state": [{"name": s.name, "shape": s.shape} for s in model.state],
            "options": model.options,
            "tf_version": tf.__version__,
            "tag": C.TAG,
            "signatures": signature_table(tmp),
        }
        missing = sorted(set(C.SIGNATURES) - set(manifest["signatures"]))
        if missing:
            raise RuntimeError(f"export {out}: signatures {missing} missing after save")
        if with_reference:
            reference.write(module, tmp)
        with open(os.path.join(tmp, C.MANIFEST_FILE), "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
        if os.path.exists(out):
            old = out + ".old"
            shutil.rmtree(old, ignore_errors=True)
            os.rename(out, old)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _shape(s):
    try:
        dims = [int(x) for x in s.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--input-shape {s!r}: want comma-separated integers, e.g. 28,28,1")
    if not dims or any(d <= 0 for d in dims):
        raise argparse.ArgumentTypeError(f"--input-shape {s!r}: every dimension must be > 0")
    return dims


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, choices=sorted(models.MODELS))
    ap.add_argument("--input-shape", required=True, type=_shape)
    ap.add_argument("--num-classes", required=True, type=int)
    ap.add_argument("--out", required=True)
    ap.add_argument("--reference", action="store_true", help="also write eager reference steps")
    ap.add_argument("--filters", type=int, help="toy_cnn: number of filters J (default 40)")
    ap.add_argument("--init-scale", type=float,
                    help="toy_cnn: factor on PyTorch's default Conv1d bounds 1/sqrt(d) (default 0.1, as the paper's code)")
    ap.add_argument("--hidden", type=int, help="mlp3: hidden units (default 512)")
    ap.add_argument("--dropout", type=float, help="mlp3: dropout rate (default 0.1)")
    a = ap.parse_args(argv)
    if a.num_classes < 2:
        ap.error(f"--num-classes {a.num_classes}: want at least 2")
    opts = {k: v for k, v in (("filters", a.filters), ("init_scale", a.init_scale), ("hidden", a.hidden),
                              ("dropout", a.dropout)) if v is not None}
    try:
        m = export(a.model, a.input_shape, a.num_classes, a.out, a.reference, **opts)
    except (ValueError, TypeError) as e:
        print(f"export: {e}", file=sys.stderr)
        return 2
    print(f"exported {m['model']} {m['input_shape']} classes={m['num_classes']} "
          f"params={m['param_count']} -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
