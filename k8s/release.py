"""Pin production's images by digest, and refuse to deploy any that is not.

    python k8s/release.py pin smsgw=ghcr.io/smsgw/smsgw@sha256:<64 hex> [NAME=REF@sha256:...]
    python k8s/release.py check [k8s/overlays/production]

`pin` rewrites the `images:` of k8s/overlays/production/release/kustomization.yaml, the only
place production's image references live; `check` renders the overlay with kubectl and exits
1, naming them, when a container's image is not pinned by a digest or still carries the
committed placeholder (docs/deploy.md, "Image digests"). Only the standard library and PyYAML
(a dependency of the platform's image), so that a release pipeline can run it anywhere.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

K8S = Path(__file__).resolve().parent
PRODUCTION = K8S / "overlays" / "production"
RELEASE = PRODUCTION / "release" / "kustomization.yaml"
# What the committed release file holds until the pipeline pins real builds: no image has it.
PLACEHOLDER = "sha256:" + "0" * 64
# repository[:tag]@sha256:<64 hex>, the form the API server and the admission policy accept.
PINNED = re.compile(
    r"^(?P<name>[^@\s:]+(?::\d+/[^@\s:]+)?)(?::(?P<tag>[\w.-]+))?@(?P<digest>sha256:[0-9a-f]{64})$"
)
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "Pod", "CronJob"}


def pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    if doc["kind"] == "Pod":
        return dict(doc["spec"])
    if doc["kind"] == "CronJob":
        return dict(doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return dict(doc["spec"]["template"]["spec"])


def pod_template_labels(doc: dict[str, Any]) -> dict[str, str]:
    if doc["kind"] == "Pod":
        return dict(doc["metadata"].get("labels", {}))
    template = (
        doc["spec"]["jobTemplate"]["spec"]["template"]
        if doc["kind"] == "CronJob"
        else doc["spec"]["template"]
    )
    return dict(template["metadata"].get("labels", {}))


def images(docs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(Kind/name/container, image) of every container the documents would run."""
    found = []
    for doc in docs:
        if doc.get("kind") not in WORKLOAD_KINDS:
            continue
        spec = pod_spec(doc)
        for c in spec.get("initContainers", []) + spec["containers"]:
            found.append((f"{doc['kind']}/{doc['metadata']['name']}/{c['name']}", c["image"]))
    return found


def problems(docs: list[dict[str, Any]]) -> list[str]:
    """Every image that is not pinned by a real digest."""
    found = []
    for where, image in images(docs):
        match = PINNED.match(image)
        if match is None:
            found.append(f"{where}: {image} is not pinned by digest")
        elif match["digest"] == PLACEHOLDER:
            found.append(f"{where}: {image} still has the placeholder digest")
    return found


def render(overlay: Path) -> list[dict[str, Any]]:
    beside_python = Path(sys.executable).parent / "kubectl"
    kubectl = str(beside_python) if beside_python.is_file() else shutil.which("kubectl")
    if kubectl is None:
        raise SystemExit("kubectl not found")
    result = subprocess.run(
        [kubectl, "kustomize", str(overlay)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"kubectl kustomize {overlay} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def pin(release: Path, references: list[str]) -> None:
    """Sets each NAME=REF@sha256:... in the release file; the names must be there already."""
    text = release.read_text()
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    component = yaml.safe_load(text)
    entries = {entry["name"]: entry for entry in component["images"]}
    for reference in references:
        name, _, image = reference.partition("=")
        match = PINNED.match(image)
        if name not in entries:
            raise SystemExit(f"{name}: not an image of production ({', '.join(entries)})")
        if match is None or match["digest"] == PLACEHOLDER:
            raise SystemExit(f"{reference}: not NAME=repository[:tag]@sha256:<64 hex>")
        entry = {"name": name, "newName": match["name"]}
        if match["tag"]:
            entry["newTag"] = match["tag"]
        entry["digest"] = match["digest"]
        entries[name] = entry
    component["images"] = list(entries.values())
    release.write_text(header + yaml.safe_dump(component, sort_keys=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pinning = commands.add_parser("pin", help="set images' digests in the release file")
    pinning.add_argument("references", nargs="+", metavar="NAME=REF@sha256:DIGEST")
    pinning.add_argument("--release", type=Path, default=RELEASE)
    checking = commands.add_parser("check", help="refuse an overlay with an unpinned image")
    checking.add_argument("overlay", type=Path, nargs="?", default=PRODUCTION)
    args = parser.parse_args(argv)
    if args.command == "pin":
        pin(args.release, args.references)
        return 0
    found = problems(render(args.overlay))
    for problem in found:
        sys.stderr.write(problem + "\n")
    if found:
        sys.stderr.write("refused: pin every image with `python k8s/release.py pin`\n")
        return 1
    sys.stdout.write(f"every image of {args.overlay} is pinned by digest\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
