"""The Kubernetes manifests in k8s/ and the Dockerfile: they parse, and they agree with each
other and with the services (ports, probes, users, addresses)."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import sys
from pathlib import Path
from typing import Any

import yaml

from common.addresses import is_uri
from common.auth.setup import SECRET_COMMAND
from common.matching import LibraryTrack, TrackIndex
from common.matching.image import encode
from emulators.library import generate
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "k8s"
DOCKERFILE = ROOT / "Dockerfile"

STACK = {"config": 50051, "cache": 50052, "sync": 50053, "gateway": 50054}
MODULES = {"config": "config_svc", "cache": "cache_svc", "sync": "sync_svc", "gateway": "gateway"}
GATEWAY_HTTP_PORT = 8080


def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return docs


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in manifests() if d["kind"] == kind}


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e for e in container.get("env", [])}


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    assert kustomization["namespace"] == "cmdarr"
    namespaces = {d["metadata"].get("namespace") for d in manifests() if d["kind"] != "Namespace"}
    assert namespaces == {"cmdarr"}
    assert "cmdarr" in of_kind("Namespace")


def test_a_deployment_per_service_with_grpc_probes_on_its_port() -> None:
    deployments = of_kind("Deployment")
    assert set(deployments) == set(STACK)
    for name, port in STACK.items():
        pod = deployments[name]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["command"] == ["python", "-m", MODULES[name]]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["grpc"] == port
        for probe in ("livenessProbe", "readinessProbe"):
            assert container[probe]["grpc"] == {"port": port}, (name, probe)
        # It listens where its probes and Services look.
        assert env_of(container)[f"CMDARR_{name.upper()}_LISTEN"]["value"] == f"0.0.0.0:{port}"
        assert f"CMDARR_{name.upper()}_ADDR" not in env_of(container), "callers' address"
        assert container["envFrom"] == [{"configMapRef": {"name": "cmdarr-env"}}]
    gateway = deployments["gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "http", "containerPort": GATEWAY_HTTP_PORT, "protocol": "TCP"} in gateway[
        "ports"
    ]
    http = env_of(gateway)["CMDARR_GATEWAY_HTTP_ADDR"]["value"]
    assert http == f"0.0.0.0:{GATEWAY_HTTP_PORT}"


def test_pods_run_as_the_image_user_without_privileges_and_with_limits() -> None:
    uid = int(final_user().split(":")[0])
    for name, deployment in of_kind("Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == uid
        for container in pod["containers"]:
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, name
            assert security["allowPrivilegeEscalation"] is False, name
            assert security["capabilities"]["drop"] == ["ALL"], name
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) >= {"cpu", "memory"}, name
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert {"/data", "/tmp"} <= mounts, "writable places on a read-only root"


def _quantity(text: str) -> int:
    """A Kubernetes quantity in bytes (the binary suffixes the manifests use)."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    return int(text[:-2]) * units[text[-2:]] if text[-2:] in units else int(text)


def test_cache_svc_tmp_holds_the_build_images_of_two_large_targets() -> None:
    """Builds hand index images to their worker processes through /tmp, one image per
    target building: two targets of 1,000,000 tracks building at once fit its sizeLimit
    (a pod over it is evicted); the ids are as long as Jellyfin's."""
    catalog = generate(seed=1, tracks=2_000, audiobooks=0)
    index = TrackIndex(
        LibraryTrack(
            f"{t.seq:032x}",
            s.title,
            t.title,
            t.artists,
            t.album_artist,
            t.album,
            t.duration_ms,
            t.mbid,
        )
        for s in catalog.sections
        for t in s.tracks
    )
    index.seal()
    per_track = len(encode(index)) / len(index)
    pod = of_kind("Deployment")["cache"]["spec"]["template"]["spec"]
    tmp = next(v for v in pod["volumes"] if v["name"] == "tmp")
    assert 2 * 1_000_000 * per_track <= _quantity(tmp["emptyDir"]["sizeLimit"])


