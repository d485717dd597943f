"""portside: Docker images, containers, compose stacks and Kubernetes workloads with the same keys."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("portside")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
