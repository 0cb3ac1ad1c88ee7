"""A toy sweep on a real Slurm cluster equals the same sweep run locally; a cancelled task resumes.

Run (as root; installs Debian's slurm-wlm and munge if missing, starts the cluster with
scripts/slurm-cluster.sh and stops it at the end unless it was already running):

    .venv/bin/python -m pytest -v deploy/tests/test_slurm.py

USEFUL_PIPELINE picks the binary (default bin/useful-pipeline), USEFUL_MODELS_DIR the
SavedModels (default models/). The tests skip only where the cluster cannot run here (not
root, or Slurm cannot be installed: slurm-cluster.sh start exits 5).
"""

import os
import re
import time
from pathlib import Path

import pytest

import slurm_harness as h

# 2 seeds x sgd/sam on the toy default, shortened; one intra-op thread so that a 1-CPU Slurm
# task and the local run compute the same sums.
SWEEP = """\
base: {{dataset: toy, epochs: 100, toy_n: 2000, threads: 1, models_dir: "{models}"}}
axes: {{seed: [0, 1], method: [sgd, sam]}}
"""
SWEEP_TIMEOUT = 1800  # seconds for a whole sweep on Slurm


@pytest.fixture(scope="module")
def cluster():
    """SLURM_CONF-carrying environment of the local cluster; started here and stopped after, unless already up."""
    script = ["bash", h.CLUSTER_SCRIPT]
    started = False
    if h.run([*script, "status"]).returncode != 0:
        r = h.run([*script, "start"], timeout=900)
        if r.returncode == h.CANNOT_RUN_HERE:
            pytest.skip(f"Slurm cannot run here: {r.stderr.strip()}")
        assert r.returncode == 0, f"slurm-cluster.sh start exit {r.returncode}\n{r.stdout}\n{r.stderr}"
        started = True
    try:
        yield h.slurm_env()
    finally:
        if started:
            r = h.run([*script, "stop"])
            assert r.returncode == 0, f"slurm-cluster.sh stop exit {r.returncode}: {r.stderr}"


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    """The toy sweep file."""
    assert os.access(h.binary(), os.X_OK), f"{h.binary()} is not an executable: build it (make build) or set USEFUL_PIPELINE"
    assert Path(h.models_dir(), "toy_cnn-3x50-c2").is_dir(), f"{h.models_dir()}/toy_cnn-3x50-c2 is missing: make models"
    p = tmp_path_factory.mktemp("sweep") / "toy.yaml"
    p.write_text(SWEEP.format(models=h.models_dir()))
    return p


@pytest.fixture(scope="module")
def local(sweep_file, tmp_path_factory):
    """The reference: the same sweep with `sweep run --all` + `aggregate` in this process's machine, no Slurm.

    Returns (root, [cell ids in index order]).
    """
    root = tmp_path_factory.mktemp("local") / "root"
    cells = h.plan(sweep_file, root)
    assert len(cells) == 4, cells
    r = h.run([h.binary(), "sweep", "run", sweep_file, "--root", root, "--all"], timeout=3600)
    assert r.returncode == 0, f"sweep run --all exit {r.returncode}: {r.stderr[-3000:]}"
    for _, cid in cells:
        assert re.search(rf"^cell={re.escape(cid)} .*test_error_pct=", r.stdout, re.M), f"no Katib line for {cid}:\n{r.stdout}"
    r = h.run([h.binary(), "aggregate", "--root", root])
    assert r.returncode == 0, f"aggregate exit {r.returncode}: {r.stderr}"
    h.assert_summary_complete(root, [cid for _, cid in cells])
    return root, [cid for _, cid in cells]


def test_sweep_on_slurm_equals_local(cluster, sweep_file, local, tmp_path):
    ref_root, cells = local
    root = tmp_path / "slurm"
    array_id, agg_id = h.submit(cluster, sweep_file, root, "--limit", "2")
    h.wait_gone_from_queue(cluster, [array_id, agg_id], SWEEP_TIMEOUT)

    tasks = h.job_records(cluster, array_id)
    assert sorted(int(t["ArrayTaskId"]) for t in tasks) == list(range(len(cells))), tasks
    for t in tasks:
        assert (t["JobState"], t["ExitCode"]) == ("COMPLETED", "0:0"), t
    (agg,) = h.job_records(cluster, agg_id)
    assert (agg["JobState"], agg["ExitCode"]) == ("COMPLETED", "0:0"), agg
    assert agg["Dependency"] == "(null)"  # the dependency was met, not dropped

    for i, cid in enumerate(cells):
        log = (root / "logs" / f"useful-sweep-{array_id}_{i}.out").read_text()
        assert re.search(rf"^cell={re.escape(cid)} .*test_error_pct=", log, re.M), f"task {i}: no Katib line for {cid}:\n{log[-2000:]}"
    h.assert_summary_complete(root, cells)
    h.assert_same_results(root, ref_root, cells)


