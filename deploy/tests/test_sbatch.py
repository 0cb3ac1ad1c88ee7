"""deploy/slurm/sweep.sbatch outside Slurm: the exact command it runs in each mode.

A recording stand-in replaces the binary (USEFUL_PIPELINE) or the container runtime
(`apptainer` first on PATH), so the container path is checked here although no Apptainer is
installed; the Slurm tests run the binary path for real.
"""

import os
from pathlib import Path

import pytest

import slurm_harness as h

REPO = Path(__file__).resolve().parents[2]
SBATCH = REPO / "deploy" / "slurm" / "sweep.sbatch"


@pytest.fixture
def recorder(tmp_path):
    """A script that writes its argv, one per line, to tmp_path/argv and exits with $RECORD_EXIT."""
    script = tmp_path / "bin" / "record"
    script.parent.mkdir()
    script.write_text('#!/bin/sh\nprintf "%s\\n" "$0" "$@" > "$RECORD_TO"\nexit "${RECORD_EXIT:-0}"\n')
    script.chmod(0o755)
    return script


def run_sbatch(tmp_path, args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "USEFUL_", "SWEEP_"))}
    base["RECORD_TO"] = str(tmp_path / "argv")
    base.update(env)
    r = h.run(["bash", SBATCH, *args], env=base, cwd=tmp_path)
    argv = (tmp_path / "argv").read_text().splitlines() if (tmp_path / "argv").exists() else None
    return r, argv


def test_array_task_runs_the_binary_with_the_index_from_slurm(tmp_path, recorder):
    r, argv = run_sbatch(tmp_path, ["run", "/s/sweep.yaml", "/r/root"], USEFUL_PIPELINE=str(recorder),
                         SLURM_ARRAY_TASK_ID="2", SLURM_ARRAY_JOB_ID="7")
    assert r.returncode == 0, r.stderr
    assert argv == [str(recorder), "sweep", "run", "/s/sweep.yaml", "--root", "/r/root"]
    assert "task 7_2" in r.stdout


def test_resubmitted_task_passes_index_and_stride(tmp_path, recorder):
    r, argv = run_sbatch(tmp_path, ["run", "/s/sweep.yaml", "/r/root"], USEFUL_PIPELINE=str(recorder),
                         SLURM_ARRAY_TASK_ID="3", SLURM_ARRAY_JOB_ID="9", SWEEP_STRIDE="8")
    assert r.returncode == 0, r.stderr
    assert argv[1:] == ["sweep", "run", "/s/sweep.yaml", "--root", "/r/root", "--index", "3", "--count", "8"]


def test_exit_status_of_the_cell_is_the_tasks(tmp_path, recorder):
    r, _ = run_sbatch(tmp_path, ["run", "/s/sweep.yaml", "/r/root"], USEFUL_PIPELINE=str(recorder),
                      SLURM_ARRAY_TASK_ID="0", SLURM_ARRAY_JOB_ID="1", RECORD_EXIT="3")
    assert r.returncode == 3


@pytest.mark.parametrize("gpus,nv", [("1", ["--nv"]), ("0", [])])
def test_container_mode_runs_the_image_with_binds(tmp_path, recorder, gpus, nv):
    apptainer = recorder.parent / "apptainer"
    apptainer.symlink_to(recorder)
    r, argv = run_sbatch(tmp_path, ["run", "/s/sweep.yaml", "/r/root"], USEFUL_IMAGE="/img/up.sif",
                         SWEEP_GPUS=gpus, SLURM_ARRAY_TASK_ID="0", SLURM_ARRAY_JOB_ID="1",
                         PATH=f"{recorder.parent}:{os.environ['PATH']}")
    assert r.returncode == 0, r.stderr
    assert argv == [str(apptainer), "exec", *nv, "--bind", "/r/root", "--bind", "/s", "--pwd", "/app",
                    "/img/up.sif", "/app/bin/useful-pipeline", "sweep", "run", "/s/sweep.yaml", "--root", "/r/root"]


def test_aggregate_and_plan_modes(tmp_path, recorder):
    r, argv = run_sbatch(tmp_path, ["aggregate", "/r/root"], USEFUL_PIPELINE=str(recorder), SLURM_JOB_ID="5")
    assert r.returncode == 0 and argv[1:] == ["aggregate", "--root", "/r/root"], r.stderr
    r, argv = run_sbatch(tmp_path, ["plan", "/s/sweep.yaml", "/r/root"], USEFUL_PIPELINE=str(recorder))
    assert r.returncode == 0 and argv[1:] == ["sweep", "plan", "/s/sweep.yaml", "--root", "/r/root", "--count-only"]


@pytest.mark.parametrize("args,env,message", [
    (["run", "/s/f.yaml", "/r"], {}, "not an array task"),
    (["run", "/s/f.yaml"], {"SLURM_ARRAY_TASK_ID": "0"}, "usage: sweep.sbatch"),
    (["frob"], {}, "usage: sweep.sbatch"),
])
def test_refuses_misuse(tmp_path, recorder, args, env, message):
    r, argv = run_sbatch(tmp_path, args, USEFUL_PIPELINE=str(recorder), **env)
    assert r.returncode == 2 and message in r.stderr and argv is None, (r.returncode, r.stderr)


def test_image_without_a_runtime_is_a_failure(tmp_path):
    r, _ = run_sbatch(tmp_path, ["run", "/s/f.yaml", "/r"], USEFUL_IMAGE="/img/up.sif", SLURM_ARRAY_TASK_ID="0",
                      SLURM_ARRAY_JOB_ID="1", PATH="/usr/bin:/bin")
    assert r.returncode == 1 and "neither apptainer nor singularity" in r.stderr
