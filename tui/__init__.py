"""portside: Docker images, containers, compose stacks and Kubernetes workloads with the same keys."""

__version__ = "0.1.0"
