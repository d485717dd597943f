"""Kubeconfig files read as kubectl reads them: merging, relative paths, contexts, credentials, exec plugins."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from tui.adapters.errors import InvalidInput, Unavailable
from tui.adapters.kube_config import load, target


def kubeconfig(path: Path, clusters: str = "", users: str = "", contexts: str = "", current: str = "") -> Path:
    text = f"apiVersion: v1\nkind: Config\nclusters:\n{clusters}users:\n{users}contexts:\n{contexts}"
    path.write_text(text + (f"current-context: {current}\n" if current else ""))
    return path


def cluster(name: str, server: str, extra: str = "") -> str:
    return f"- name: {name}\n  cluster:\n    server: {server}\n{extra}"


def user(name: str, body: str) -> str:
    return f"- name: {name}\n  user:\n{body}"


def context(name: str, cluster_name: str, user_name: str, namespace: str = "") -> str:
    ns = f"    namespace: {namespace}\n" if namespace else ""
    return f"- name: {name}\n  context:\n    cluster: {cluster_name}\n    user: {user_name}\n{ns}"


def test_files_in_kubeconfig_merge_with_the_first_one_to_set_a_name_winning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kubeconfig(
        tmp_path / "a",
        cluster("c", "https://first:6443"),
        user("u", "    token: first\n"),
        context("one", "c", "u", "team"),
        current="one",
    )
    second = kubeconfig(
        tmp_path / "b",
        cluster("c", "https://second:6443") + cluster("d", "https://d:6443"),
        user("u", "    token: second\n"),
        context("two", "d", "u"),
        current="two",
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(tmp_path / "missing"), str(second)]))
    config = load()
    assert config.current == "one"
    assert set(config.contexts) == {"one", "two"}
    one, two = target(config, None), target(config, "two")
    assert (one.server, one.namespace, one.user["token"]) == ("https://first:6443", "team", "first")
    assert (two.server, two.namespace, two.user["token"]) == ("https://d:6443", "default", "first")


def test_relative_files_are_read_from_the_kubeconfig_directory(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (tmp_path / "token").write_text("from-file\n")
    path = kubeconfig(
        tmp_path / "config",
        cluster("c", "https://k:6443", "    certificate-authority: ca.pem\n"),
        user("u", "    tokenFile: token\n"),
        context("x", "c", "u"),
        current="x",
    )
    found = target(load(str(path)), None)
    assert found.ca_pem == "-----BEGIN CERTIFICATE-----\n"
    assert found.credentials().token == "from-file"


def test_certificate_data_basic_auth_and_auth_provider_tokens(tmp_path: Path) -> None:
    cert = base64.b64encode(b"CERT").decode()
    key = base64.b64encode(b"KEY").decode()
    users = (
        user("certs", f"    client-certificate-data: {cert}\n    client-key-data: {key}\n")
        + user("basic", "    username: ann\n    password: secret\n")
        + user("oidc", "    auth-provider:\n      name: oidc\n      config:\n        id-token: abc\n")
        + user("empty-oidc", "    auth-provider:\n      name: oidc\n      config: {}\n")
    )
    contexts = "".join(context(name, "c", name) for name in ("certs", "basic", "oidc", "empty-oidc"))
    config = load(str(kubeconfig(tmp_path / "config", cluster("c", "https://k:6443"), users, contexts)))
    certs = target(config, "certs").credentials()
    assert (certs.cert_pem, certs.key_pem, certs.token) == (b"CERT", b"KEY", "")
    assert target(config, "basic").credentials().basic == ("ann", "secret")
    assert target(config, "oidc").credentials().token == "abc"
    with pytest.raises(InvalidInput, match="run kubectl once"):
        target(config, "empty-oidc").credentials()


def exec_plugin(tmp_path: Path, output: dict[str, object], exit_code: int = 0) -> Path:
    """A real plugin program: it records what it was given and prints ``output``."""
    script = tmp_path / "plugin"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s" "$KUBERNETES_EXEC_INFO" > {tmp_path}/info.json\n'
        f'printf "%s %s" "$1" "$PLUGIN_ENV" > {tmp_path}/args\n'
        f"echo 'something on stderr' >&2\n"
        f"printf '%s' '{json.dumps(output)}'\n"
        f"exit {exit_code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def exec_user(command: str) -> str:
    return user(
        "u",
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
        f"      command: {command}\n      args: [--flag]\n"
        "      env:\n      - name: PLUGIN_ENV\n        value: given\n      provideClusterInfo: true\n",
    )


def test_an_exec_plugin_is_run_with_its_args_env_and_cluster_info_and_its_token_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    status = {"token": "from-plugin", "expirationTimestamp": "2030-01-01T00:00:00Z"}
    plugin = exec_plugin(tmp_path, {"kind": "ExecCredential", "status": status})
    path = kubeconfig(
        tmp_path / "config", cluster("c", "https://k:6443"), exec_user(plugin.name), context("x", "c", "u"), "x"
    )
    found = target(load(str(path)), None).credentials()  # "plugin": no slash, so it is looked up on PATH
    assert found.token == "from-plugin" and found.expires is not None and found.expires.year == 2030
    info = json.loads((tmp_path / "info.json").read_text())
    cluster_info = {"server": "https://k:6443", "insecure-skip-tls-verify": False}
    assert info["spec"] == {"interactive": False, "cluster": cluster_info}
    assert (tmp_path / "args").read_text() == "--flag given"


def test_a_failing_or_silent_exec_plugin_is_a_clear_error(tmp_path: Path) -> None:
    failing = exec_plugin(tmp_path, {}, exit_code=3)
    path = kubeconfig(
        tmp_path / "config", cluster("c", "https://k:6443"), exec_user(str(failing)), context("x", "c", "u"), "x"
    )
    with pytest.raises(Unavailable, match="failed \\(exit 3\\): something on stderr"):
        target(load(str(path)), None).credentials()
    exec_plugin(tmp_path, {"kind": "ExecCredential", "status": {}})
    with pytest.raises(Unavailable, match="neither a token nor a certificate"):
        target(load(str(path)), None).credentials()
    missing = kubeconfig(
        tmp_path / "other",
        cluster("c", "https://k:6443"),
        exec_user("/nonexistent/plugin"),
        context("x", "c", "u"),
    )
    with pytest.raises(InvalidInput, match="not found"):
        target(load(str(missing)), "x").credentials()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("clusters: [\n", "not valid YAML"),
        ("- just\n- a list\n", "not a kubeconfig"),
    ],
)
def test_a_broken_kubeconfig_is_named_in_the_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=message):
        load(str(path))


def test_missing_contexts_clusters_and_servers_are_named(tmp_path: Path) -> None:
    config = load(
        str(
            kubeconfig(
                tmp_path / "config",
                cluster("c", "127.0.0.1:6443"),
                user("u", "    token: t\n"),
                context("bad-server", "c", "u") + context("no-cluster", "nowhere", "u"),
            )
        )
    )
    with pytest.raises(InvalidInput, match="no current-context"):
        target(config, None)
    with pytest.raises(InvalidInput, match="no context named other"):
        target(config, "other")
    with pytest.raises(InvalidInput, match="no-cluster: no cluster named nowhere"):
        target(config, "no-cluster")
    with pytest.raises(InvalidInput, match="no http"):
        target(config, "bad-server")
    with pytest.raises(InvalidInput, match="no such file"):
        load(str(tmp_path / "absent"))
