"""The personal account in a real Chromium against the whole platform: the devstack is started
here (as in tests/e2e), the web app's production build is served by `vite preview` proxying
the API to its gateway, and Playwright drives Debian's Chromium through web/e2e. Screenshots
at 360 px and 1280 px land in web/test-results/."""

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devstack.ports import free_port
from devstack.stack import ROOT, SERVICES, Stack, StackConfig
from tests.support.databases import Databases

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="session")]

WEB = ROOT / "web"


@pytest.fixture(scope="module")
async def stack(
    databases: Databases, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    var_dir = Path(tmp_path_factory.mktemp("web-stack"))
    urls = {name: await databases.create(name) for name in SERVICES}
    platform = Stack(
        StackConfig(var_dir=var_dir, gateway_port=0, database_urls=urls, logs_to_files=True)
    )
    await asyncio.to_thread(platform.start, 120)
    try:
        yield platform
    finally:
        await asyncio.to_thread(platform.stop)


def _npx() -> str:
    npx = shutil.which("npx")
    assert npx is not None, "Node.js 20 and npm are needed: make test installs the web app"
    return npx


OPERATOR_PASSWORD = "an operator's long password"


def _create_operator(stack: Stack) -> str:
    """A platform operator made the only way there is, auth's CLI (the password on stdin),
    for the console's flows (web/e2e/console.spec.ts); returns the e-mail."""
    email = f"ops-{os.urandom(4).hex()}@example.com"
    result = subprocess.run(
        [sys.executable, "-m", "auth_service.ops", "create-operator", email],
        input=OPERATOR_PASSWORD + "\n",
        env={
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'services' / 'auth'}",
            "AUTH_DATABASE_URL": stack.database_url("auth"),
        },
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return email


async def test_the_customer_journey_in_chromium(stack: Stack) -> None:
    assert (WEB / "node_modules").is_dir(), "run `make web-install` (make test does)"
    assert (WEB / "dist" / "index.html").is_file(), "run `make web-build` (make test does)"
    env = {
        **os.environ,
        "GATEWAY_URL": stack.gateway_url,
        "WEB_PORT": str(free_port()),
        "CI": "1",
        "OPS_EMAIL": await asyncio.to_thread(_create_operator, stack),
        "OPS_PASSWORD": OPERATOR_PASSWORD,
    }
    result = await asyncio.to_thread(
        subprocess.run,
        [_npx(), "playwright", "test"],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    shots = {p.name for p in (WEB / "test-results").glob("*.png")}
    assert {"dashboard-360.png", "send-1280.png"} <= shots
    # The workspace screens' flows (web/e2e/workspace.spec.ts) reached their last screens.
    assert {"contact-360.png", "import-1280.png", "campaign-1280.png", "senders-360.png"} <= shots
    assert {"templates-1280.png", "webhook-attempts-360.png"} <= shots
    # The part B screens and the console (web/e2e/console.spec.ts).
    assert {"api-keys-360.png", "billing-1280.png", "ops-senders-360.png"} <= shots
    # The console's money and notice screens reached their last steps.
    assert {"ops-refunds-360.png", "ops-tariffs-1280.png", "ops-inbound-1280.png"} <= shots
    # Sessions, the XLSX's headers read in the browser, the per-status chart (issue 12).
    assert {"sessions-360.png", "import-xlsx-1280.png", "dashboard-stats-1280.png"} <= shots
    # The dashboard's low-balance warning, after a threshold set above the balance (issue 12).
    assert "dashboard-low-balance-360.png" in shots
