"""Writes the gateway's public OpenAPI document without starting anything: each service's
app is built in-process (no database or broker is touched to describe it) and the documents
are merged exactly as the gateway merges them. The web app's typed client is generated from
this file (`make web-api`), and `make test` fails when the checked-in copy is stale.

    python -m devstack.openapi web/openapi.json
"""

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from devstack.stack import PYTHONPATH


def public_document() -> dict[str, Any]:
    for entry in reversed(PYTHONPATH.split(":")):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    merge = importlib.import_module("gateway.openapi_merge").merge
    public_services = importlib.import_module("gateway.routes").public_services
    documents = {}
    for service in public_services():
        app = importlib.import_module(f"{service}_service.main").create_app()
        documents[service] = app.openapi()
    document: dict[str, Any] = merge(documents)
    return document


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m devstack.openapi OUTPUT.json", file=sys.stderr)  # noqa: T201
        return 2
    text = json.dumps(public_document(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    Path(argv[0]).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
