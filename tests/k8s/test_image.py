"""The production image's supply chain: dependencies from a lock file with hashes, and nothing
that only development needs (the dev stack, the SMSC simulator, tests, dev extras)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "requirements.lock"
DEV_ONLY = ("devstack", "smsc_simulator", "tests", "bench")


def locked() -> dict[str, tuple[str, list[str]]]:
    """Name -> (version, hashes) from requirements.lock."""
    pins: dict[str, tuple[str, list[str]]] = {}
    text = LOCK.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert match, f"requirements.lock: not an exact pin: {line[:80]}"
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", line)
        pins[canonicalize_name(match[1])] = (match[2], hashes)
    return pins


def runtime_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in project["dependencies"]]


def test_every_runtime_dependency_is_locked_with_hashes() -> None:
    pins = locked()
    for requirement in runtime_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock: run make lock"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} does not satisfy pyproject's {requirement.specifier}: run make lock"
        )
    for name, (_, hashes) in pins.items():
        assert hashes, f"{name} has no hash"
    # Nothing that points pip at this machine's files or another index.
    assert not re.search(r"^\s*--(find-links|index-url|extra-index-url)", LOCK.read_text(), re.M)


def test_the_lock_holds_no_dev_tools() -> None:
    """Compiled from the runtime dependencies only: a dev tool is in it only when something
    the platform runs needs it too (PyYAML, which uvicorn[standard] brings; cryptography,
    which pyjwt's RS256 needs and the tests use for certificates)."""
    header = LOCK.read_text().split("\n\n", 1)[0]
    assert "pip-compile" in header
    assert "--extra" not in header
    assert "--all-extras" not in header
    pins = locked()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["dev"]}
    tools = dev - {canonicalize_name(r.name) for r in runtime_requirements()}
    assert {"pytest", "mypy", "ruff"} <= tools
    assert not (tools - {"pyyaml", "cryptography"}) & set(pins), sorted(tools & set(pins))


def test_the_image_installs_exactly_the_lock_and_only_the_platform_code() -> None:
    text = DOCKERFILE.read_text()
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs, "the Dockerfile installs nothing"
    for line in installs:
        assert "--require-hashes" in line, line
        assert "-r requirements.lock" in line, line
        assert "--no-deps" in line, line  # every dependency is in the lock, pinned
    copied = re.findall(r"^COPY\s+(\S+)", text, re.M)
    for source in copied:
        assert source.strip("./").split("/")[0] not in DEV_ONLY, f"COPY {source}"
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert set(DEV_ONLY) <= set(ignored)
    # Nothing the Deployments start lives outside what is copied.
    pythonpath = re.search(r"PYTHONPATH=(\S+)", text)
    assert pythonpath
    for entry in pythonpath[1].split(":"):
        top = entry.removeprefix("/app").strip("/").split("/")[0]
        assert not top or top in {c.strip("./").split("/")[0] for c in copied}, entry


def unpinned_bases(dockerfile: str) -> list[str]:
    """FROM lines whose image is not pinned by a digest: a literal sha256, or a build argument
    declared without a default (the build stops when it is not given)."""
    required = {
        m[1] for m in re.finditer(r"^ARG\s+(\w+)\s*$", dockerfile.split("\nFROM", 1)[0], re.M)
    }
    stages = set(re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", dockerfile, re.M | re.I))
    problems = []
    for image in re.findall(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)", dockerfile, re.M):
        if image in stages:
            continue  # an earlier stage of the same build
        digest = image.partition("@")[2]
        if re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            continue
        argument = re.fullmatch(r"\$\{?(\w+)\}?", digest)
        if argument and argument[1] in required:
            continue
        problems.append(image)
    return problems


def test_every_base_image_is_pinned_by_digest() -> None:
    dockerfiles = [DOCKERFILE, *sorted((ROOT / "web").glob("Dockerfile*"))]
    for dockerfile in dockerfiles:
        assert not unpinned_bases(dockerfile.read_text()), dockerfile


def test_checks_reject_a_base_image_by_tag() -> None:
    assert unpinned_bases("FROM python:3.11-slim\n") == ["python:3.11-slim"]
    assert unpinned_bases("ARG D=sha256:abc\nFROM python:3.11-slim@${D}\n")
    assert not unpinned_bases("ARG D\nFROM python:3.11-slim@${D}\n")
    assert not unpinned_bases(f"FROM python@sha256:{'a' * 64} AS build\nFROM build\n")
