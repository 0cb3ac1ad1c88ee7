"""Helpers for the Slurm tests: the local cluster, submit.sh, waiting on jobs, comparing results.

The cluster is the one scripts/slurm-cluster.sh starts; clients reach it through SLURM_CONF.
"""

import json
import os
import re
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLUSTER_SCRIPT = REPO / "scripts" / "slurm-cluster.sh"
SUBMIT = REPO / "deploy" / "slurm" / "submit.sh"

# scripts/slurm-cluster.sh start: exit status when the cluster cannot run here.
CANNOT_RUN_HERE = 5

# Keys whose values legitimately differ between two runs of the same cell (wall-clock times,
# ratios of them, dates, hosts); compare_json ignores them.
VOLATILE_KEY = re.compile(r"second|time|duration|elapsed|date|host|pid|created|started|finished", re.I)


def binary():
    """The useful-pipeline binary under test: $USEFUL_PIPELINE, else the repo's bin/useful-pipeline."""
    return os.environ.get("USEFUL_PIPELINE", str(REPO / "bin" / "useful-pipeline"))


def models_dir():
    """The SavedModels folder the sweep uses: $USEFUL_MODELS_DIR, else the repo's models/."""
    return os.environ.get("USEFUL_MODELS_DIR", str(REPO / "models"))


def run(args, env=None, cwd=REPO, timeout=600):
    """Runs args, returning the CompletedProcess (text output captured, never raising on exit status)."""
    return subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def slurm_env():
    """os.environ plus SLURM_CONF of the local cluster (as `slurm-cluster.sh env` prints it)."""
    out = run(["bash", CLUSTER_SCRIPT, "env"]).stdout.strip()
    m = re.fullmatch(r"export SLURM_CONF=(\S+)", out)
    assert m, f"slurm-cluster.sh env printed {out!r}"
    return dict(os.environ, SLURM_CONF=m.group(1))


def submit(env, file, root, *options):
    """Runs deploy/slurm/submit.sh [options] file root; returns (array job id, aggregate job id)."""
    r = run(["bash", SUBMIT, *options, file, root], env=env)
    assert r.returncode == 0, f"submit.sh exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    array = re.search(r"^array job (\d+)$", r.stdout, re.M)
    agg = re.search(r"^aggregate job (\d+) ", r.stdout, re.M)
    assert array and agg, f"submit.sh printed no job ids:\n{r.stdout}"
    return array.group(1), agg.group(1)


def job_records(env, job_id):
    """`scontrol show job -o JOB` as one dict per record (an array job: one per task)."""
    r = run(["scontrol", "show", "job", "-o", job_id], env=env)
    assert r.returncode == 0, f"scontrol show job {job_id}: {r.stderr}"
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in r.stdout.splitlines() if line.strip()]


def task_record(env, array_id, index):
    """The record of task index of array job array_id."""
    for rec in job_records(env, array_id):
        if rec.get("ArrayTaskId") == str(index):
            return rec
    raise AssertionError(f"array job {array_id} has no task {index}: {job_records(env, array_id)}")


# Job states after which a job does nothing more (squeue may still list them for a while).
ENDED = {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED"}


def wait_gone_from_queue(env, job_ids, timeout):
    """Waits until every job of job_ids (array tasks included) has ended."""
    deadline = time.monotonic() + timeout
    while True:
        r = run(["squeue", "-h", "-j", ",".join(job_ids), "-o", "%i %T"], env=env)
        if r.returncode != 0 and "Invalid job id" not in r.stderr:
            raise AssertionError(f"squeue: {r.stderr}")
        live = [line for line in r.stdout.splitlines() if line.split()[-1] not in ENDED]
        if not live:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"jobs {job_ids} still queued after {timeout}s:\n{r.stdout}")
        time.sleep(2)


def wait_task_left(env, array_id, index, states, timeout):
    """Waits until task index of array_id is in none of states; returns its record."""
    deadline = time.monotonic() + timeout
    while True:
        rec = task_record(env, array_id, index)
        if rec["JobState"] not in states:
            return rec
        assert time.monotonic() < deadline, f"task {array_id}_{index} still {rec['JobState']} after {timeout}s"
        time.sleep(0.5)


def plan(file, root):
    """`useful-pipeline sweep plan FILE --root ROOT`: the cells as [(index, id)], checked against `cells: N`."""
    r = run([binary(), "sweep", "plan", file, "--root", root])
    assert r.returncode == 0, f"sweep plan exit {r.returncode}: {r.stderr}"
    cells = [(int(m.group(1)), m.group(2)) for m in re.finditer(r"^\s*(\d+)\s+(\S+)", r.stdout, re.M)]
    n = re.search(r"^cells: (\d+)$", r.stdout, re.M)
    assert n and int(n.group(1)) == len(cells) and [i for i, _ in cells] == list(range(len(cells))), r.stdout
    return cells


def normalised(value, root):
    """value (parsed JSON) without VOLATILE_KEY keys, with the string root replaced by <ROOT>."""
    if isinstance(value, dict):
        return {k: normalised(v, root) for k, v in value.items() if not VOLATILE_KEY.search(k)}
    if isinstance(value, list):
        return [normalised(v, root) for v in value]
    if isinstance(value, str):
        return value.replace(str(root), "<ROOT>")
    return value


def load_normalised(path, root):
    """The JSON file at path, normalised against root."""
    return normalised(json.loads(Path(path).read_text()), root)


def assert_same_results(root_a, root_b, cell_ids):
    """Every cell's metrics.json and the summary.json of root_a equal root_b's (times aside)."""
    for cid in cell_ids:
        a = load_normalised(Path(root_a, cid, "metrics.json"), root_a)
        b = load_normalised(Path(root_b, cid, "metrics.json"), root_b)
        assert a == b, f"cell {cid}: metrics.json differ between {root_a} and {root_b}"
    a = load_normalised(Path(root_a, "summary.json"), root_a)
    b = load_normalised(Path(root_b, "summary.json"), root_b)
    assert a == b, f"summary.json differs between {root_a} and {root_b}:\n{json.dumps(a)}\n{json.dumps(b)}"


def assert_summary_complete(root, cell_ids):
    """root has the four summary files, a real PNG, and summary.json names every cell id."""
    for name in ("summary.md", "summary.csv", "summary.json", "summary.png"):
        assert Path(root, name).is_file(), f"{root}/{name} is missing"
    assert Path(root, "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{root}/summary.png is not a PNG"
    text = Path(root, "summary.json").read_text()
    for cid in cell_ids:
        assert cid in text, f"{root}/summary.json does not name cell {cid}"
