"""The Kubernetes manifests of deploy/k8s/ against the API schemas, and against each other.

The schemas are the OpenAPI ones that kubernetes-validate (pinned in requirements.txt) bundles,
checked strictly (no unknown fields). 1.29 is the first release with backoffLimitPerIndex on
by default (beta); 1.37 is the newest schema bundled. Nothing here can apply them: there is no
cluster on the development machine.
"""

import copy
import re
import subprocess
import itertools
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).resolve().parents[1] / "k8s"
VERSIONS = ["1.29.0", "1.37.0"]
ROOT = "/data/useful-sweep"


def load(name):
    docs = [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    assert len(docs) == 1, f"{name}: expected one document, got {len(docs)}"
    return docs[0]


MANIFESTS = sorted(p.name for p in K8S.glob("*.yaml"))


def test_the_four_manifests_are_there():
    assert MANIFESTS == ["aggregate-job.yaml", "sweep-configmap.yaml", "sweep-job.yaml", "sweep-pvc.yaml"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", MANIFESTS)
def test_manifest_matches_schema(name, version):
    kubernetes_validate.validate(load(name), version, strict=True)


@pytest.mark.parametrize("version", VERSIONS)
def test_schema_check_rejects_a_broken_job(version):
    # The check is not vacuous: a misspelled field and a wrong type are refused.
    job = load("sweep-job.yaml")
    bad = copy.deepcopy(job)
    bad["spec"]["completionsMode"] = bad["spec"].pop("completionMode")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, version, strict=True)
    bad = copy.deepcopy(job)
    bad["spec"]["backoffLimitPerIndex"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, version, strict=True)


def cells_in_configmap():
    """The sweep file in the ConfigMap, crossed as the sweep format defines: the product of the axes."""
    sweep = yaml.safe_load(load("sweep-configmap.yaml")["data"]["sweep.yaml"])
    assert set(sweep) == {"base", "axes"}, sweep
    axes = list(sweep["axes"].values())
    assert all(isinstance(v, list) and v for v in axes), sweep["axes"]
    return len(list(itertools.product(*axes)))


def test_indexed_job_runs_one_cell_per_index_with_a_gpu():
    job = load("sweep-job.yaml")
    spec, pod = job["spec"], job["spec"]["template"]["spec"]
    assert spec["completionMode"] == "Indexed"
    assert spec["backoffLimitPerIndex"] >= 1
    assert pod["restartPolicy"] == "Never"  # required with backoffLimitPerIndex
    (cell,) = pod["containers"]
    args = cell["args"]
    assert args[:3] == ["sweep", "run", "/sweep/sweep.yaml"]
    assert args[args.index("--root") + 1] == ROOT
    cells = cells_in_configmap()
    assert spec["completions"] == cells == int(args[args.index("--count") + 1])
    assert "--index" not in args  # the index comes from JOB_COMPLETION_INDEX
    assert cell["resources"]["limits"]["nvidia.com/gpu"] == 1
    (plan,) = pod["initContainers"]
    assert plan["args"] == ["sweep", "plan", "/sweep/sweep.yaml", "--root", ROOT, "--count-only"]
    rules = spec["podFailurePolicy"]["rules"]
    assert {"action": "FailIndex", "onExitCodes": {"containerName": "cell", "operator": "In", "values": [2]}} in rules


def test_volumes_name_the_configmap_and_the_claim():
    claim = load("sweep-pvc.yaml")["metadata"]["name"]
    configmap = load("sweep-configmap.yaml")["metadata"]["name"]
    for name in ("sweep-job.yaml", "aggregate-job.yaml"):
        pod = load(name)["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        for c in pod.get("initContainers", []) + pod["containers"]:
            for m in c["volumeMounts"]:
                assert m["name"] in volumes, f"{name}: container {c['name']} mounts unknown volume {m['name']}"
            assert {m["mountPath"] for m in c["volumeMounts"]} >= {"/data"}
        claims = [v["persistentVolumeClaim"]["claimName"] for v in volumes.values() if "persistentVolumeClaim" in v]
        assert claims == [claim], f"{name}: claims {claims}"
        maps = [v["configMap"]["name"] for v in volumes.values() if "configMap" in v]
        assert maps in ([configmap], []), f"{name}: config maps {maps}"


def test_aggregate_job_reads_the_same_root_without_a_gpu():
    job = load("aggregate-job.yaml")
    (c,) = job["spec"]["template"]["spec"]["containers"]
    assert c["args"] == ["aggregate", "--root", ROOT]
    assert "nvidia.com/gpu" not in c["resources"].get("limits", {})
    rules = job["spec"]["podFailurePolicy"]["rules"]
    assert rules[0]["action"] == "FailJob" and rules[0]["onExitCodes"]["values"] == [2, 3]


def test_pods_run_as_the_images_non_root_user():
    dockerfile = (K8S.parents[1] / "Dockerfile.gpu").read_text()
    for name in ("sweep-job.yaml", "aggregate-job.yaml"):
        sc = load(name)["spec"]["template"]["spec"]["securityContext"]
        assert sc["runAsNonRoot"] is True
        assert f"ARG APP_UID={sc['runAsUser']}" in dockerfile, f"{name}: runAsUser {sc['runAsUser']} is not the image's user"


def test_documented_sed_sets_the_cell_count(tmp_path):
    # deploy/README.md's copy-paste block sets `completions` and `--count` with this sed.
    readme = (K8S.parent / "README.md").read_text()
    line = next(l for l in readme.splitlines() if l.startswith("sed -E -i") and "# CELLS" in l)
    expr = re.search(r'sed -E -i "(.*)" deploy/k8s/sweep-job.yaml', line).group(1)
    job = tmp_path / "sweep-job.yaml"
    job.write_text((K8S / "sweep-job.yaml").read_text())
    subprocess.run(["sed", "-E", "-i", expr.replace("$N", "6").replace('\\"', '"'), str(job)], check=True)
    data = yaml.safe_load(job.read_text())
    args = data["spec"]["template"]["spec"]["containers"][0]["args"]
    assert data["spec"]["completions"] == 6 and args[args.index("--count") + 1] == "6"
    kubernetes_validate.validate(data, VERSIONS[-1], strict=True)
