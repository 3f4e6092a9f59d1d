"""The web app's production image (issue 12): its nginx sends a strict Content-Security-Policy
and the other security headers on every file it serves, writes nothing outside /tmp, and the
image, the Deployment and the Ingress agree on user, port, command and routes.

No Docker daemon here, so the image itself is never built in tests: what is checked is the
configuration that goes into it (web/nginx/, parsed by crossplane as nginx parses it) and the
Dockerfile's instructions."""

from __future__ import annotations

import copy
import functools
import http.server
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import crossplane
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
NGINX = WEB / "nginx"
DOCKERFILE = WEB / "Dockerfile"
# Where the Dockerfile puts our files in the image -> the file in the repository.
IMAGE_FILES = {
    "/etc/nginx/nginx.conf": NGINX / "nginx.conf",
    "/etc/nginx/security-headers.conf": NGINX / "security-headers.conf",
}
# Files of the nginx image itself, included but not ours.
FROM_THE_IMAGE = {"/etc/nginx/mime.types"}
REQUIRED_HEADERS = {
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "permissions-policy",
    "strict-transport-security",
}
Directive = dict[str, Any]


def parse(path: Path, included: bool = False) -> list[Directive]:
    # An included file's directives are checked where it is included, not at its top.
    result = crossplane.parse(str(path), single=True, comments=False, check_ctx=not included)
    assert result["status"] == "ok", result["errors"]
    parsed: list[Directive] = result["config"][0]["parsed"]
    return expand(parsed)


def expand(block: list[Directive]) -> list[Directive]:
    """Includes of our own files replaced by what they hold, as nginx reads them."""
    out = []
    for d in block:
        if d["directive"] == "include" and d["args"][0] not in FROM_THE_IMAGE:
            source = IMAGE_FILES.get(d["args"][0])
            assert source, f"include of a file the image does not hold: {d['args'][0]}"
            out.extend(parse(source, included=True))
            continue
        if "block" in d:
            d = {**d, "block": expand(d["block"])}
        out.append(d)
    return out


def find(block: list[Directive], name: str) -> list[Directive]:
    return [d for d in block if d["directive"] == name]


def headers(block: list[Directive]) -> dict[str, tuple[str, ...]]:
    return {d["args"][0].lower(): tuple(d["args"][1:]) for d in find(block, "add_header")}


def config() -> list[Directive]:
    return parse(NGINX / "nginx.conf")


def server(conf: list[Directive]) -> list[Directive]:
    (http,) = find(conf, "http")
    (srv,) = find(http["block"], "server")
    block: list[Directive] = srv["block"]
    return block


