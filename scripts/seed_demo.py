"""Seed the sandbox with the demo's sample resources. Idempotent: what exists is left as it is.

Docker: a web server, a chatty logger and a crashed container; the seed-shaped compose stack from
examples/, brought up by portside's own compose engine.
Kubernetes: namespace "demo" with a 3-replica web deployment and one that crash-loops.
Run with the sandbox's environment (scripts/sandbox env).
"""

from __future__ import annotations

import sys
from pathlib import Path

import docker
import docker.errors

from tui.adapters.compose_engine import ComposeEngine
from tui.adapters.compose_model import load_project
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import Conflict
from tui.adapters.kube_cluster import KubeCluster

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "portside/busybox:latest"
NAMESPACE = "demo"
CONTAINERS = {
    "demo-web": {
        "command": ["httpd", "-f", "-v", "-p", "80", "-h", "/var/www"],
        "ports": {"80/tcp": ("127.0.0.1", 8080)},
        "restart_policy": {"Name": "always"},
        "environment": {"GREETING": "hello", "API_TOKEN": "not-a-real-token"},
    },
    "demo-logger": {
        "command": [
            "sh",
            "-c",
            'i=0; while true; do i=$((i+1)); echo "tick $i level=info msg=\\"working\\""; sleep 1; done',
        ],
        "init": True,
    },
    "demo-crashed": {"command": ["sh", "-c", "echo failing; exit 3"], "start_only_once": True},
}


def seed_docker() -> None:
    client = docker.from_env(version="auto")
    for name, options in CONTAINERS.items():
        options = dict(options)
        once = options.pop("start_only_once", False)
        try:
            existing = client.containers.get(name)
        except docker.errors.NotFound:
            existing = None
        if existing is not None:
            if not once and existing.status != "running":  # stopped by a sandbox restart: back to the known state
                existing.start()
                print(f"    container {name} started again")
            else:
                print(f"    container {name} exists")
            continue
        container = client.containers.create(IMAGE, name=name, labels={"portside.demo": "1"}, **options)
        container.start()
        print(f"    container {name} {'ran once' if once else 'started'}")
    # portside's own compose engine (no compose plugin needed); an unchanged stack is left as it is.
    project = load_project([ROOT / "examples/elastic-stack/docker-compose.yml"], project_name="elastic")
    result = ComposeEngine(DockerEngine()).up(project)
    changed = [f"{e.name} {e.action}" for e in result.events if e.kind == "container"]
    print(f"    compose stack elastic: {', '.join(changed) if changed else 'up to date'}")


def deployment(name: str, replicas: int, command: list[str]) -> dict[str, object]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 2,
                    "containers": [{"name": name, "image": IMAGE, "imagePullPolicy": "Never", "command": command}],
                },
            },
        },
    }


def seed_kubernetes() -> None:
    kube = KubeCluster(context="sandbox-admin")
    objects = [
        ("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}),
        (
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments",
            deployment("web", 3, ["httpd", "-f", "-v", "-p", "80", "-h", "/var/www"]),
        ),
        (
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments",
            deployment("crashy", 1, ["sh", "-c", "echo starting; sleep 2; echo giving up >&2; exit 1"]),
        ),
    ]
    for path, body in objects:
        name = body["metadata"]["name"]  # type: ignore[index]
        try:
            kube.request("POST", path, body=body)
            print(f"    created {body['kind']} {name}")
        except Conflict:
            print(f"    {body['kind']} {name} exists")


def main() -> None:
    print("==> seeding demo resources")
    seed_docker()
    seed_kubernetes()


if __name__ == "__main__":
    sys.exit(main())
