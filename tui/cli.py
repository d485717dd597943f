"""The `portside` command."""

from __future__ import annotations

import argparse
import gc

from tui import __version__
from tui.config import CONFIG_ENV, Config, config_path, load_config


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
        "--context",
        metavar="NAME",
        help="kube context (default: the config file's, else the kubeconfig's current context)",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        metavar="NS",
        help="kube namespace, or 'all' (default: the config file's, else the context's namespace)",
    )
    parser.add_argument("--readonly", action="store_true", help="refuse every change to Docker and Kubernetes")
    parser.add_argument(
        "--config", metavar="FILE", help=f"config file (default: ${CONFIG_ENV}, else {config_path(None, {})[0]})"
    )
    parser.add_argument(
        "--theme", metavar="NAME", help="colour theme (default: the config file's, or portside-dark)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # Start-up allocates ~1 million long-lived objects (modules, classes, styles) and no garbage cycles worth
    # collecting: the collector would walk them again and again (~0.1 s). The app turns it back on, frozen
    # past them, once its first list is on screen (PortsideApp.started).
    gc.disable()
    # Imported after parsing so that --help and --version stay instant.
    from tui.adapters.docker_engine import DockerEngine

    docker = DockerEngine(args.docker_host)
    # The first screen lists containers: the engine does that while the interface below is imported and built.
    docker.start_watching_containers()
    from tui.adapters.kube_cluster import ALL_NAMESPACES, KubeCluster
    from tui.app import make_app

    config = read_config(args)
    context, namespace = kube_target(args, config)
    app = make_app(
        docker=docker,
        kube=KubeCluster(args.kubeconfig, context, ALL_NAMESPACES if namespace == "all" else namespace),
        readonly=args.readonly,
        config=config,
    )
    app.run()


def kube_target(args: argparse.Namespace, config: Config) -> tuple[str | None, str | None]:
    """The kube context and namespace: the flags, else the config file's, else the kubeconfig's (None)."""
    return args.context or config.kubernetes.context, args.namespace or config.kubernetes.namespace


def read_config(args: argparse.Namespace) -> Config:
    """The config file with the flags applied on top; its problems are warnings the app shows."""
    path, explicit = config_path(args.config)
    config = load_config(path, explicit=explicit)
    if args.theme:
        config.override("theme", args.theme, "--theme")
    return config


if __name__ == "__main__":
    main()