def served_headers(conf: list[Directive]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Location -> the headers its answers carry. nginx inherits the add_header lines of the
    enclosing level only into a level that has none of its own."""
    (http,) = find(conf, "http")
    inherited = headers(http["block"])
    srv = server(conf)
    inherited = headers(srv) or inherited
    served = {}
    for location in find(srv, "location"):
        if find(location["block"], "return"):
            continue  # the probes' fixed answers, no file
        served[" ".join(location["args"])] = headers(location["block"]) or inherited
    return served


def csp(value: str) -> dict[str, list[str]]:
    policy = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            policy[words[0]] = words[1:]
    return policy


def csp_problems(value: str) -> list[str]:
    """What makes the policy weaker than the app needs: anything but its own origin for
    scripts and connections (the gateway is that origin, through the Ingress), inline or
    eval'd script, framing, plugins, a <base> elsewhere."""
    policy = csp(value)
    problems = []
    expected = {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
    for directive, sources in expected.items():
        if policy.get(directive) != sources:
            problems.append(f"{directive} is {policy.get(directive)}, not {sources}")
    for directive, sources in policy.items():
        for source in sources:
            if source in ("*", "http:", "https:") or "://" in source or "." in source:
                problems.append(f"{directive} allows {source}")
            if source in ("'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'"):
                problems.append(f"{directive} allows {source}")
            if source == "data:" and directive != "img-src":
                problems.append(f"{directive} allows data:")
    return problems


# --- the headers ---------------------------------------------------------------------------


def test_every_file_is_served_with_the_security_headers() -> None:
    served = served_headers(config())
    assert {"/", "/assets/"} <= set(served)
    for location, sent in served.items():
        missing = REQUIRED_HEADERS - set(sent)
        assert not missing, f"location {location} sends no {sorted(missing)}"
        for name in REQUIRED_HEADERS:
            # `always`: on 404s and errors too, not only on 200s.
            assert sent[name][-1] == "always", f"{location}: {name} without always"


def test_the_content_security_policy_allows_only_the_apps_own_origin() -> None:
    for location, sent in served_headers(config()).items():
        (value, _) = sent["content-security-policy"]
        assert not csp_problems(value), (location, csp_problems(value))
        policy = csp(value)
        # Styles: Mantine's inline CSS variables; never scripts.
        assert "'unsafe-inline'" not in policy["script-src"]


def test_the_other_headers_say_what_they_must() -> None:
    for sent in served_headers(config()).values():
        assert sent["x-content-type-options"][0] == "nosniff"
        assert sent["x-frame-options"][0] == "DENY"
        # Mail links carry one-time tokens in the query: no Referer to anyone.
        assert sent["referrer-policy"][0] == "no-referrer"
        assert re.fullmatch(r"max-age=\d{7,}.*", sent["strict-transport-security"][0])


def test_the_app_needs_no_inline_script() -> None:
    """The page's own markup passes the policy: scripts by src only, no inline handlers."""
    html = (WEB / "index.html").read_text()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S | re.I)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes, attributes
        assert not body.strip(), "an inline script, which script-src 'self' blocks"
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "an inline event handler"


def test_checks_reject_a_weaker_policy_or_a_location_without_headers() -> None:
    strict = served_headers(config())["/"]["content-security-policy"][0]
    assert csp_problems(strict.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"))
    assert csp_problems(strict.replace("connect-src 'self'", "connect-src *"))
    assert csp_problems(strict.replace("connect-src 'self'", "connect-src https://evil.example"))
    assert csp_problems(strict.replace("frame-ancestors 'none'", ""))
    # A location with an add_header of its own loses the server's headers (nginx's rule).
    conf = copy.deepcopy(config())
    srv = server(conf)
    (root,) = [loc for loc in find(srv, "location") if loc["args"] == ["/"]]
    root["block"] = [d for d in root["block"] if d["args"][:1] != ["Content-Security-Policy"]]
    assert "content-security-policy" not in served_headers(conf)["/"]


# --- what nginx writes, and where it listens -----------------------------------------------


def test_nginx_writes_only_under_tmp() -> None:
    conf = config()
    (pid,) = find(conf, "pid")
    assert pid["args"][0].startswith("/tmp/")
    (http,) = find(conf, "http")
    temp_paths = [d for d in http["block"] if d["directive"].endswith("_temp_path")]
    assert len(temp_paths) == 5
    assert all(d["args"][0].startswith("/tmp/") for d in temp_paths)
    for directive in ("access_log", "error_log"):
        for d in find(conf, directive) + find(http["block"], directive):
            assert d["args"][0] in ("/dev/stdout", "/dev/stderr", "off"), d
    # Started as the container's user: no `user` directive, which needs root.
    assert not find(conf, "user")


def test_the_access_log_keeps_no_query_and_no_address() -> None:
    (http,) = find(config(), "http")
    (log_format,) = find(http["block"], "log_format")
    line = "".join(log_format["args"][2:])
    assert "$uri" in line
    for leak in ("$request_uri", "$args", "$query_string", '$request"', "$remote_addr"):
        assert leak not in line, leak


# --- the image and its Deployment agree ----------------------------------------------------


def kustomize_web() -> dict[str, Any]:
    docs = list(yaml.safe_load_all((ROOT / "k8s/base/web/deployment.yaml").read_text()))
    (deployment,) = [d for d in docs if d and d["kind"] == "Deployment"]
    return deployment


def test_the_image_runs_nginx_unprivileged_with_our_files_only() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(stages) == 2, "a build stage and the server"
    assert stages[-1].startswith("nginxinc/nginx-unprivileged:"), stages[-1]
    final = text.split("\nFROM ")[-1]
    copies = re.findall(r"^COPY\s+(?:--from=(\S+)\s+)?(\S+)\s+(\S+)", final, re.M)
    targets = {target: (stage, source) for stage, source, target in copies}
    for target, source in IMAGE_FILES.items():
        assert targets[target] == ("", str(source.relative_to(WEB))), target
    assert targets["/usr/share/nginx/html"] == ("build", "/web/dist")
    # Nothing else of the build stage (node, sources, node_modules) reaches the server.
    assert [stage for stage, _, _ in copies if stage] == ["build"]
    (user,) = re.findall(r"^USER\s+(\S+)", final, re.M)
    uid = int(user.split(":")[0])
    assert uid != 0

    deployment = kustomize_web()
    spec = deployment["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    assert spec["securityContext"]["runAsUser"] == c["securityContext"]["runAsUser"] == uid
    (cmd,) = re.findall(r"^CMD\s+(\[.*\])", final, re.M)
    assert c["command"] + c["args"] == yaml.safe_load(cmd)
    (listen,) = find(server(config()), "listen")
    assert {p["containerPort"] for p in c["ports"]} == {int(listen["args"][0])}
    assert re.findall(r"^EXPOSE\s+(\d+)", final, re.M) == [listen["args"][0]]
    # The probes reach the locations that answer them.
    locations = {" ".join(loc["args"]) for loc in find(server(config()), "location")}
    assert f"= {c['livenessProbe']['httpGet']['path']}" in locations
    assert f"= {c['readinessProbe']['httpGet']['path']}" in locations
    # nginx's files under /tmp, the emptyDir; the rest of the filesystem read-only.
    assert {m["mountPath"] for m in c["volumeMounts"]} == {"/tmp"}
    assert c["securityContext"]["readOnlyRootFilesystem"] is True


def test_the_build_context_leaves_out_what_the_image_must_not_hold() -> None:
    ignored = (WEB / ".dockerignore").read_text().split()
    assert {"node_modules", "dist", "test-results"} <= set(ignored)


def test_production_routes_the_apps_host_to_the_app_and_its_api_to_the_gateway() -> None:
    kubectl = ROOT / ".venv" / "bin" / "kubectl"
    binary = str(kubectl) if kubectl.exists() else "kubectl"
    try:
        rendered = subprocess.run(
            [binary, "kustomize", str(ROOT / "k8s/overlays/production")],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
    except FileNotFoundError:
        pytest.skip("kubectl not found")
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    routes = {
        (rule["host"], path["path"]): path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    app_host = {host for host, _ in routes if routes[(host, "/")] == "web"}
    assert len(app_host) == 1
    (host,) = app_host
    # connect-src 'self' is the gateway: the API's paths on the app's own host.
    assert routes[(host, "/v1")] == routes[(host, "/.well-known")] == "gateway"
    tls_hosts = {h for t in ingress["spec"]["tls"] for h in t["hosts"]}
    assert host in tls_hosts
    # Two replicas, sized for nginx (the base's), not for the Python services.
    (web,) = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "web"]
    assert web["spec"]["replicas"] == 2
    (served,) = web["spec"]["template"]["spec"]["containers"]
    (base,) = kustomize_web()["spec"]["template"]["spec"]["containers"]
    assert served["resources"] == base["resources"]
    # Auth's mail links point at the app's host.
    (auth_config,) = [
        d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "auth-config"
    ]
    assert auth_config["data"]["AUTH_EMAIL_VERIFICATION_URL"].startswith(f"https://{host}/")


# --- the built app under the policy, in a real browser --------------------------------------

DIST = WEB / "dist"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@contextmanager
def serving(directory: Path, sent: dict[str, str]) -> Iterator[str]:
    """The build served as nginx serves it (the SPA's routes fall back to index.html), with
    the given headers, on a loopback port of its own."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            for name, value in sent.items():
                self.send_header(name, value)
            super().end_headers()

        def send_head(self) -> Any:
            if not Path(self.translate_path(self.path)).is_file():
                self.path = "/index.html"
            return super().send_head()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def load_in_chromium(url: str) -> tuple[str, list[str]]:
    """(the DOM after the app ran, the CSP violations Chromium reported on its console)."""
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    violations = [line for line in result.stderr.splitlines() if "Content Security Policy" in line]
    return result.stdout, violations


def browser_headers(policy: str) -> dict[str, str]:
    """What nginx sends, over plain HTTP on loopback: without upgrade-insecure-requests (which
    would send the page's own requests to an https:// that is not there) and HSTS."""
    sent = {name: args[0] for name, args in served_headers(config())["/"].items()}
    sent.pop("strict-transport-security")
    sent.pop("cache-control", None)
    sent["content-security-policy"] = policy.replace("; upgrade-insecure-requests", "")
    return sent


@pytest.fixture(scope="module")
def built_app() -> Path:
    if not (DIST / "index.html").is_file():
        pytest.skip("web/dist not built (make test builds it before pytest)")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (make web-chromium installs it)")
    return DIST


def test_the_built_app_runs_under_the_policy_with_no_violation(built_app: Path) -> None:
    html = (built_app / "index.html").read_text()
    assert not re.search(r"<script\b(?![^>]*\bsrc=)[^>]*>", html), "an inline script in the build"
    policy = served_headers(config())["/"]["content-security-policy"][0]
    with serving(built_app, browser_headers(policy)) as url:
        dom, violations = load_in_chromium(f"{url}/login")
    assert not violations, violations
    # The app rendered: its root holds a form, not nothing.
    assert re.search(r'<div id="root">\s*<', dom), dom[:500]
    assert "<form" in dom


def test_checks_see_what_a_stricter_policy_breaks(built_app: Path) -> None:
    """Non-vacuous: without 'unsafe-inline' for styles, Mantine's inline styles are refused,
    and the browser says so where the test above looks."""
    policy = served_headers(config())["/"]["content-security-policy"][0]
    stricter = policy.replace("style-src 'self' 'unsafe-inline'", "style-src 'self'")
    assert stricter != policy
    with serving(built_app, browser_headers(stricter)) as url:
        _, violations = load_in_chromium(f"{url}/login")
    assert violations
