"""Generated requests against the merged OpenAPI document: the real gateway in front of the
real services on PostgreSQL and the broker, with a real token. Whatever schemathesis sends,
valid or not, the platform must answer without a 500 and only with statuses, content types
and bodies its document promises, so generated clients can rely on it.

Bounded and deterministic: a fixed number of examples per operation, derandomized, no
example database, no shrinking (a failure is reported as found)."""

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.apps import AuthClient
from tests.support.databases import Databases
from tests.support.platform import Platform, public_platform

pytestmark = pytest.mark.asyncio(loop_scope="session")

# About a minute here; raise it (FUZZ_EXAMPLES=200) for a deeper search by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "15"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
async def platform(
    databases: Databases, broker: str, auth_service: AuthClient
) -> AsyncIterator[Platform]:
    # Generated requests come as fast as the platform answers: with the gateway's request
    # limits on, which of them got 429 would depend on the machine's speed.
    async with public_platform(databases, broker, auth_service, rate_limit_per_second=0) as running:
        yield running


def fuzz(spec: dict[str, Any], base_url: str, token: str) -> list[str]:
    """Runs every operation in both modes; returns one report per failing operation."""
    schema = schemathesis.openapi.from_dict(spec)
    session = requests.Session()
    session.trust_env = False  # loopback only, whatever proxy the environment names
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def exchange(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=base_url, session=session, headers=headers, checks=CHECKS
                )

            try:
                exchange()
            except Unsatisfiable:
                continue  # nothing to get wrong, e.g. no invalid input for a bare GET
            # FailureGroup is a BaseExceptionGroup: `except Exception` alone would let it
            # end the run at the first failing operation.
            except (Exception, FailureGroup) as exc:  # report every failing operation
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    return failures


# schemathesis' own strategies trip this Hypothesis deprecation; nothing of ours does.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
async def test_generated_requests_get_only_documented_answers(platform: Platform) -> None:
    _, token = await platform.auth.new_account()
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=10) as client:
        spec = (await client.get("/openapi.json")).json()
    assert len(spec["paths"]) >= 7, "every public service must be in the document"

    # schemathesis calls synchronously; the servers run on this event loop meanwhile.
    failures = await asyncio.to_thread(fuzz, spec, platform.gateway_url, token)

    assert failures == [], "\n\n".join(failures)
