"""Production runs every image by digest (issue 13, supply chain): the release pipeline pins
them with k8s/release.py, which refuses an overlay still holding an unpinned image or the
committed placeholder, and the API server refuses them too (a ValidatingAdmissionPolicy)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"


def load_release() -> ModuleType:
    spec = importlib.util.spec_from_file_location("k8s_release", K8S / "release.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


release = load_release()
DIGEST = "sha256:" + "ab12" * 16  # test data: a well-formed digest, no real image's


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None and not (Path(sys.executable).parent / "kubectl").is_file():
        pytest.skip("kubectl not found")
    return list(release.render(release.PRODUCTION))


def test_production_names_every_image_by_digest(production: list[dict[str, Any]]) -> None:
    found = release.images(production)
    assert {image.split("@")[0] for _, image in found} >= {"ghcr.io/smsgw/smsgw", "redis:7.4.6"}
    for where, image in found:
        assert release.PINNED.match(image), f"{where}: {image}"


def test_the_committed_placeholders_are_refused(production: list[dict[str, Any]]) -> None:
    problems = release.problems(production)
    assert problems
    assert all("placeholder" in p for p in problems), problems
    assert release.main(["check"]) == 1


def test_pinned_builds_pass_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    overlay = copy / "overlays" / "production"
    release.pin(
        overlay / "release" / "kustomization.yaml",
        [
            f"smsgw=ghcr.io/smsgw/smsgw@{DIGEST}",
            f"smsgw-web=ghcr.io/smsgw/smsgw-web@{DIGEST}",
            f"redis=redis:7.4.6@{DIGEST}",
        ],
    )
    docs = release.render(overlay)
    assert not release.problems(docs)
    images = {image for _, image in release.images(docs)}
    assert f"ghcr.io/smsgw/smsgw@{DIGEST}" in images
    assert f"redis:7.4.6@{DIGEST}" in images
    # The file keeps its explanation for the next reader.
    text = (overlay / "release" / "kustomization.yaml").read_text()
    assert text.startswith("# The images production runs")
    assert release.main(["check", str(overlay)]) == 0


def test_pin_refuses_what_is_not_a_digest(tmp_path: Path) -> None:
    target = tmp_path / "kustomization.yaml"
    shutil.copy(release.RELEASE, target)
    for bad in (
        "smsgw=ghcr.io/smsgw/smsgw:1.2.3",
        "smsgw=ghcr.io/smsgw/smsgw@sha256:abc",
        f"smsgw=ghcr.io/smsgw/smsgw@{release.PLACEHOLDER}",
        f"unknown=example.org/x@{DIGEST}",
    ):
        with pytest.raises(SystemExit):
            release.pin(target, [bad])
    assert target.read_text() == release.RELEASE.read_text()


def test_checks_reject_tags_and_latest() -> None:
    def pod(image: str) -> dict[str, Any]:
        return {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
            {"name": "c", "image": image}]}}  # fmt: skip

    assert release.problems([pod("ghcr.io/smsgw/smsgw:latest")])
    assert release.problems([pod("redis:7.4.6")])
    assert release.problems([pod("smsgw")])
    assert not release.problems([pod(f"registry.local:5000/smsgw/smsgw:1.0@{DIGEST}")])


def test_the_api_server_refuses_unpinned_images_in_production(
    production: list[dict[str, Any]],
) -> None:
    policies = {d["kind"]: d for d in production if d["apiVersion"].startswith("admission")}
    policy = policies["ValidatingAdmissionPolicy"]
    binding = policies["ValidatingAdmissionPolicyBinding"]
    assert "namespace" not in policy["metadata"]  # cluster-scoped
    assert binding["spec"]["policyName"] == policy["metadata"]["name"]
    assert binding["spec"]["validationActions"] == ["Deny"]
    (namespace,) = [d for d in production if d["kind"] == "Namespace"]
    selector = binding["spec"]["matchResources"]["namespaceSelector"]["matchLabels"]
    assert selector == {"kubernetes.io/metadata.name": namespace["metadata"]["name"]}
    # Only the platform's objects, every one of them: the operators' pods (Kafka, PostgreSQL)
    # run images their operator picks and must not be refused.
    objects = binding["spec"]["matchResources"]["objectSelector"]["matchLabels"]
    assert objects == {"app.kubernetes.io/part-of": "smsgw"}
    for where, _ in release.images(production):
        kind, name, _ = where.split("/")
        (workload,) = [d for d in production if d["kind"] == kind and d["metadata"]["name"] == name]
        assert workload["metadata"]["labels"].items() >= objects.items(), where
        assert release.pod_template_labels(workload).items() >= objects.items(), where
    dlq_job = yaml.safe_load((K8S / "ops" / "dlq-job.yaml").read_text())
    assert dlq_job["metadata"]["labels"].items() >= objects.items()
    resources = {r for rule in policy["spec"]["matchConstraints"]["resourceRules"]
                 for r in rule["resources"]}  # fmt: skip
    assert resources >= {"deployments", "jobs", "pods"}
    # The same rule as release.py's: a sha256 digest at the end, never the placeholder.
    (validation,) = policy["spec"]["validations"]
    expression = validation["expression"]
    assert "'@sha256:[0-9a-f]{64}$'" in expression
    assert f"'@{release.PLACEHOLDER}'" in expression
    assert re.search(r"sha256:\[0-9a-f\]\{64\}\)\$", release.PINNED.pattern)


def test_the_release_file_is_a_component_of_production() -> None:
    overlay = yaml.safe_load((release.PRODUCTION / "kustomization.yaml").read_text())
    assert "release" in overlay["components"]
    assert "images" not in overlay  # one place for production's image references
