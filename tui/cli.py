"""The `portside` command."""

from __future__ import annotations

import argparse

from tui import __version__


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="portside",
        description="Docker images, containers, compose stacks and Kubernetes workloads with the same keys.",
    )
    parser.add_argument("--version", action="version", version=f"portside {__version__}")
    parser.add_argument(
        "--docker-host", metavar="URL", help="Docker endpoint (default: $DOCKER_HOST or the local socket)"
    )
    parser.add_argument(
        "--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)"
    )
    parser.add_argument(
        "--context", metavar="NAME", help="kube context (default: the kubeconfig's current context)"
    )
    parser.add_argument(
        "-n", "--namespace", metavar="NS", help="kube namespace, or 'all' (default: the context's namespace)"
    )
    parser.add_argument("--readonly", action="store_true", help="refuse every change to Docker and Kubernetes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Imported after parsing so that --help and --version stay instant.
    from tui.adapters.docker_engine import DockerEngine
    from tui.adapters.kube_cluster import ALL_NAMESPACES, KubeCluster
    from tui.app import make_app

    namespace = ALL_NAMESPACES if args.namespace == "all" else args.namespace
    app = make_app(
        docker=DockerEngine(args.docker_host),
        kube=KubeCluster(args.kubeconfig, args.context, namespace),
        readonly=args.readonly,
    )
    app.run()


if __name__ == "__main__":
    main()