def test_cancelled_task_resumes_to_same_summary(cluster, sweep_file, local, tmp_path):
    ref_root, cells = local
    root = tmp_path / "slurm-cancel"
    victim = 1
    cell_dir = root / cells[victim]
    array_id, agg_id = h.submit(cluster, sweep_file, root, "--limit", "2")

    # Cancel task 1 once its cell has completed the probe stage (mid-run: retraining follows).
    probe_record = cell_dir / "stages" / "probe.json"
    deadline = time.monotonic() + SWEEP_TIMEOUT
    while not probe_record.exists():
        assert time.monotonic() < deadline, f"{probe_record} never appeared"
        assert not (cell_dir / "metrics.json").exists(), "the cell finished before the test saw its probe record"
        time.sleep(0.1)
    r = h.run(["scancel", f"{array_id}_{victim}"], env=cluster)
    assert r.returncode == 0, r.stderr
    rec = h.wait_task_left(cluster, array_id, victim, ("RUNNING", "COMPLETING"), 120)
    assert rec["JobState"] == "CANCELLED", rec
    assert not (cell_dir / "metrics.json").exists(), "the cancelled cell has a metrics.json: it was not cut mid-run"
    probe_bytes, probe_mtime = probe_record.read_bytes(), probe_record.stat().st_mtime_ns

    # The aggregate still runs (afterany) and reports the missing cell: exit 3.
    h.wait_gone_from_queue(cluster, [array_id, agg_id], SWEEP_TIMEOUT)
    (agg,) = h.job_records(cluster, agg_id)
    assert (agg["JobState"], agg["ExitCode"]) == ("FAILED", "3:0"), agg
    agg_log = (root / "logs" / f"useful-aggregate-{agg_id}.out").read_text()
    assert cells[victim] in agg_log, f"the aggregate did not name the missing cell {cells[victim]}:\n{agg_log}"

    # Resubmit that index: the cell resumes (its probe is not redone) and the summary is complete.
    array2, agg2 = h.submit(cluster, sweep_file, root, "--indices", str(victim))
    h.wait_gone_from_queue(cluster, [array2, agg2], SWEEP_TIMEOUT)
    (task,) = h.job_records(cluster, array2)
    assert (task["ArrayTaskId"], task["JobState"], task["ExitCode"]) == (str(victim), "COMPLETED", "0:0"), task
    (agg,) = h.job_records(cluster, agg2)
    assert (agg["JobState"], agg["ExitCode"]) == ("COMPLETED", "0:0"), agg
    assert probe_record.read_bytes() == probe_bytes and probe_record.stat().st_mtime_ns == probe_mtime, \
        "the resubmitted task redid the probe instead of resuming"
    h.assert_summary_complete(root, cells)
    h.assert_same_results(root, ref_root, cells)


@pytest.mark.parametrize("args,message", [
    (["--limit", "0", "f.yaml", "root"], "--limit must be a positive integer, got '0'"),
    (["--gpus", "7", "f.yaml", "root"], "--gpus must be auto, 0 or 1, got '7'"),
    (["--indices", "1;2", "f.yaml", "root"], "--indices must look like 1 or 1,3 or 0-2, got '1;2'"),
    (["--frobnicate", "f.yaml", "root"], "unknown option --frobnicate"),
    (["f.yaml"], "expected FILE and ROOT"),
    (["/nonexistent/sweep.yaml", "root"], "sweep file /nonexistent/sweep.yaml: no such file"),
])
def test_submit_refuses_bad_arguments(args, message, tmp_path):
    # Checked before any Slurm command is needed: no cluster here.
    r = h.run(["bash", h.SUBMIT, *args], cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, (r.returncode, r.stderr)
    assert list(tmp_path.iterdir()) == []


def test_submit_refuses_a_bad_sweep_or_index_and_submits_nothing(cluster, sweep_file, tmp_path):
    def queued():
        return h.run(["squeue", "-h", "-o", "%i"], env=cluster).stdout.split()

    before = queued()
    bad = tmp_path / "bad.yaml"
    bad.write_text("base: {dataset: toy}\naxes: {seed: []}\n")  # an empty axis
    r = h.run(["bash", h.SUBMIT, bad, tmp_path / "root-bad"], env=cluster)
    assert r.returncode == 2 and "nothing submitted" in r.stderr, r.stderr
    assert not (tmp_path / "root-bad" / "logs").exists()
    r = h.run(["bash", h.SUBMIT, "--indices", "4", sweep_file, tmp_path / "root-index"], env=cluster)
    assert r.returncode == 2 and "task 4 is out of range (the sweep has 4 tasks, 0-3)" in r.stderr, r.stderr
    assert not (tmp_path / "root-index" / "logs").exists()
    assert queued() == before
