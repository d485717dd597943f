"""Kubeconfig files read as kubectl reads them: the contexts, and the server and credentials of one.

The official client's loader comes with its ~700 model classes (0.7 s of imports on these machines, more than
portside's own start-up); this reads the same files in a few milliseconds and never writes them.

- ``$KUBECONFIG`` may list several files: for every map (clusters, users, contexts) and for current-context,
  the first file that sets a name wins, as kubectl merges them. Relative paths are relative to their file.
- Clusters: ``server``, ``certificate-authority`` / ``-data``, ``insecure-skip-tls-verify``, ``tls-server-name``,
  ``proxy-url`` (HTTP(S) proxies).
- Users: ``token``, ``tokenFile``, ``client-certificate`` / ``-data`` with ``client-key`` / ``-data``,
  ``username`` / ``password``, ``exec`` credential plugins (client.authentication.k8s.io v1 and v1beta1: a token
  or a client certificate, cached until it expires), and the ``id-token`` / ``access-token`` an ``auth-provider``
  left in the file (kubectl refreshes those; here an expired one is a 401 that says to run kubectl once).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.adapters.errors import InvalidInput, Unavailable
from tui.adapters.sanitize import clean_line

EXEC_TIMEOUT = 60  # seconds an exec plugin may take (a browser login can be slow)
EXEC_API = "client.authentication.k8s.io/v1beta1"


@dataclass(frozen=True)
class Kubeconfig:
    """The merged files: named clusters, users and contexts (each with the directory of its file)."""

    clusters: dict[str, tuple[dict[str, Any], str]]
    users: dict[str, tuple[dict[str, Any], str]]
    contexts: dict[str, dict[str, Any]]
    current: str | None


@dataclass
class Credentials:
    """What the user section yields at one moment: a bearer token or basic auth, and/or a client certificate
    (PEM bytes). ``expires`` is set for an exec plugin's answer."""

    token: str = ""
    basic: tuple[str, str] | None = None
    cert_pem: bytes | None = None
    key_pem: bytes | None = None
    expires: datetime | None = None


@dataclass(frozen=True)
class KubeTarget:
    """One context resolved: where the API server is, how to trust it, and how to prove who we are."""

    context: str
    namespace: str
    server: str
    ca_pem: str | None = None
    insecure: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    user: dict[str, Any] = field(default_factory=dict)
    base_dir: str = "."

    def credentials(self) -> Credentials:
        """The user's credentials now: files are read again and an exec plugin runs (call from a worker)."""
        user, base = self.user, self.base_dir
        if user.get("exec"):
            return run_exec_plugin(user["exec"], self)
        found = Credentials()
        if user.get("token"):
            found.token = str(user["token"])
        elif user.get("tokenFile"):
            found.token = _read(_resolve(str(user["tokenFile"]), base)).decode().strip()
        elif isinstance(user.get("auth-provider"), dict):
            config = user["auth-provider"].get("config") or {}
            found.token = str(config.get("id-token") or config.get("access-token") or "")
            if not found.token:
                name = user["auth-provider"].get("name", "?")
                raise InvalidInput(f"auth-provider {name} has no token in the kubeconfig: run kubectl once")
        elif user.get("username"):
            found.basic = (str(user["username"]), str(user.get("password", "")))
        found.cert_pem = _data_or_file(user, "client-certificate", base)
        found.key_pem = _data_or_file(user, "client-key", base)
        return found


def config_paths(explicit: str | None) -> list[str]:
    """The files to read: ``explicit``, else ``$KUBECONFIG``'s, else ~/.kube/config."""
    if explicit:
        return [explicit]
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    return listed or [os.path.expanduser("~/.kube/config")]


def load(explicit: str | None = None) -> Kubeconfig:
    """Read and merge the kubeconfig files; InvalidInput when none can be read or one is not YAML."""
    import yaml  # here, in a worker: not on the start-up path to the first screen

    paths = config_paths(explicit)
    clusters: dict[str, tuple[dict[str, Any], str]] = {}
    users: dict[str, tuple[dict[str, Any], str]] = {}
    contexts: dict[str, dict[str, Any]] = {}
    current: str | None = None
    read_any = False
    for path in paths:
        try:
            with open(os.path.expanduser(path), encoding="utf-8") as fh:
                doc = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        except FileNotFoundError:
            if explicit or len(paths) == 1:
                raise InvalidInput(f"kubeconfig {path}: no such file") from None
            continue
        except (OSError, UnicodeDecodeError) as error:
            raise InvalidInput(f"kubeconfig {path}: {clean_line(str(error))}") from None
        except yaml.YAMLError as error:
            raise InvalidInput(f"kubeconfig {path}: not valid YAML ({clean_line(str(error))[:200]})") from None
        if not isinstance(doc, dict):
            raise InvalidInput(f"kubeconfig {path}: not a kubeconfig (a {type(doc).__name__} at the top)")
        read_any = True
        base = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
        for entry in _named(doc, "clusters"):
            clusters.setdefault(entry["name"], (entry.get("cluster") or {}, base))
        for entry in _named(doc, "users"):
            users.setdefault(entry["name"], (entry.get("user") or {}, base))
        for entry in _named(doc, "contexts"):
            contexts.setdefault(entry["name"], entry.get("context") or {})
        current = current or (str(doc["current-context"]) if doc.get("current-context") else None)
    if not read_any:
        raise InvalidInput(f"kubeconfig: none of {os.pathsep.join(paths)} exists")
    return Kubeconfig(clusters, users, contexts, current)


