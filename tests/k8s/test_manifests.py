"""Render every kustomize overlay under k8s/overlays and check what a cluster would reject and
what a user of the platform would notice: schemas, probes, pod security, migrations, topics,
references between objects, and that no secret is committed."""

from __future__ import annotations

import ast
import copy
import functools
import importlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import kubernetes_validate
import pytest
import yaml
from cryptography.fernet import Fernet
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

from shared.dlq.__main__ import _parser as dlq_parser
from shared.events import ALL_TOPICS, AnyEvent, dead_letter_topic
from shared.file_settings import FileSettings
from shared.kafka import KafkaClientSettings
from shared.mail import MailSettings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
OVERLAYS_DIR = K8S / "overlays"
OVERLAYS = sorted(p for p in OVERLAYS_DIR.iterdir() if p.is_dir()) if OVERLAYS_DIR.is_dir() else []

# The oldest Kubernetes minor we support; the schemas ship with kubernetes-validate.
KUBERNETES_VERSION = "1.33"
BUILTIN_API_VERSIONS = {
    "v1",
    "apps/v1",
    "batch/v1",
    "autoscaling/v2",
    "policy/v1",
    "networking.k8s.io/v1",
    "admissionregistration.k8s.io/v1",
}
# Operator-defined kinds: no schema here, so only their identity is checked.
CUSTOM_KINDS = {
    "kafka.strimzi.io": {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"},
    "postgresql.cnpg.io": {"Cluster", "ScheduledBackup"},
    "monitoring.coreos.com": {"ServiceMonitor", "PodMonitor", "PrometheusRule"},
}

# Services with their own database and Alembic migrations: name -> settings prefix.
SERVICES = {
    "auth": "AUTH",
    "contacts": "CONTACTS",
    "dispatch": "DISPATCH",
    "billing": "BILLING",
    "dlr": "DLR",
}
HTTP_SERVICES = ["gateway", *SERVICES]
KAFKA_CLUSTER = "smsgw"
# Secrets created outside git (docs/deploy.md), with the keys the manifests read.
OUT_OF_BAND_SECRETS = {
    "auth-signing-key": {"private.pem", "private.next.pem", "private.previous.pem"},
    "smpp-credentials": {"password"},
    "auth-smtp": {"url"},
    "auth-totp-key": {"keys"},
    "internal-token": {"token"},
    "auth-unsubscribe": {"secret"},
    # The object store of the databases' backups (k8s/base/postgres).
    "postgres-backup-s3": {"ACCESS_KEY_ID", "ACCESS_SECRET_KEY"},
    # Several SMSC connections (k8s/components/smsc-routes): the list with its passwords, and
    # the TLS files it names.
    "smsc-connections": {"connections.json"},
    "smsc-tls": {"op-a-ca.crt", "client.crt", "client.key"},
}
# What such a Secret holds where its settings check the form (a placeholder would not pass).
SECRET_SAMPLES = {
    "auth-totp-key": Fernet.generate_key().decode(),
    "auth-unsubscribe": "an unsubscribe-link signing secret of 32+ characters",
    # The connections the example routes name (TLS with the system's CAs: the sample's
    # certificate files do not exist here).
    "smsc-connections": json.dumps(
        [
            {"name": n, "host": f"smpp.{n}.example", "port": 2775, "system_id": "acme"}
            | {"password": f"{n}-password", "tls": True}
            for n in ("op-a", "op-b")
        ]
    ),
}

# Third-party infrastructure the platform runs itself rather than through an operator: Redis,
# which holds the rate-limit counters. Its pods are labelled app.kubernetes.io/component:
# infrastructure. The rules written for the platform's own Python services (probes on /healthz
# and /readyz, two or more replicas in production, commands that start the platform's code) do
# not apply to these names, and only to these names; their own tests are further down.
INFRASTRUCTURE = {"redis"}
# The customers' web app (issue 12): its static build in an unprivileged nginx (web/Dockerfile,
# image smsgw-web), labelled app.kubernetes.io/component: web. Not a Python service either: no
# settings, Kafka user or /metrics; its own tests are in test_web_image.py.
STATIC_SITES = {"web"}
# The services whose rate limits count in Redis, and where they find it.
RATE_LIMITED = {"gateway", "auth"}
REDIS_URL = "redis://redis:6379/0"
REDIS_PORT = 6379

# libpq's variables, which asyncpg reads itself when the URL names no sslmode.
READ_BY_THE_DRIVER = {"PGSSLMODE", "PGSSLROOTCERT"}

Doc = dict[str, Any]


# --- rendering ---------------------------------------------------------------------------


def kubectl() -> str | None:
    beside_python = Path(sys.executable).parent / "kubectl"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("kubectl")


@functools.cache
def render(overlay: Path) -> tuple[Doc, ...]:
    binary = kubectl()
    if binary is None:
        pytest.skip("kubectl not found next to the Python interpreter nor on PATH")
    result = subprocess.run(
        [binary, "kustomize", str(overlay)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        pytest.fail(f"kubectl kustomize {overlay} failed:\n{result.stderr}")
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


@pytest.fixture(params=OVERLAYS, ids=[p.name for p in OVERLAYS])
def docs(request: pytest.FixtureRequest) -> tuple[Doc, ...]:
    return render(request.param)


def of_kind(docs: tuple[Doc, ...], kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind]


def by_name(docs: tuple[Doc, ...], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in of_kind(docs, kind)}


def ident(doc: Doc) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def workloads(docs: tuple[Doc, ...]) -> list[Doc]:
    return of_kind(docs, "Deployment") + of_kind(docs, "Job")


def pod_spec(workload: Doc) -> Doc:
    return workload["spec"]["template"]["spec"]


def containers(workload: Doc) -> list[Doc]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def env_of(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env", [])}


def config_of(container: Doc, docs: tuple[Doc, ...]) -> dict[str, str]:
    """The plain settings a container gets from its ConfigMaps and literal env values."""
    maps = by_name(docs, "ConfigMap")
    settings: dict[str, str] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        if ref and ref["name"] in maps:
            settings.update(maps[ref["name"]].get("data", {}))
    for name, entry in env_of(container).items():
        if "value" in entry:
            settings[name] = entry["value"]
    return settings


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def pod_labels(workload: Doc) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def is_static_site(workload: Doc) -> bool:
    return (
        pod_labels(workload).get("app.kubernetes.io/component") == "web"
        and workload["metadata"]["name"] in STATIC_SITES
    )


def is_infrastructure(workload: Doc) -> bool:
    """Exempt from the platform services' rules: labelled as infrastructure and named so above."""
    return (
        pod_labels(workload).get("app.kubernetes.io/component") == "infrastructure"
        and workload["metadata"]["name"] in INFRASTRUCTURE
    )


# --- checks: each returns the problems it found, so that it can be shown to fail ----------


def schema_problems(doc: Doc) -> list[str]:
    api_version = doc.get("apiVersion", "")
    if api_version in BUILTIN_API_VERSIONS:
        try:
            kubernetes_validate.validate(doc, desired_version=KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            path = "/".join(str(p) for p in e.path)
            return [f"{ident(doc)}: {e.message} (at {path or '/'})"]
        except kubernetes_validate.SchemaNotFoundError as e:
            return [f"{ident(doc)}: {e.message}"]
        return []
    group = api_version.split("/")[0]
    if doc.get("kind") not in CUSTOM_KINDS.get(group, set()):
        return [f"{ident(doc)}: unexpected apiVersion {api_version!r} for this kind"]
    name = doc.get("metadata", {}).get("name")
    if not isinstance(name, str) or not name:
        return [f"{ident(doc)}: custom resource without metadata.name"]
    return []


def probe_problems(deployment: Doc) -> list[str]:
    problems = []
    for c in pod_spec(deployment)["containers"]:
        ports = {p.get("name") for p in c.get("ports", [])} | {
            p["containerPort"] for p in c.get("ports", [])
        }
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = c.get(probe, {}).get("httpGet", {})
            if get.get("path") != path:
                problems.append(f"{ident(deployment)}/{c['name']}: {probe} is not GET {path}")
            elif get.get("port") not in ports:
                problems.append(f"{ident(deployment)}/{c['name']}: {probe} port is not declared")
    return problems


def infrastructure_probe_problems(deployment: Doc) -> list[str]:
    """Third-party servers have no /healthz: any one handler will do, but both probes exist."""
    problems = []
    for c in pod_spec(deployment)["containers"]:
        for probe in ("livenessProbe", "readinessProbe"):
            handlers = {"exec", "tcpSocket", "httpGet", "grpc"} & set(c.get(probe, {}))
            if len(handlers) != 1:
                problems.append(f"{ident(deployment)}/{c['name']}: no {probe}")
    return problems


def pod_security_problems(workload: Doc) -> list[str]:
    spec = pod_spec(workload)
    pod_ctx = spec.get("securityContext", {})
    problems = []
    if pod_ctx.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        problems.append(f"{ident(workload)}: seccompProfile is not RuntimeDefault")
    tmp_volumes = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    for c in containers(workload):
        where = f"{ident(workload)}/{c['name']}"
        ctx = {**pod_ctx, **c.get("securityContext", {})}
        if ctx.get("runAsNonRoot") is not True or ctx.get("runAsUser", 0) == 0:
            problems.append(f"{where}: may run as root")
        if ctx.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: root filesystem is writable")
        if ctx.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: privilege escalation allowed")
        if "ALL" not in ctx.get("capabilities", {}).get("drop", []):
            problems.append(f"{where}: capabilities not dropped")
        resources = c.get("resources", {})
        for kind in ("requests", "limits"):
            if not {"cpu", "memory"} <= set(resources.get(kind, {})):
                problems.append(f"{where}: no cpu/memory {kind}")
        mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        if mounts.get("/tmp") not in tmp_volumes:
            problems.append(f"{where}: /tmp is not a writable emptyDir")
    return problems


def secret_problems(doc: Doc) -> list[str]:
    if doc.get("kind") == "Secret" and (doc.get("data") or doc.get("stringData")):
        return [f"{ident(doc)}: secret values committed to git"]
    if doc.get("kind") == "Kustomization" and doc.get("secretGenerator"):
        return ["a kustomization generates Secrets from files or literals in git"]
    return []


# --- every overlay -------------------------------------------------------------------------


def test_dev_and_production_overlays_exist() -> None:
    assert {p.name for p in OVERLAYS} >= {"dev", "production"}


# Kinds that have no namespace at all (production's image admission policy among them).
CLUSTER_SCOPED_KINDS = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
}


def test_everything_lives_in_the_overlays_namespace(docs: tuple[Doc, ...]) -> None:
    """An object an overlay adds through a component of its own (k8s/components/smsc-routes)
    misses the namespace of an overlay it builds on, and would land in `default`."""
    (namespace,) = of_kind(docs, "Namespace")
    stray = [
        ident(d)
        for d in docs
        if d["kind"] not in CLUSTER_SCOPED_KINDS
        and d["metadata"].get("namespace") != namespace["metadata"]["name"]
    ]
    assert not stray, f"outside namespace {namespace['metadata']['name']}: {stray}"


def test_builtin_kinds_match_the_kubernetes_schema(docs: tuple[Doc, ...]) -> None:
    problems = [p for doc in docs for p in schema_problems(doc)]
    assert not problems, "\n".join(problems)


def test_deployments_probe_healthz_and_readyz(docs: tuple[Doc, ...]) -> None:
    deployments = of_kind(docs, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} >= {
        *HTTP_SERVICES,
        "dispatch-smpp",
        *INFRASTRUCTURE,
    }
    problems = [
        p
        for d in deployments
        for p in (infrastructure_probe_problems(d) if is_infrastructure(d) else probe_problems(d))
    ]
    assert not problems, "\n".join(problems)


def test_pods_run_as_non_root_with_limits(docs: tuple[Doc, ...]) -> None:
    problems = [p for w in workloads(docs) for p in pod_security_problems(w)]
    assert not problems, "\n".join(problems)


def test_rollouts_never_reduce_capacity(docs: tuple[Doc, ...]) -> None:
    for d in of_kind(docs, "Deployment"):
        if d["metadata"]["name"] == "dispatch-smpp":
            continue  # a singleton by design; see the next test
        assert d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, ident(d)


def test_the_smpp_connector_never_runs_twice(docs: tuple[Doc, ...]) -> None:
    connectors = [
        d for d in of_kind(docs, "Deployment") if d["metadata"]["name"] == "dispatch-smpp"
    ]
    assert connectors
    for d in connectors:
        assert d["spec"]["replicas"] == 1, ident(d)
        assert d["spec"]["strategy"]["type"] == "Recreate", ident(d)


def test_every_service_but_the_gateway_has_a_migration_job(docs: tuple[Doc, ...]) -> None:
    jobs = of_kind(docs, "Job")
    migrating = {}
    for job in jobs:
        (c,) = pod_spec(job)["containers"]
        argv = c.get("command", []) + c.get("args", [])
        if argv[:2] == ["alembic", "-c"] and argv[3:] == ["upgrade", "head"]:
            migrating[argv[2]] = (job, c)
    expected = {f"services/{name}/alembic.ini" for name in SERVICES}
    assert set(migrating) == expected
    for name, prefix in SERVICES.items():
        job, c = migrating[f"services/{name}/alembic.ini"]
        assert c.get("workingDir") == "/app", ident(job)
        assert job["spec"].get("backoffLimit", 0) > 0, ident(job)
        # The same settings as the service itself.
        (server,) = [
            s
            for s in pod_spec(by_name(docs, "Deployment")[name])["containers"]
            if s["name"] == name
        ]
        assert c.get("envFrom") == server.get("envFrom"), ident(job)
        assert c.get("env") == server.get("env"), ident(job)
        assert f"{prefix}_DATABASE_URL_FILE" in env_of(c), ident(job)


def test_databases_come_from_cloudnativepg_secrets(docs: tuple[Doc, ...]) -> None:
    """Each database URL is a file from the Secret CloudNativePG writes for the service's own
    cluster, never a variable (it holds the password)."""
    clusters = by_name(docs, "Cluster")
    checked = 0
    for w in workloads(docs):
        for c in containers(w):
            for var, entry in env_of(c).items():
                assert not var.endswith("_DATABASE_URL"), f"{ident(w)}: {var} in the environment"
                if not var.endswith("_DATABASE_URL_FILE"):
                    continue
                service = var.removesuffix("_DATABASE_URL_FILE").lower()
                sources = mounted_secret_sources(w, c)
                assert sources.get(entry["value"]) == (f"{service}-db-app", "uri"), ident(w)
                assert f"{service}-db" in clusters, f"no CNPG Cluster {service}-db"
                checked += 1
    assert checked >= 2 * len(SERVICES)


def test_referenced_objects_exist(docs: tuple[Doc, ...]) -> None:
    config_maps = by_name(docs, "ConfigMap")
    accounts = by_name(docs, "ServiceAccount")
    generated = {f"{name}-app": {"uri"} for name in by_name(docs, "Cluster")}
    secrets = {**OUT_OF_BAND_SECRETS, **generated}
    problems = []
    for w in workloads(docs):
        if pod_spec(w).get("serviceAccountName", "default") not in accounts:
            problems.append(f"{ident(w)}: unknown ServiceAccount")
        for c in containers(w):
            for source in c.get("envFrom", []):
                if source.get("configMapRef", {}).get("name") not in config_maps:
                    problems.append(f"{ident(w)}: envFrom {source} does not exist")
            for entry in c.get("env", []):
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["key"] not in secrets.get(ref["name"], set()):
                    problems.append(f"{ident(w)}: {entry['name']} reads unknown Secret {ref}")
    assert not problems, "\n".join(problems)


def test_services_route_to_a_declared_port(docs: tuple[Doc, ...]) -> None:
    deployments = of_kind(docs, "Deployment")
    for svc in of_kind(docs, "Service"):
        selector = svc["spec"]["selector"]
        backends = [
            d for d in deployments if selects(selector, d["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(backends) == 1, f"{ident(svc)} selects {[ident(d) for d in backends]}"
        # A migration Job's pod must never receive a Service's traffic.
        for job in of_kind(docs, "Job"):
            assert not selects(selector, job["spec"]["template"]["metadata"]["labels"])
        names = {p.get("name") for c in containers(backends[0]) for p in c.get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in names, ident(svc)
    assert set(by_name(docs, "Service")) == set(HTTP_SERVICES) | INFRASTRUCTURE | STATIC_SITES


def test_the_gateway_routes_to_the_services(docs: tuple[Doc, ...]) -> None:
    services = by_name(docs, "Service")
    gateway = config_of(pod_spec(by_name(docs, "Deployment")["gateway"])["containers"][0], docs)
    for name in SERVICES:
        assert gateway[f"GATEWAY_{name.upper()}_URL"] == f"http://{name}:8000"
        assert 8000 in {p["port"] for p in services[name]["spec"]["ports"]}


def test_the_smpp_worker_is_configured(docs: tuple[Doc, ...]) -> None:
    (worker,) = pod_spec(by_name(docs, "Deployment")["dispatch-smpp"])["containers"]
    smpp = config_of(worker, docs)
    assert {"SMPP_HOST", "SMPP_PORT", "SMPP_SYSTEM_ID", "DISPATCH_SMPP_WINDOW"} <= set(smpp)
    # The password is a file from Secret smpp-credentials, not a variable.
    assert "SMPP_PASSWORD" not in env_of(worker)
    path = env_of(worker)["SMPP_PASSWORD_FILE"]["value"]
    directory, _, filename = path.rpartition("/")
    (mount,) = [m for m in worker["volumeMounts"] if m["mountPath"] == directory]
    volume = next(
        v
        for v in pod_spec(by_name(docs, "Deployment")["dispatch-smpp"])["volumes"]
        if v["name"] == mount["name"]
    )
    assert volume["secret"]["secretName"] == "smpp-credentials"
    assert volume["secret"]["items"] == [{"key": "password", "path": filename}]
    # The worker's health server is what its probes reach.
    assert smpp["DISPATCH_SMPP_HEALTH_HOST"] == "0.0.0.0"
    assert {p["containerPort"] for p in worker["ports"]} == {int(smpp["DISPATCH_SMPP_HEALTH_PORT"])}


def settings_class(app_name: str) -> type[BaseSettings] | None:
    """The pydantic-settings class a workload of this app reads, if its code exists yet."""
    module_name = "gateway.config" if app_name == "gateway" else f"{app_name}_service.config"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    (cls,) = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, BaseSettings) and obj.__module__ == module_name
    ]
    return cls


def env_names(cls: type[BaseSettings]) -> dict[str, str]:
    """Environment variable (upper case) -> the field it sets."""
    prefix = cls.model_config.get("env_prefix", "")
    names = {}
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        choices = (
            alias.choices if isinstance(alias, AliasChoices) else [alias or prefix + field_name]
        )
        names.update({c.upper(): field_name for c in choices if isinstance(c, str)})
    return names


def manifest_env(container: Doc, docs: tuple[Doc, ...]) -> dict[str, str]:
    """What the container's environment holds once its Secrets exist."""
    env = config_of(container, docs)
    for name, entry in env_of(container).items():
        ref = entry.get("valueFrom", {}).get("secretKeyRef")
        if ref and ref["key"] == "uri":
            cluster = ref["name"].removesuffix("-app")
            env[name] = f"postgresql://app:pw@{cluster}-rw:5432/app"
        elif ref:
            env[name] = SECRET_SAMPLES.get(ref["name"], f"from Secret {ref['name']}")
    return env


def service_link_env(docs: tuple[Doc, ...]) -> dict[str, str]:
    """What the kubelet adds for each Service of the namespace to a pod that does not turn
    enableServiceLinks off (Docker-link style: NAME_SERVICE_HOST, NAME_PORT, ...)."""
    env = {}
    for i, svc in enumerate(of_kind(docs, "Service")):
        name = svc["metadata"]["name"].upper().replace("-", "_")
        ip = f"10.96.0.{10 + i}"
        ports = svc["spec"]["ports"]
        env[f"{name}_SERVICE_HOST"] = ip
        env[f"{name}_SERVICE_PORT"] = str(ports[0]["port"])
        env[f"{name}_PORT"] = f"{ports[0].get('protocol', 'TCP').lower()}://{ip}:{ports[0]['port']}"
        for port in ports:
            protocol = port.get("protocol", "TCP")
            if port.get("name"):
                env[f"{name}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}"] = str(
                    port["port"]
                )
            link = f"{name}_PORT_{port['port']}_{protocol}"
            env[link] = f"{protocol.lower()}://{ip}:{port['port']}"
            env[f"{link}_PROTO"] = protocol.lower()
            env[f"{link}_PORT"] = str(port["port"])
            env[f"{link}_ADDR"] = ip
    return env


def mounted_secret_sources(workload: Doc, container: Doc) -> dict[str, tuple[str, str]]:
    """The container's paths of mounted Secret files -> (Secret, key)."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    files = {}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        sources = [volume] if "secret" in volume else volume.get("projected", {}).get("sources", [])
        for source in sources:
            secret = source["secret"]
            name = secret.get("secretName", secret.get("name"))
            for item in secret.get("items", []):
                files[f"{mount['mountPath']}/{item['path']}"] = (name, item["key"])
    return files


def secret_sample(name: str, key: str) -> str:
    """What a Secret's key would hold, where the settings check its form."""
    if key == "uri":  # CloudNativePG's <cluster>-app
        return f"postgresql://app:pw@{name.removesuffix('-app')}-rw:5432/app"
    return SECRET_SAMPLES.get(name, f"from Secret {name}")


def mounted_secret_files(
    workload: Doc, container: Doc, root: Path, docs: tuple[Doc, ...] = ()
) -> dict[str, Path]:
    """The container's paths of the Secret files mounted in it -> a stand-in file under root
    holding what that Secret would (a sample); and of the ConfigMap files, with their data."""
    files = {}
    for path, (name, key) in mounted_secret_sources(workload, container).items():
        stand_in = root / name / key
        stand_in.parent.mkdir(parents=True, exist_ok=True)
        stand_in.write_text(secret_sample(name, key) + "\n")
        files[path] = stand_in
    maps = by_name(docs, "ConfigMap")
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        ref = volumes[mount["name"]].get("configMap")
        if ref is None:
            continue
        for item in ref.get("items", []):
            stand_in = root / "configmap" / ref["name"] / item["key"]
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text(maps[ref["name"]]["data"][item["key"]])
            files[f"{mount['mountPath']}/{item['path']}"] = stand_in
    return files


def test_every_process_starts_with_the_settings_it_is_given(
    docs: tuple[Doc, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    checked = 0
    for w in workloads(docs):
        cls = settings_class(w["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"])
        if cls is None:
            continue
        names = env_names(cls)
        # Every process reads KAFKA_* (shared.kafka, how its clients authenticate); auth's also
        # reads MAIL_* (shared.mail, where its mail goes).
        extras: list[type[BaseSettings]] = [KafkaClientSettings]
        if cls.__module__ == "auth_service.config":
            extras.append(MailSettings)
        for extra in extras:
            names = {**env_names(extra), **names}
        for c in containers(w):
            env = manifest_env(c, docs)
            # NAME_FILE: the setting NAME from a mounted Secret's file (shared.file_settings),
            # for the class that reads NAME.
            readers = {
                var: reader
                for reader in (cls, *extras)
                if issubclass(reader, FileSettings)
                for var in env_names(reader)
            }
            from_files = {
                var: names[var.removesuffix("_FILE")]
                for var in env
                if var.endswith("_FILE")
                and var.removesuffix("_FILE") in readers
                and var not in names
            }
            unread = sorted(set(env) - set(names) - READ_BY_THE_DRIVER - set(from_files))
            assert not unread, f"{ident(w)} sets variables {cls.__name__} never reads: {unread}"
            files = mounted_secret_files(w, c, tmp_path / ident(w) / c["name"], docs)
            for var in from_files:
                assert env[var] in files, f"{ident(w)}: {var}={env[var]} is no mounted Secret"
            for var, value in env.items():
                # A path setting naming a mounted file (a Secret's, a ConfigMap's) reads it.
                if value in files:
                    env[var] = str(files[value])
            for var in os.environ:
                if var.upper() in names:
                    monkeypatch.delenv(var)
            for var, value in env.items():
                monkeypatch.setenv(var, value)
            if pod_spec(w).get("enableServiceLinks", True):
                for var, value in service_link_env(docs).items():
                    if var not in env:  # the container's own variables win
                        monkeypatch.setenv(var, value)
            try:
                loaded = {reader: reader() for reader in (cls, *extras)}
            except ValueError as e:
                pytest.fail(f"{ident(w)} would not start: {e}")
            settings = loaded[cls]
            for var, field in from_files.items():
                value = getattr(loaded[readers[var.removesuffix("_FILE")]], field)
                if isinstance(value, SecretStr):
                    value = value.get_secret_value()
                # (a database URL's scheme rewritten to postgresql+asyncpg)
                expected = Path(env[var]).read_text().strip().split("://")[-1]
                assert str(value).split("://")[-1] == expected, f"{ident(w)}: {var}"
            # Whatever the code defaults to for a laptop must be overridden in the cluster.
            for field, value in settings.model_dump().items():
                text = str(value)
                assert "127.0.0.1" not in text, f"{ident(w)}: {field} = {text}"
                assert "localhost" not in text, f"{ident(w)}: {field} = {text}"
                assert "sqlite" not in text, f"{ident(w)}: {field} = {text}"
            if "database_url" in cls.model_fields:
                assert settings.database_url.startswith("postgresql+asyncpg://"), ident(w)
            if "create_topics" in cls.model_fields:
                assert settings.create_topics is False, ident(w)
            checked += 1
    if not checked:
        pytest.skip("no service's settings class is in the source tree yet")


def test_every_topic_the_platform_uses_exists(docs: tuple[Doc, ...]) -> None:
    (kafka,) = of_kind(docs, "Kafka")
    assert kafka["metadata"]["name"] == KAFKA_CLUSTER
    pools = [
        p
        for p in of_kind(docs, "KafkaNodePool")
        if p["metadata"]["labels"].get("strimzi.io/cluster") == KAFKA_CLUSTER
    ]
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    min_isr = int(kafka["spec"]["kafka"]["config"]["min.insync.replicas"])
    topics = {}
    for t in of_kind(docs, "KafkaTopic"):
        assert t["metadata"]["labels"].get("strimzi.io/cluster") == KAFKA_CLUSTER, ident(t)
        topics[t["spec"].get("topicName", t["metadata"]["name"])] = t
    # The event contract names the topics; every consumed topic has a dead-letter topic.
    expected = set(ALL_TOPICS) | {dead_letter_topic(t) for t in ALL_TOPICS}
    assert expected <= set(topics), f"missing KafkaTopics: {sorted(expected - set(topics))}"
    for name, t in topics.items():
        # A topic with more replicas than brokers is never created; fewer than min ISR rejects
        # every write.
        assert min_isr <= t["spec"]["replicas"] <= brokers, name
        assert t["spec"]["partitions"] >= 1, name


def secret_env_problems(workload: Doc) -> list[str]:
    """A Secret's value in a container's environment: in `kubectl describe pod`, in every
    child process and crash dump (checkov CKV_K8S_35). Secrets are mounted as files and read
    through <NAME>_FILE (shared.file_settings)."""
    problems = []
    for c in containers(workload):
        for entry in c.get("env", []):
            if "secretKeyRef" in entry.get("valueFrom", {}):
                problems.append(f"{ident(workload)}/{c['name']}: {entry['name']} from a Secret")
        for source in c.get("envFrom", []):
            if "secretRef" in source:
                problems.append(f"{ident(workload)}/{c['name']}: envFrom a Secret")
    return problems


def test_secrets_reach_the_processes_as_files_only(docs: tuple[Doc, ...]) -> None:
    problems = [p for w in workloads(docs) for p in secret_env_problems(w)]
    assert not problems, "\n".join(problems)
    # What the Secrets created out of band hold is mounted where the settings look for it.
    generated = {f"{name}-app": {"uri"} for name in by_name(docs, "Cluster")}
    generated |= {f"{name}-ca": {"ca.crt"} for name in by_name(docs, "Cluster")}
    generated |= {name: {"password"} for name in by_name(docs, "KafkaUser")}
    generated |= {CLUSTER_CA_SECRET: {"ca.crt"}}
    known = {**OUT_OF_BAND_SECRETS, **generated}
    for w in workloads(docs):
        for c in containers(w):
            for path, (name, key) in mounted_secret_sources(w, c).items():
                assert key in known.get(name, set()), f"{ident(w)}: {path} from {name}/{key}"


def test_checks_reject_a_secret_in_the_environment(deployment: Doc) -> None:
    assert not secret_env_problems(deployment)
    pod_spec(deployment)["containers"][0]["env"].append(
        {"name": "X", "valueFrom": {"secretKeyRef": {"name": "auth-smtp", "key": "url"}}}
    )
    pod_spec(deployment)["containers"][0]["envFrom"].append({"secretRef": {"name": "auth-smtp"}})
    assert len(secret_env_problems(deployment)) == 2


def test_no_secret_values_in_the_rendered_output(docs: tuple[Doc, ...]) -> None:
    problems = [p for doc in docs for p in secret_problems(doc)]
    assert not problems, "\n".join(problems)


# --- the files themselves, and each overlay's promises -------------------------------------


def committed_yaml() -> Iterator[tuple[Path, Doc]]:
    for path in sorted(K8S.rglob("*.y*ml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict):
                yield path, doc


def test_no_secret_values_in_any_committed_file() -> None:
    problems = [f"{path}: {p}" for path, doc in committed_yaml() for p in secret_problems(doc)]
    assert not problems, "\n".join(problems)
    for path in K8S.rglob("*"):
        if path.is_file():
            assert "PRIVATE KEY-----" not in path.read_text(errors="replace"), path


def test_dev_runs_one_of_everything() -> None:
    docs = render(OVERLAYS_DIR / "dev")
    assert {d["spec"]["replicas"] for d in of_kind(docs, "Deployment")} == {1}
    assert [p["spec"]["replicas"] for p in of_kind(docs, "KafkaNodePool")] == [1]
    assert {t["spec"]["replicas"] for t in of_kind(docs, "KafkaTopic")} == {1}
    assert {c["spec"]["instances"] for c in of_kind(docs, "Cluster")} == {1}
    assert not of_kind(docs, "NetworkPolicy"), "network policies are opt-in"


def test_production_survives_losing_a_pod() -> None:
    docs = render(OVERLAYS_DIR / "production")
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    assert set(hpas) == {"gateway", "dispatch"}
    pdbs = of_kind(docs, "PodDisruptionBudget")
    for d in of_kind(docs, "Deployment"):
        name = d["metadata"]["name"]
        labels = d["spec"]["template"]["metadata"]["labels"]
        covering = [p for p in pdbs if selects(p["spec"]["selector"]["matchLabels"], labels)]
        if name == "dispatch-smpp":
            continue  # a deliberate singleton: a restart pauses sending, never doubles it
        if is_infrastructure(d):
            # Redis: one replica on purpose (two would each count alone), and no disruption
            # budget, which for one pod could only block every node drain. While it is away
            # the rate limits pause and requests pass; the counters are disposable.
            assert d["spec"]["replicas"] == 1, name
            assert not covering, f"{name}: a PodDisruptionBudget would block node drains"
            continue
        if name in hpas:
            assert hpas[name]["spec"]["scaleTargetRef"]["kind"] == "Deployment"
            assert hpas[name]["spec"]["minReplicas"] >= 2, name
            # A replicas field would reset the autoscaler's choice on every apply.
            assert "replicas" not in d["spec"], name
        else:
            assert d["spec"]["replicas"] >= 2, name
        assert len(covering) == 1, f"{name}: {len(covering)} PodDisruptionBudgets"
    assert {t["spec"]["replicas"] for t in of_kind(docs, "KafkaTopic")} == {3}
    assert min(c["spec"]["instances"] for c in of_kind(docs, "Cluster")) >= 2


def test_production_never_lets_webhooks_reach_loopback() -> None:
    """WEBHOOKS_ALLOW_LOOPBACK is for make dev and the tests (dlr_service/webhooks/ssrf.py)."""
    rendered = json.dumps(render(OVERLAYS_DIR / "production"))
    assert "WEBHOOKS_ALLOW_LOOPBACK" not in rendered


def test_production_denies_traffic_by_default() -> None:
    docs = render(OVERLAYS_DIR / "production")
    policies = by_name(docs, "NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny
    assert "egress" not in deny
    for w in workloads(docs):
        labels = w["spec"]["template"]["metadata"]["labels"]
        assert selects(deny["podSelector"]["matchLabels"], labels), ident(w)
    (ingress,) = of_kind(docs, "Ingress")
    backends = {
        path["path"]: path["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert set(backends.values()) == {"gateway", *STATIC_SITES}
    # The web app's host sends its API paths to the gateway (the app calls its own origin).
    assert backends["/v1"] == backends["/.well-known"] == "gateway"


# --- Redis: the rate-limit counters every replica shares -----------------------------------


def label_selector_matches(selector: Doc, labels: dict[str, str]) -> bool:
    if not selects(selector.get("matchLabels", {}), labels):
        return False
    for e in selector.get("matchExpressions", []):
        value = labels.get(e["key"])
        operator, values = e["operator"], e.get("values", [])
        if operator == "In" and value not in values:
            return False
        if operator == "NotIn" and value is not None and value in values:
            return False
        if operator == "Exists" and value is None:
            return False
        if operator == "DoesNotExist" and value is not None:
            return False
    return True


def peer_matches(peer: Doc, labels: dict[str, str]) -> bool:
    # An address block, or a whole namespace, may hold any pod: counted as a match.
    if "podSelector" not in peer:
        return True
    return label_selector_matches(peer["podSelector"], labels)


def port_matches(ports: list[Doc] | None, port: int) -> bool:
    return not ports or any(
        p.get("protocol", "TCP") == "TCP"
        and (p.get("port") is None or p["port"] in (port, str(port)))
        or isinstance(p.get("port"), str)  # a named port: counted as a match
        for p in ports
    )


def policy_allows(
    policies: list[Doc], direction: str, pod: dict[str, str], peer: dict[str, str], port: int
) -> bool:
    """Whether the NetworkPolicies let `pod` send to (Egress) or receive from (Ingress) `peer`."""
    rules_key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    isolating = [
        p["spec"]
        for p in policies
        if direction in p["spec"].get("policyTypes", ["Ingress"])
        and label_selector_matches(p["spec"]["podSelector"], pod)
    ]
    if not isolating:
        return True
    return any(
        (not rule.get(peers_key) or any(peer_matches(x, peer) for x in rule[peers_key]))
        and port_matches(rule.get("ports"), port)
        for spec in isolating
        for rule in spec.get(rules_key, [])
    )


# Pods that are not the platform's workloads: a broker, a database instance, anything else.
OTHER_PODS = {
    "Kafka broker": {"strimzi.io/cluster": KAFKA_CLUSTER, "strimzi.io/kind": "Kafka"},
    "database instance": {"cnpg.io/cluster": "auth-db"},
    "unlabelled pod": {},
    "another smsgw pod": {"app.kubernetes.io/part-of": "smsgw"},
}


def redis_clients(docs: tuple[Doc, ...]) -> set[str]:
    """Every workload (and other pod) whose connections to Redis's port get through."""
    policies = of_kind(docs, "NetworkPolicy")
    redis = pod_labels(by_name(docs, "Deployment")["redis"])
    pods = {ident(w): pod_labels(w) for w in workloads(docs) if w["metadata"]["name"] != "redis"}
    pods.update(OTHER_PODS)
    return {
        name
        for name, labels in pods.items()
        if policy_allows(policies, "Egress", labels, redis, REDIS_PORT)
        and policy_allows(policies, "Ingress", redis, labels, REDIS_PORT)
    }


def redis_egress_problems(docs: tuple[Doc, ...]) -> list[str]:
    """Redis makes no connection: its egress is denied and no policy opens any of it."""
    redis = pod_labels(by_name(docs, "Deployment")["redis"])
    selecting = [
        p
        for p in of_kind(docs, "NetworkPolicy")
        if "Egress" in p["spec"].get("policyTypes", [])
        and label_selector_matches(p["spec"]["podSelector"], redis)
    ]
    if not selecting:
        return ["no policy denies Redis's egress"]
    return [f"{ident(p)} opens Redis's egress" for p in selecting if p["spec"].get("egress")]


def image_name(image: str) -> str:
    """The repository's last part: smsgw of ghcr.io/smsgw/smsgw:latest or ...smsgw@sha256:..."""
    return image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]


def test_only_third_party_images_are_exempt_as_infrastructure(docs: tuple[Doc, ...]) -> None:
    for w in workloads(docs):
        images = {image_name(c["image"]) for c in containers(w)}
        if is_infrastructure(w):
            assert "smsgw" not in images, f"{ident(w)} runs the platform's code"
        elif is_static_site(w):
            assert images == {"smsgw-web"}, ident(w)
        else:
            assert images == {"smsgw"}, ident(w)


def test_redis_runs_in_every_overlay(docs: tuple[Doc, ...]) -> None:
    redis = by_name(docs, "Deployment")["redis"]
    assert is_infrastructure(redis)
    # One Redis: two would each count alone, the very thing it is there to prevent.
    assert redis["spec"]["replicas"] == 1
    (c,) = pod_spec(redis)["containers"]
    # An exact 7.x tag, and in production its digest too (k8s/overlays/production/release).
    assert re.fullmatch(r"redis:7\.\d+\.\d+(@sha256:[0-9a-f]{64})?", c["image"]), c["image"]
    # The official image's redis user, never root.
    assert pod_spec(redis)["securityContext"]["runAsUser"] == 999
    # Disposable counters: nothing written to disk.
    argv = c["command"] + c["args"]
    assert argv[argv.index("--save") + 1] == ""
    assert argv[argv.index("--appendonly") + 1] == "no"
    for probe in ("livenessProbe", "readinessProbe"):
        assert c[probe]["exec"]["command"][0] == "redis-cli", probe
        assert c[probe]["exec"]["command"][-1] == "ping", probe
    service = by_name(docs, "Service")["redis"]
    assert {p["port"] for p in service["spec"]["ports"]} == {REDIS_PORT}
    assert selects(service["spec"]["selector"], pod_labels(redis))


def test_the_rate_limited_services_count_in_redis(docs: tuple[Doc, ...]) -> None:
    services = by_name(docs, "Service")
    deployments = by_name(docs, "Deployment")
    for name in RATE_LIMITED:
        (server,) = [c for c in pod_spec(deployments[name])["containers"] if c["name"] == name]
        url = config_of(server, docs).get("REDIS_URL")
        assert url == REDIS_URL, f"{name}: REDIS_URL = {url!r}"
        cls = settings_class(name)
        if cls is not None:
            assert env_names(cls)["REDIS_URL"] == "redis_url", f"{name} does not read REDIS_URL"
    # The URL names the Service on its port, and the Service leads to the Redis pod.
    host, port = REDIS_URL.removeprefix("redis://").split("/")[0].split(":")
    assert int(port) in {p["port"] for p in services[host]["spec"]["ports"]}
    assert selects(services[host]["spec"]["selector"], pod_labels(deployments["redis"]))


def test_production_lets_only_the_gateway_and_auth_reach_redis() -> None:
    docs = render(OVERLAYS_DIR / "production")
    assert redis_clients(docs) == {f"Deployment/{name}" for name in RATE_LIMITED}
    problems = redis_egress_problems(docs)
    assert not problems, "\n".join(problems)


def test_production_lets_anyone_reach_the_web_app_and_it_reach_nothing() -> None:
    docs = render(OVERLAYS_DIR / "production")
    policies = of_kind(docs, "NetworkPolicy")
    web = pod_labels(by_name(docs, "Deployment")["web"])
    (port,) = [p["containerPort"] for c in containers(by_name(docs, "Deployment")["web"])
               for p in c["ports"]]  # fmt: skip
    assert policy_allows(policies, "Ingress", web, OTHER_PODS["unlabelled pod"], port)
    # Static files: not even DNS, the broker or the services.
    peers = {**OTHER_PODS, **{ident(w): pod_labels(w) for w in workloads(docs)}}
    for name, labels in peers.items():
        for peer_port in (53, 5432, 8000, 9093, REDIS_PORT):
            assert not policy_allows(policies, "Egress", web, labels, peer_port), (name, peer_port)


# --- the commands point at code that exists -----------------------------------------------


def image_source_roots() -> list[Path]:
    """The Dockerfile's PYTHONPATH, mapped from /app in the image to the repository."""
    match = re.search(r"PYTHONPATH=(\S+)", (ROOT / "Dockerfile").read_text())
    assert match, "Dockerfile sets no PYTHONPATH"
    return [ROOT / entry.removeprefix("/app").lstrip("/") for entry in match[1].split(":")]


def find_module(module: str) -> Path | None:
    parts = module.split(".")
    for root in image_source_roots():
        if (root / parts[0] / "__init__.py").is_file():
            for candidate in (root.joinpath(*parts).with_suffix(".py"), root.joinpath(*parts)):
                if candidate.is_file():
                    return candidate
                if (candidate / "__main__.py").is_file():
                    return candidate / "__main__.py"
            return None
    return None


def base_commands() -> list[Any]:
    commands = []
    for path in sorted((K8S / "base").glob("*/*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") in ("Deployment", "Job"):
                if is_infrastructure(doc) or is_static_site(doc):
                    continue  # nginx or Redis: none of the platform's Python to find
                for c in pod_spec(doc)["containers"]:
                    argv = c["command"] + c.get("args", [])
                    commands.append(
                        pytest.param(doc["metadata"]["name"], argv, id=doc["metadata"]["name"])
                    )
    return commands


@pytest.mark.parametrize(("name", "argv"), base_commands())
def test_commands_start_code_that_exists(name: str, argv: list[str]) -> None:
    if argv[0] == "alembic":
        config = ROOT / argv[argv.index("-c") + 1]
        if not config.is_file():
            pytest.skip(f"{config.relative_to(ROOT)} is not in the source tree yet")
        return
    if argv[0] == "uvicorn":
        assert "--factory" in argv, f"{name}: the services expose create_app(), not an app"
        module, _, attribute = argv[argv.index("--factory") + 1].partition(":")
    else:
        assert argv[:2] == ["python", "-m"], f"{name}: unexpected command {argv}"
        module, attribute = argv[2], ""
    source = find_module(module)
    if source is None:
        pytest.skip(f"{module} is not in the source tree yet")
    if attribute:
        tree = ast.parse(source.read_text())
        factories = [
            node
            for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == attribute
        ]
        assert factories, f"{source.relative_to(ROOT)} defines no {attribute}()"
        arguments = factories[-1].args
        required = len(arguments.posonlyargs + arguments.args) - len(arguments.defaults)
        required += sum(d is None for d in arguments.kw_defaults)
        assert required == 0, f"{module}:{attribute} cannot be called without arguments"


# --- the checks above can fail -------------------------------------------------------------


@pytest.fixture
def deployment() -> Doc:
    return copy.deepcopy(by_name(render(OVERLAYS_DIR / "dev"), "Deployment")["auth"])


def test_checks_reject_a_deployment_without_readiness_probe(deployment: Doc) -> None:
    del pod_spec(deployment)["containers"][0]["readinessProbe"]
    assert probe_problems(deployment)


def test_checks_reject_a_root_container(deployment: Doc) -> None:
    pod_spec(deployment)["containers"][0]["securityContext"]["runAsUser"] = 0
    del pod_spec(deployment)["containers"][0]["resources"]["limits"]
    assert len(pod_security_problems(deployment)) == 2


def test_checks_reject_a_misspelt_field(deployment: Doc) -> None:
    pod_spec(deployment)["containers"][0]["readinesProbe"] = {}
    assert schema_problems(deployment)
    assert schema_problems({"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Cluster"})


def test_checks_reject_a_committed_secret() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}
    assert not secret_problems(secret)
    assert secret_problems({**secret, "stringData": {"password": "hunter2"}})
    assert secret_problems({"kind": "Kustomization", "secretGenerator": [{"name": "x"}]})


def test_checks_reject_a_policy_that_opens_redis() -> None:
    docs = copy.deepcopy(render(OVERLAYS_DIR / "production"))
    policies = by_name(docs, "NetworkPolicy")
    # Redis accepting everyone lets in the pods no policy restricts (outside the platform)...
    del policies["redis"]["spec"]["ingress"][0]["from"]
    assert {"unlabelled pod", "Kafka broker"} <= redis_clients(docs)
    # ...while the app's other pods are still stopped by their own egress...
    assert not {"Deployment/contacts", "Job/auth-migrate"} & redis_clients(docs)
    # ...until every app pod may also send anywhere on Redis's port.
    policies["kafka-egress"]["spec"]["egress"].append({"ports": [{"port": REDIS_PORT}]})
    assert {"Deployment/contacts", "Job/auth-migrate", "another smsgw pod"} <= redis_clients(docs)
    # Redis given a way out (DNS for every pod labelled part-of: smsgw, Redis included).
    assert not redis_egress_problems(docs)
    policies["allow-dns-egress"]["spec"]["podSelector"].pop("matchExpressions")
    assert redis_egress_problems(docs) == ["NetworkPolicy/allow-dns-egress opens Redis's egress"]


def test_production_confirms_sign_ups_by_real_mail() -> None:
    """Issue 7: in production an account's credit waits for its e-mail's confirmation, which
    goes out through the SMTP server in Secret auth-smtp; dev signs up without it."""
    production = render(OVERLAYS_DIR / "production")
    (auth,) = [w for w in workloads(production) if w["metadata"]["name"] == "auth"]
    (container,) = containers(auth)
    env = manifest_env(container, production)
    assert env["AUTH_SIGNUP_POLICY"] == "verified"
    # The SMTP URL holds the password: a mounted file, never a variable.
    assert "MAIL_SMTP_URL" not in env
    smtp_url = mounted_secret_sources(auth, container)[env["MAIL_SMTP_URL_FILE"]]
    assert smtp_url == ("auth-smtp", "url")
    assert "{token}" in env["AUTH_EMAIL_VERIFICATION_URL"]

    dev = render(OVERLAYS_DIR / "dev")
    (dev_auth,) = [w for w in workloads(dev) if w["metadata"]["name"] == "auth"]
    assert manifest_env(containers(dev_auth)[0], dev)["AUTH_SIGNUP_POLICY"] == "open"


# --- monitoring: what Prometheus scrapes and what it alerts on (issue 13 item 5) -----------

METRICS_DOC = ROOT / "docs" / "metrics.md"
# The alerts issue 13 names: SMSC unbound, consumer lag, outbox age, 5xx rate, receipts
# unmatched, webhook failures.
NAMED_ALERTS = {
    "SmscUnbound",
    "KafkaConsumerLagHigh",
    "OutboxEventsStuck",
    "HttpServerErrorRateHigh",
    "DeliveryReceiptsUnmatched",
    "WebhookDeliveriesFailing",
}
# Labels Prometheus adds to every scraped series, on top of the documented ones.
TARGET_LABELS = {"namespace", "job", "pod", "instance", "container", "service", "endpoint"}
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "rate", "irate", "increase", "histogram_quantile",
    "absent", "time", "by", "without", "on", "ignoring", "and", "or", "unless", "bool",
}  # fmt: skip


@functools.cache
def documented_series() -> dict[str, set[str]]:
    """Series name -> its labels, from the table in docs/metrics.md (histograms' too)."""
    series: dict[str, set[str]] = {}
    for line in METRICS_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[1] not in {"counter", "gauge", "histogram"}:
            continue
        labels = {label.strip() for label in cells[2].split(",") if label.strip()}
        suffixes = ["_bucket", "_sum", "_count"] if cells[1] == "histogram" else [""]
        for name in re.findall(r"`([a-z_:][a-z0-9_:]*)`", cells[0]):
            for suffix in suffixes:
                series[name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return series


def alert_expression_problems(alert: str, expr: str) -> list[str]:
    """Series the expression names that docs/metrics.md does not list, and label matchers on
    labels those series do not carry."""
    known = documented_series()
    problems = []
    for name, matchers in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", expr):
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers):
            if name in known and label not in known[name] | TARGET_LABELS:
                problems.append(f"{alert}: {name} has no label {label}")
    # What is left once strings, matchers, ranges and grouping clauses are gone is series
    # names, function names and numbers.
    bare = re.sub(r'"[^"]*"|\{[^}]*\}|\[[^]]*\]', " ", expr)
    grouping = re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", bare)
    for labels in grouping:
        for label in re.findall(r"[a-zA-Z_]\w*", labels):
            if label not in TARGET_LABELS | {lb for s in known.values() for lb in s}:
                problems.append(f"{alert}: groups by unknown label {label}")
    bare = re.sub(r"\b(?:by|without|on|ignoring)\s*\([^)]*\)", " ", bare)
    for word in re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", bare):
        if word not in PROMQL_WORDS and word not in known:
            problems.append(f"{alert}: {word} is not a documented series")
    return problems


def alert_rules(docs: tuple[Doc, ...]) -> dict[str, Doc]:
    return {
        rule["alert"]: rule
        for r in of_kind(docs, "PrometheusRule")
        for group in r["spec"]["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }


def test_production_alerts_on_what_breaks_sending() -> None:
    rules = alert_rules(render(OVERLAYS_DIR / "production"))
    assert set(rules) >= NAMED_ALERTS
    problems = [
        p for name, rule in rules.items() for p in alert_expression_problems(name, rule["expr"])
    ]
    assert not problems, "\n".join(problems)
    for name, rule in rules.items():
        # A blip is not a page: every alert waits before it fires.
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "")), name
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name


def scrape_targets(docs: tuple[Doc, ...]) -> dict[str, list[tuple[str, str]]]:
    """Deployment -> the (monitor, port name) pairs that scrape its pods."""
    services = of_kind(docs, "Service")
    deployments = of_kind(docs, "Deployment")
    targets: dict[str, list[tuple[str, str]]] = {d["metadata"]["name"]: [] for d in deployments}
    for monitor in of_kind(docs, "ServiceMonitor"):
        for svc in services:
            if not label_selector_matches(
                monitor["spec"]["selector"],
                svc["metadata"].get("labels", {}) | svc["spec"]["selector"],
            ):
                continue
            for endpoint in monitor["spec"]["endpoints"]:
                (svc_port,) = [p for p in svc["spec"]["ports"] if p["name"] == endpoint["port"]]
                for d in deployments:
                    if selects(svc["spec"]["selector"], pod_labels(d)):
                        targets[d["metadata"]["name"]].append(
                            (ident(monitor), svc_port["targetPort"])
                        )
    for monitor in of_kind(docs, "PodMonitor"):
        for d in deployments:
            if label_selector_matches(monitor["spec"]["selector"], pod_labels(d)):
                for endpoint in monitor["spec"]["podMetricsEndpoints"]:
                    targets[d["metadata"]["name"]].append((ident(monitor), endpoint["port"]))
    return targets


def test_production_scrapes_every_process_once_where_it_serves_metrics() -> None:
    docs = render(OVERLAYS_DIR / "production")
    policies = of_kind(docs, "NetworkPolicy")
    prometheus = {"app.kubernetes.io/name": "prometheus"}
    for d in of_kind(docs, "Deployment"):
        name = d["metadata"]["name"]
        targets = scrape_targets(docs)[name]
        if is_infrastructure(d) or is_static_site(d):
            assert not targets, f"{name} serves no /metrics"
            continue
        assert len(targets) == 1, f"{name} is scraped by {targets}"
        (_, port_name) = targets[0]
        ports = {p["name"]: p["containerPort"] for c in containers(d) for p in c.get("ports", [])}
        assert port_name in ports, f"{name} declares no port {port_name}"
        # Only the Prometheus in namespace `monitoring` gets in (an ipBlock-free namespace
        # selector counts as a match in policy_allows).
        assert policy_allows(policies, "Ingress", pod_labels(d), prometheus, ports[port_name]), name


def scrape_annotation_problems(docs: tuple[Doc, ...]) -> list[str]:
    """Every app pod tells a Prometheus without the Operator where its /metrics is: a port it
    declares (k8s/base/monitoring). Redis and the web app's nginx serve none, and say so."""
    problems = []
    for d in of_kind(docs, "Deployment"):
        notes = d["spec"]["template"]["metadata"].get("annotations", {})
        if is_infrastructure(d) or is_static_site(d):
            if notes.get("prometheus.io/scrape") == "true":
                problems.append(f"{ident(d)} serves no /metrics")
            continue
        ports = {p["containerPort"] for c in containers(d) for p in c.get("ports", [])}
        if notes.get("prometheus.io/scrape") != "true":
            problems.append(f"{ident(d)}: not marked for scraping")
        elif int(notes.get("prometheus.io/port", 0)) not in ports:
            problems.append(
                f"{ident(d)}: scrape port {notes.get('prometheus.io/port')} not declared"
            )
        elif notes.get("prometheus.io/path") != "/metrics":
            problems.append(f"{ident(d)}: scrape path is not /metrics")
    return problems


def test_every_overlay_can_be_monitored_without_the_operator(docs: tuple[Doc, ...]) -> None:
    """Monitoring in the base (issue 13): the dashboard and the scrape annotations need no CRD,
    so dev has them too; the Operator's objects stay an opt-in component."""
    problems = scrape_annotation_problems(docs)
    assert not problems, "\n".join(problems)
    dashboard = by_name(docs, "ConfigMap")["grafana-dashboard-smsgw"]
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"


def test_the_annotations_and_the_monitors_scrape_the_same_port() -> None:
    docs = render(OVERLAYS_DIR / "production")
    targets = scrape_targets(docs)
    for d in of_kind(docs, "Deployment"):
        if is_infrastructure(d) or is_static_site(d):
            continue
        ((_, port_name),) = targets[d["metadata"]["name"]]
        ports = {p["name"]: p["containerPort"] for c in containers(d) for p in c.get("ports", [])}
        notes = d["spec"]["template"]["metadata"]["annotations"]
        assert int(notes["prometheus.io/port"]) == ports[port_name], ident(d)


def test_checks_reject_a_pod_without_scrape_annotations() -> None:
    docs = copy.deepcopy(render(OVERLAYS_DIR / "dev"))
    gateway = by_name(docs, "Deployment")["gateway"]
    gateway["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] = "1234"
    del by_name(docs, "Deployment")["auth"]["spec"]["template"]["metadata"]["annotations"]
    assert len(scrape_annotation_problems(docs)) == 2


def test_checks_reject_an_alert_on_a_series_that_does_not_exist() -> None:
    assert not alert_expression_problems(
        "a", 'sum by (job) (rate(http_requests_total{status=~"5.."}[5m]))'
    )
    assert alert_expression_problems("a", "max(smpp_bind_upp) == 0")
    assert alert_expression_problems("a", 'rate(webhook_attempts_total{status="dead"}[5m])')
    assert alert_expression_problems("a", "max by (tenant) (kafka_consumer_lag_records)")
    # A histogram's series are there under their suffixes.
    assert not alert_expression_problems("a", "rate(webhook_attempt_duration_seconds_count[5m])")


def test_the_grafana_dashboard_graphs_what_the_alerts_watch() -> None:
    docs = render(OVERLAYS_DIR / "production")
    config_map = by_name(docs, "ConfigMap")["grafana-dashboard-smsgw"]
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    (dashboard,) = [json.loads(text) for text in config_map["data"].values()]
    # Every target of every panel (a panel may graph several series).
    exprs = [(p["title"], t["expr"]) for p in dashboard["panels"] for t in p.get("targets", [])]
    problems = [p for title, expr in exprs for p in alert_expression_problems(title, expr)]
    assert not problems, "\n".join(problems)

    def series(expr: str) -> set[str]:
        names = set(re.findall(r"\b([a-z_]+)(?=\s*[{\[)])", expr)) & set(documented_series())
        return {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}

    graphed = {s for _, expr in exprs for s in series(expr)}
    for name, rule in alert_rules(docs).items():
        assert series(rule["expr"]) <= graphed, f"{name}: its series are on no panel"


# --- Kafka: one KafkaUser per service, whose ACLs are exactly what its code uses -----------

EVENT_TOPICS = {model.__name__: model.topic for model in get_args(get_args(AnyEvent)[0])}
SOURCE_ROOTS = {
    **{name: ROOT / "services" / name / f"{name}_service" for name in SERVICES},
    "gateway": ROOT / "gateway" / "gateway",
}
# Calls that name an event class without publishing one.
NOT_PUBLISHING = {"isinstance", "issubclass", "cast", "TypeAdapter", "get_args"}
KAFKA_CREDENTIALS = "kafka-credentials"
CLUSTER_CA_SECRET = f"{KAFKA_CLUSTER}-cluster-ca-cert"


def call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def source_modules(app: str) -> Iterator[tuple[str, ast.Module]]:
    root = SOURCE_ROOTS[app]
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield module, ast.parse(path.read_text())


@functools.cache
def produced_topics(app: str) -> frozenset[str]:
    """The topics of the events the app's code builds (for its outbox or a producer): an event
    class called, or handed to a function that builds it; audit records through
    shared.audit."""
    topics = set()
    for _, tree in source_modules(app):
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "shared.audit":
                topics.add(EVENT_TOPICS["AuditRecorded"])
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node)
            if name in EVENT_TOPICS:
                topics.add(EVENT_TOPICS[name])
            elif name not in NOT_PUBLISHING:
                for arg in node.args:
                    if isinstance(arg, ast.Name) and arg.id in EVENT_TOPICS:
                        topics.add(EVENT_TOPICS[arg.id])
    return frozenset(topics)


@functools.cache
def consumed_topics(app: str) -> tuple[frozenset[str], frozenset[str]]:
    """(topics read, consumer groups): the consumer groups of the service's runtime as its
    create_app() wires them, and the topics the gateway follows without a group."""
    topics: set[str] = set()
    groups: set[str] = set()
    if app in SERVICES:
        main = importlib.import_module(f"{app}_service.main")
        runtime = main.create_app().state.runtime
        for spec in runtime.consumer_specs:
            topics.update(spec.topics)
            groups.add(spec.name)
    for module_name, tree in source_modules(app):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and call_name(node) == "TopicFeed":
                topic = node.args[1] if len(node.args) > 1 else None
                topic = next((k.value for k in node.keywords if k.arg == "topic"), topic)
                assert isinstance(topic, ast.Name), f"{module_name}: TopicFeed topic not a name"
                topics.add(getattr(importlib.import_module(module_name), topic.id))
    return frozenset(topics), frozenset(groups)


def expected_acls(app: str) -> set[tuple[str, str, str]]:
    """(resource type, name, operation) the app needs, and no more."""
    read, groups = consumed_topics(app)
    acls = {("topic", t, op) for t in produced_topics(app) for op in ("Describe", "Write")}
    acls |= {("topic", t, op) for t in read for op in ("Describe", "Read")}
    if groups:
        # The inbox dead-letters what it gives up on to <topic>.dlq.
        acls |= {("topic", dead_letter_topic(t), op) for t in read for op in ("Describe", "Write")}
    acls |= {("group", g, "Read") for g in groups}
    return acls


def granted_acls(user: Doc) -> set[tuple[str, str, str]]:
    return {
        (acl["resource"]["type"], acl["resource"]["name"], op)
        for acl in user["spec"]["authorization"]["acls"]
        if acl["resource"].get("patternType", "literal") == "literal"
        for op in acl["operations"]
    }


def kafka_user_of(workload: Doc) -> str | None:
    """The KafkaUser whose Secret the workload mounts for its Kafka password."""
    for volume in pod_spec(workload).get("volumes", []):
        if volume["name"] == KAFKA_CREDENTIALS:
            (user,) = [
                s["secret"]["name"]
                for s in volume["projected"]["sources"]
                if s["secret"]["name"] != CLUSTER_CA_SECRET
            ]
            return str(user)
    return None


def test_every_service_authenticates_to_kafka_as_itself_over_tls(docs: tuple[Doc, ...]) -> None:
    (kafka,) = of_kind(docs, "Kafka")
    listeners = kafka["spec"]["kafka"]["listeners"]
    # No way in without TLS and a password, and the ACLs are enforced.
    assert all(lst["tls"] and lst["authentication"]["type"] == "scram-sha-512" for lst in listeners)
    assert kafka["spec"]["kafka"]["authorization"]["type"] == "simple"
    assert "superUsers" not in kafka["spec"]["kafka"]["authorization"]
    users = by_name(docs, "KafkaUser")
    for w in of_kind(docs, "Deployment"):
        if is_infrastructure(w) or is_static_site(w):
            continue
        app = pod_labels(w)["app.kubernetes.io/name"]
        (c,) = pod_spec(w)["containers"]
        env = config_of(c, docs)
        assert kafka_user_of(w) == app, ident(w)
        assert users[app]["spec"]["authentication"]["type"] == "scram-sha-512"
        assert env["KAFKA_SASL_USERNAME"] == app, ident(w)
        settings = KafkaClientSettings(
            **{
                k.removeprefix("KAFKA_").lower(): v
                for k, v in env.items()
                if k.startswith("KAFKA_") and k != "KAFKA_BOOTSTRAP_SERVERS"
            }
        )
        assert settings.security_protocol == "SASL_SSL", ident(w)
        # The files the settings name are where the Secrets are mounted.
        (mount,) = [m for m in c["volumeMounts"] if m["name"] == KAFKA_CREDENTIALS]
        volume = next(v for v in pod_spec(w)["volumes"] if v["name"] == KAFKA_CREDENTIALS)
        files = {
            f"{mount['mountPath']}/{item['path']}": (s["secret"]["name"], item["key"])
            for s in volume["projected"]["sources"]
            for item in s["secret"]["items"]
        }
        assert files[str(settings.sasl_password_file)] == (app, "password"), ident(w)
        assert files[str(settings.ssl_cafile)] == (CLUSTER_CA_SECRET, "ca.crt"), ident(w)
        port = int(env["KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)[1])
        assert port in {lst["port"] for lst in listeners}, ident(w)


def test_each_kafka_user_may_use_exactly_its_services_topics(docs: tuple[Doc, ...]) -> None:
    users = by_name(docs, "KafkaUser")
    services = {*SERVICES, "gateway"}
    problems = []
    for app in sorted(services):
        expected, granted = expected_acls(app), granted_acls(users[app])
        for missing in sorted(expected - granted):
            problems.append(f"{app} may not {missing}: its code needs it")
        for extra in sorted(granted - expected):
            problems.append(f"{app} may {extra}: its code does not need it")
    assert not problems, "\n".join(problems)
    # Any other user is an operator's tool, mounted in no pod.
    mounted = {kafka_user_of(w) for w in workloads(docs)}
    assert mounted - {None} == services
    assert set(users) - services == {"dlq-redrive"}


def test_checks_find_what_a_service_publishes_and_reads() -> None:
    # Non-vacuous: the derivation sees the events that matter most.
    assert "billing.charges" in produced_topics("billing")
    assert "billing.charges" not in produced_topics("dispatch")
    assert "billing.charges" in consumed_topics("dispatch")[0]
    assert consumed_topics("gateway") == (
        frozenset({"auth.api-keys", "auth.accounts"}),
        frozenset(),
    )
    # A user allowed to publish charges without being billing is reported.
    docs = copy.deepcopy(render(OVERLAYS_DIR / "production"))
    dispatch = by_name(docs, "KafkaUser")["dispatch"]
    dispatch["spec"]["authorization"]["acls"].append(
        {"resource": {"type": "topic", "name": "billing.charges"}, "operations": ["Write"]}
    )
    assert ("topic", "billing.charges", "Write") in granted_acls(dispatch) - expected_acls(
        "dispatch"
    )


def test_the_user_operator_reconciles_the_kafka_users(docs: tuple[Doc, ...]) -> None:
    (kafka,) = of_kind(docs, "Kafka")
    assert "userOperator" in kafka["spec"]["entityOperator"]
    for user in of_kind(docs, "KafkaUser"):
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == KAFKA_CLUSTER, ident(user)


def test_the_namespace_enforces_the_restricted_pod_security_standard(
    docs: tuple[Doc, ...],
) -> None:
    (namespace,) = of_kind(docs, "Namespace")
    labels = namespace["metadata"]["labels"]
    for mode in ("enforce", "warn", "audit"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted", mode
    # Only volume types the restricted standard allows.
    allowed = {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
    for w in workloads(docs):
        for volume in pod_spec(w).get("volumes", []):
            assert set(volume) - {"name"} <= allowed, f"{ident(w)}: {volume['name']}"


def test_production_lets_the_smpp_connector_reach_only_the_smsc() -> None:
    docs = render(OVERLAYS_DIR / "production")
    (worker,) = pod_spec(by_name(docs, "Deployment")["dispatch-smpp"])["containers"]
    smpp_port = int(config_of(worker, docs)["SMPP_PORT"])
    connector = pod_labels(by_name(docs, "Deployment")["dispatch-smpp"])
    outside = []
    for policy in of_kind(docs, "NetworkPolicy"):
        spec = policy["spec"]
        if "Egress" not in spec.get("policyTypes", []):
            continue
        if not label_selector_matches(spec["podSelector"], connector):
            continue
        for rule in spec.get("egress", []):
            for peer in rule.get("to", []):
                if "ipBlock" in peer:
                    outside.append((policy["metadata"]["name"], peer["ipBlock"], rule["ports"]))
    assert outside, "the connector cannot reach its SMSC"
    for name, block, ports in outside:
        network = ipaddress.ip_network(block["cidr"])
        # An SMSC's range, not the internet.
        assert network.prefixlen >= 16, f"{name}: {block['cidr']}"
        assert [p["port"] for p in ports] == [smpp_port], name


def test_production_backs_up_every_database_continuously_and_nightly() -> None:
    docs = render(OVERLAYS_DIR / "production")
    clusters = by_name(docs, "Cluster")
    assert set(clusters) == {f"{name}-db" for name in SERVICES}
    scheduled = [b["spec"]["cluster"]["name"] for b in of_kind(docs, "ScheduledBackup")]
    destinations = []
    for name, cluster in clusters.items():
        backup = cluster["spec"]["backup"]
        assert re.fullmatch(r"\d+[dwm]", backup["retentionPolicy"]), name
        store = backup["barmanObjectStore"]
        destinations.append(store["destinationPath"])
        # Credentials from a Secret created out of band, never inline.
        for ref in store["s3Credentials"].values():
            assert ref["key"] in OUT_OF_BAND_SECRETS[ref["name"]], name
        # One nightly base backup each; the WAL in between is archived continuously.
        assert scheduled.count(name) == 1, name
    # Each database in a path of its own: two clusters archiving into one would corrupt both.
    assert len(set(destinations)) == len(destinations)
    for b in of_kind(docs, "ScheduledBackup"):
        assert len(b["spec"]["schedule"].split()) == 6, "CNPG schedules have a seconds field"
        assert b["spec"]["method"] == "barmanObjectStore"


def test_dev_archives_nothing() -> None:
    docs = render(OVERLAYS_DIR / "dev")
    assert not of_kind(docs, "ScheduledBackup")
    assert not [c for c in of_kind(docs, "Cluster") if "backup" in c["spec"]]


# --- operations: the one-off Jobs docs/operations.md runs ----------------------------------


def test_the_dead_letter_job_runs_the_tool_as_its_own_kafka_user() -> None:
    (job,) = list(yaml.safe_load_all((K8S / "ops" / "dlq-job.yaml").read_text()))
    assert not schema_problems(job)
    assert not pod_security_problems(job)
    (c,) = pod_spec(job)["containers"]
    env = {e["name"]: e["value"] for e in c["env"]}
    # The arguments the runbook fills in are ones the tool takes.
    argv = [env.get(a[2:-1], a) if a.startswith("$(") else a for a in c["args"][2:]]
    for command in ("list", "redrive"):
        argv[0] = command
        assert dlq_parser().parse_args([*argv[:-1], "dispatch.messages.dlq"]).command == command
    settings = KafkaClientSettings(
        **{k.removeprefix("KAFKA_").lower(): v for k, v in env.items() if k.startswith("KAFKA_")}
    )
    assert settings.sasl_username == kafka_user_of(job) == "dlq-redrive"
    production = render(OVERLAYS_DIR / "production")
    assert "dlq-redrive" in by_name(production, "KafkaUser")
    (kafka,) = of_kind(production, "Kafka")
    broker = {"strimzi.io/cluster": KAFKA_CLUSTER, "strimzi.io/kind": "Kafka"}
    port = int(env["KAFKA_BOOTSTRAP_SERVERS"].rsplit(":", 1)[1])
    assert port in {lst["port"] for lst in kafka["spec"]["kafka"]["listeners"]}
    policies = of_kind(production, "NetworkPolicy")
    assert policy_allows(policies, "Egress", pod_labels(job), broker, port)


def test_alerts_link_to_runbooks_that_exist() -> None:
    text = (ROOT / "docs" / "operations.md").read_text()
    anchors = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in text.splitlines()
        if line.startswith("## ")
    }
    # Issue 13 item 6: the runbooks an operator needs.
    assert anchors >= {
        "deploy",
        "roll-back",
        "rotate-the-signing-key",
        "rotate-the-smpp-credentials",
        "scale",
        "drain-an-smsc-connection",
        "replay-a-dead-letter-topic",
        "restore-postgresql",
        "respond-to-a-breach",
    }
    linked = list(alert_rules(render(OVERLAYS_DIR / "production")).values())
    for rule in linked:
        runbook = rule["annotations"].get("runbook")
        if runbook:
            page, _, anchor = runbook.partition("#")
            assert page == "docs/operations.md", runbook
            assert anchor in anchors, runbook
    assert sum("runbook" in r["annotations"] for r in linked) >= 4


def test_every_database_client_verifies_the_server_over_tls(docs: tuple[Doc, ...]) -> None:
    checked = 0
    for w in workloads(docs):
        for c in containers(w):
            urls = [var for var in env_of(c) if var.endswith("_DATABASE_URL_FILE")]
            if not urls:
                continue
            service = urls[0].removesuffix("_DATABASE_URL_FILE").lower()
            env = config_of(c, docs)
            assert env.get("PGSSLMODE") == "verify-full", ident(w)
            sources = mounted_secret_sources(w, c)
            assert sources.get(env["PGSSLROOTCERT"]) == (f"{service}-db-ca", "ca.crt"), ident(w)
            checked += 1
    assert checked >= 2 * len(SERVICES)  # each service's server and its migration Job