def test_every_service_runs_replicas_that_roll_without_downtime() -> None:
    deployments = of_kind("Deployment")
    budgets = of_kind("PodDisruptionBudget")
    for name in STACK:
        spec = deployments[name]["spec"]
        assert spec["replicas"] >= 2, name
        assert spec["strategy"]["type"] == "RollingUpdate", name
        assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        assert spec["strategy"]["rollingUpdate"]["maxSurge"] >= 1, name
        budget = budgets[name]["spec"]
        assert budget["minAvailable"] == 1, name
        assert budget["selector"]["matchLabels"] == spec["selector"]["matchLabels"], name
        assert spec["selector"]["matchLabels"].items() <= (
            spec["template"]["metadata"]["labels"].items()
        )


def test_state_lives_in_postgresql_from_a_secret_not_on_the_pods() -> None:
    assert not of_kind("PersistentVolumeClaim"), "replicas share PostgreSQL, not volumes"
    config_map = of_kind("ConfigMap")["cmdarr-env"]["data"]
    assert config_map["CMDARR_DATA_DIR"] == "/data"
    for name, deployment in of_kind("Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes["data"], name
        env = env_of(pod["containers"][0])
        if name == "gateway":
            assert "CMDARR_DATABASE_URL" not in env, "the gateway keeps nothing"
            continue
        # Required (no `optional`): a pod without it would fall back to a SQLite file
        # of its own, which two replicas must never do.
        reference = env["CMDARR_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert reference == {"name": "cmdarr-database", "key": "url"}, name
    kustomization = (K8S / "kustomization.yaml").read_text()
    assert "secret generic cmdarr-database" in kustomization
    assert "advisory lock" in kustomization, "how migrations run once is written down"


def test_every_pod_needs_the_api_key_secret() -> None:
    """The key is not optional: each pod mounts the Secret (a pod without it does not
    start) and the services read it from the file, which follows a rotation."""
    config_map = of_kind("ConfigMap")["cmdarr-env"]["data"]
    path = Path(config_map["CMDARR_API_KEY_FILE"])
    assert config_map.get("CMDARR_AUTH", "auto") in ("auto", "required")
    for name, deployment in of_kind("Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        secret = volumes["api-key"]["secret"]
        assert secret["secretName"] == "cmdarr-secrets", name
        assert not secret.get("optional"), name
        assert secret["defaultMode"] & 0o007 == 0, "not readable by others"
        (container,) = pod["containers"]
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        assert mounts["api-key"]["mountPath"] == str(path.parent), name
        assert mounts["api-key"]["readOnly"] is True
        assert "CMDARR_API_KEY" not in env_of(container), name
    kustomization = (K8S / "kustomization.yaml").read_text()
    assert SECRET_COMMAND in kustomization, "the one-line command that creates it"
    assert "optional" not in kustomization.lower()


async def test_a_pod_without_the_secret_file_refuses_to_start(tmp_path: Path) -> None:
    """config_svc with the pod's environment but no Secret mounted: it exits at once,
    naming the command that creates the Secret. (Loopback and CMDARR_AUTH=required here
    stand in for the pod's 0.0.0.0.)"""
    config_map = of_kind("ConfigMap")["cmdarr-env"]["data"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMDARR_")}
    env.update(config_map)
    env.update(
        CMDARR_API_KEY_FILE=str(tmp_path / "secrets" / "api-key"),
        CMDARR_DATA_DIR=str(tmp_path / "data"),
        CMDARR_CONFIG_LISTEN=f"127.0.0.1:{free_port()}",
        CMDARR_AUTH="required",
        CMDARR_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'config.db'}",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "config_svc", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    text = output.decode()
    assert "cannot start" in text
    assert SECRET_COMMAND in text
    assert not (tmp_path / "secrets").exists(), "never generated for a Secret's file"


def test_callers_balance_over_the_replicas_through_headless_services() -> None:
    services = of_kind("Service")
    deployments = of_kind("Deployment")
    addresses = of_kind("ConfigMap")["cmdarr-env"]["data"]
    for name, port in STACK.items():
        headless = services[f"{name}-headless"]["spec"]
        assert headless["clusterIP"] == "None"
        assert not headless.get("publishNotReadyAddresses"), "only ready pods in DNS"
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert headless["selector"].items() <= labels.items()
        ports = {p["name"]: p for p in headless["ports"]}
        assert ports["grpc"]["port"] == port
        assert ports["grpc"]["targetPort"] == "grpc"
        fqdn = f"{name}-headless.cmdarr.svc.cluster.local"
        assert addresses[f"CMDARR_{name.upper()}_ADDR"] == f"dns:///{fqdn}:{port}"
        assert is_uri(addresses[f"CMDARR_{name.upper()}_ADDR"])


def test_services_route_to_the_pods() -> None:
    services = of_kind("Service")
    deployments = of_kind("Deployment")
    for name, port in STACK.items():
        service = services[name]["spec"]
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert service["selector"].items() <= labels.items()
        ports = {p["name"]: p for p in service["ports"]}
        assert ports["grpc"]["port"] == port
        assert ports["grpc"]["targetPort"] == "grpc"
    http = {p["name"]: p for p in services["gateway"]["spec"]["ports"]}["http"]
    assert http["port"] == GATEWAY_HTTP_PORT
    assert http["targetPort"] == "http"


# --- Dockerfile ----------------------------------------------------------------------


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined; heredoc
    bodies are skipped."""
    lines = DOCKERFILE.read_text().splitlines()
    result: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        while line.endswith("\\") and i < len(lines):
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
        heredoc = re.search(r"<<-?'?(\w+)'?", rest)
        if heredoc:
            while i < len(lines) and lines[i].strip() != heredoc.group(1):
                i += 1
            i += 1
    return result


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def final_user() -> str:
    users = [args for keyword, args in final_stage() if keyword == "USER"]
    assert users, "the final stage sets a USER"
    return users[-1]


def test_dockerfile_final_stage_runs_as_a_non_root_user() -> None:
    user, _, group = final_user().partition(":")
    assert user not in ("", "root", "0")
    assert user.isdigit(), "numeric, so that runAsNonRoot can be checked"
    assert group != "0"


def test_dockerfile_is_multi_stage_with_a_slim_runtime_free_of_compilers() -> None:
    steps = instructions()
    args = {
        name: default
        for keyword, rest in steps
        if keyword == "ARG"
        for name, _, default in [rest.partition("=")]
    }
    stages = [rest for keyword, rest in steps if keyword == "FROM"]
    assert len(stages) >= 2
    base = shlex.split(stages[-1])[0]
    assert re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base) == "python:3.11-slim"
    builder = " ".join(rest for keyword, rest in steps[: len(steps) - len(final_stage())])
    assert "python protos/generate.py --no-type-stubs gen" in builder
    assert "sh release/install-lock.sh python /opt/venv requirements.lock" in builder
    final = final_stage()
    runs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    assert not re.search(r"build-essential|\bgcc\b|apt-get install", runs)
    copies = [rest for keyword, rest in final if keyword == "COPY"]
    assert all(copy.startswith("--from=") for copy in copies), "only what the builder made"
    env = " ".join(rest for keyword, rest in final if keyword == "ENV")
    assert re.search(r"PYTHONPATH=/app:/app/gen\b", env)
    assert "CMDARR_DATA_DIR=/data" in env
    assert ("VOLUME", '["/data"]') in final


def test_services_serve_metrics_and_document_the_tracing_variables() -> None:
    deployments = of_kind("Deployment")
    (configmap,) = of_kind("ConfigMap").values()
    for name in ("config", "cache", "sync"):
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        address = configmap["data"][f"CMDARR_{name.upper()}_METRICS_ADDR"]
        assert address == f"0.0.0.0:{ports['metrics']}", name
    # Tracing stays off unless an operator names a collector: documented, not set.
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in configmap["data"]
    text = (ROOT / "k8s" / "configmap.yaml").read_text()
    for variable in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER", "OTEL_SERVICE_NAME"):
        assert variable in text
