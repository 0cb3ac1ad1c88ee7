"""Reads every run (subfolder) of a log folder with tensorboard's own readers.

    .venv/bin/python graphs/events/testdata/tb_read.py LOGDIR > out.json

Prints one JSON object:
  versions:        tensorboard, tensorflow and tensorboard-data-server versions;
  accumulator:     per run, what event_accumulator.EventAccumulator (size_guidance 0 =
                   keep everything) returns: file_version, its tag lists, and for each
                   tensor tag the [step, value, plugin_name] of Tensors(tag);
  python_provider: per run and tag, [step, value] of MultiplexerDataProvider.read_scalars
                   (what `tensorboard --load_fast=false` serves to the scalar dashboard);
  rust_provider:   the same from the Rust data server through GrpcDataProvider (what the
                   default `tensorboard --load_fast=auto` serves).
Values are float.hex() strings (exact; "nan", "inf" and "-inf" included).
Used by graphs/events/tensorboard_test.go.
"""

import json
import os
import sys
import time

from tensorboard.backend.event_processing import data_provider as mdp
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.backend.event_processing import plugin_event_multiplexer as pem
from tensorboard.compat import tf
from tensorboard import context
from tensorboard.data import grpc_provider, server_ingester
from tensorboard.util import grpc_util, tensor_util
import tensorboard

ALL = 0  # size guidance: keep every point
MANY = 1 << 30  # downsample: at most this many points


def value(x):
    return float(x).hex()


def accumulate(path):
    acc = ea.EventAccumulator(path, size_guidance={ea.TENSORS: ALL, ea.SCALARS: ALL})
    acc.Reload()
    tags = acc.Tags()
    out = {
        "file_version": acc.file_version,
        "tensor_tags": sorted(tags[ea.TENSORS]),
        "scalar_tags": sorted(tags[ea.SCALARS]),
        "points": {},
    }
    for tag in tags[ea.TENSORS]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        out["points"][tag] = [
            [e.step, value(tensor_util.make_ndarray(e.tensor_proto).item()), plugin]
            for e in acc.Tensors(tag)
        ]
    return out


def provider_points(provider):
    res = provider.read_scalars(
        context.RequestContext(), experiment_id="", plugin_name="scalars", downsample=MANY
    )
    return {
        run: {tag: [[d.step, value(d.value)] for d in data] for tag, data in tags.items()}
        for run, tags in res.items()
    }


def python_provider(logdir):
    mux = pem.EventMultiplexer(tensor_size_guidance={"scalars": ALL})
    mux.AddRunsFromDirectory(logdir)
    mux.Reload()
    return provider_points(mdp.MultiplexerDataProvider(mux, logdir))


def rust_provider(logdir):
    ingester = server_ingester.SubprocessServerDataIngester(
        server_ingester.get_server_binary(),
        logdir,
        reload_interval=0,  # --reload=once
        channel_creds_type=grpc_util.ChannelCredsType.LOCAL,
        samples_per_plugin={"scalars": ALL},
    )
    ingester.start()
    provider = ingester.data_provider
    # The server answers before its single load has finished: poll until it
    # lists every run folder and two scalar reads half a second apart agree.
    runs = {d for d in os.listdir(logdir) if os.path.isdir(os.path.join(logdir, d))}
    last, deadline = None, time.time() + 60
    while time.time() < deadline:
        listed = {r.run_name for r in provider.list_runs(context.RequestContext(), experiment_id="")}
        got = provider_points(provider)
        if got == last and runs <= listed:
            return got
        last = got
        time.sleep(0.5)
    raise SystemExit("tb_read.py: the Rust data server did not list every run within 60 s")


def main():
    logdir = sys.argv[1]
    import tensorboard_data_server

    out = {
        "versions": {
            "tensorboard": tensorboard.__version__,
            "tensorflow": tf.__version__,
            "data_server": tensorboard_data_server.__version__,
        },
        "accumulator": {
            run: accumulate(os.path.join(logdir, run))
            for run in sorted(os.listdir(logdir))
            if os.path.isdir(os.path.join(logdir, run))
        },
        "python_provider": python_provider(logdir),
        "rust_provider": rust_provider(logdir),
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