def target(config: Kubeconfig, context: str | None) -> KubeTarget:
    """The context ``context`` (None: the current one) resolved to a KubeTarget; InvalidInput when it, its
    cluster or its user is missing."""
    name = context or config.current
    if not name:
        raise InvalidInput("kubeconfig: no context given and no current-context set")
    ctx = config.contexts.get(name)
    if ctx is None:
        raise InvalidInput(f"kubeconfig: no context named {clean_line(name)}")
    cluster_name, user_name = str(ctx.get("cluster", "")), str(ctx.get("user", ""))
    if cluster_name not in config.clusters:
        raise InvalidInput(f"kubeconfig: context {clean_line(name)}: no cluster named {clean_line(cluster_name)}")
    cluster, cluster_dir = config.clusters[cluster_name]
    user, user_dir = config.users.get(user_name, ({}, "."))
    server = str(cluster.get("server") or "")
    if not server.startswith(("https://", "http://")):
        raise InvalidInput(f"kubeconfig: cluster {clean_line(cluster_name)} has no http(s) server")
    ca = _data_or_file(cluster, "certificate-authority", cluster_dir)
    return KubeTarget(
        context=name,
        namespace=str(ctx.get("namespace") or "default"),
        server=server.rstrip("/"),
        ca_pem=ca.decode("ascii", "replace") if ca else None,
        insecure=bool(cluster.get("insecure-skip-tls-verify")),
        tls_server_name=str(cluster["tls-server-name"]) if cluster.get("tls-server-name") else None,
        proxy_url=str(cluster["proxy-url"]) if cluster.get("proxy-url") else None,
        user=user,
        base_dir=user_dir,
    )


def run_exec_plugin(spec: dict[str, Any], where: KubeTarget) -> Credentials:
    """Run an exec credential plugin (no shell, no terminal: it must not prompt) and read its ExecCredential."""
    command = str(spec.get("command") or "")
    if not command:
        raise InvalidInput("kubeconfig: exec plugin without a command")
    if os.sep in command and not os.path.isabs(command):
        command = _resolve(command, where.base_dir)
    api = str(spec.get("apiVersion") or EXEC_API)
    info: dict[str, Any] = {"apiVersion": api, "kind": "ExecCredential", "spec": {"interactive": False}}
    if spec.get("provideClusterInfo"):
        info["spec"]["cluster"] = {"server": where.server, "insecure-skip-tls-verify": where.insecure}
        if where.ca_pem:
            info["spec"]["cluster"]["certificate-authority-data"] = base64.b64encode(
                where.ca_pem.encode()
            ).decode()
    env = {**os.environ, "KUBERNETES_EXEC_INFO": json.dumps(info)}
    env.update({str(e.get("name")): str(e.get("value", "")) for e in spec.get("env") or [] if isinstance(e, dict)})
    argv = [command, *(str(a) for a in spec.get("args") or [])]
    try:
        done = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=EXEC_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise InvalidInput(f"kubeconfig: exec plugin {clean_line(command)} not found") from None
    except (OSError, subprocess.TimeoutExpired) as error:
        raise Unavailable(f"exec plugin {clean_line(command)}: {clean_line(str(error))}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        last = f": {clean_line(said[-1])}" if said else ""
        raise Unavailable(f"exec plugin {clean_line(command)} failed (exit {done.returncode}){last}")
    try:
        status = (json.loads(done.stdout) or {}).get("status") or {}
    except (ValueError, AttributeError):
        raise Unavailable(f"exec plugin {clean_line(command)} did not print an ExecCredential") from None
    found = Credentials(token=str(status.get("token") or ""))
    if status.get("clientCertificateData"):
        found.cert_pem = str(status["clientCertificateData"]).encode()
        found.key_pem = str(status.get("clientKeyData") or "").encode()
    if not found.token and not found.cert_pem:
        raise Unavailable(f"exec plugin {clean_line(command)} gave neither a token nor a certificate")
    if status.get("expirationTimestamp"):
        try:
            found.expires = datetime.fromisoformat(str(status["expirationTimestamp"]).replace("Z", "+00:00"))
        except ValueError:
            found.expires = datetime.now(UTC)  # unreadable: ask again next time
    return found


def _named(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [e for e in doc.get(key) or [] if isinstance(e, dict) and isinstance(e.get("name"), str)]


def _resolve(path: str, base: str) -> str:
    path = os.path.expanduser(path)
    return path if os.path.isabs(path) else os.path.join(base, path)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as error:
        raise InvalidInput(f"kubeconfig: {path}: {error.strerror}") from None


def _data_or_file(section: dict[str, Any], key: str, base: str) -> bytes | None:
    """``key-data`` (base64) or the file ``key`` names, as bytes; None when neither is set."""
    if section.get(f"{key}-data"):
        try:
            return base64.b64decode(str(section[f"{key}-data"]), validate=False)
        except ValueError:
            raise InvalidInput(f"kubeconfig: {key}-data is not base64") from None
    if section.get(key):
        return _read(_resolve(str(section[key]), base))
    return None
