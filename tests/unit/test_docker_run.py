"""tui.adapters.docker_run, the pure half: parsing docker run options, validation, the equivalent command."""

from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.adapters.docker_run import (
    PortMapping,
    RunSpec,
    VolumeMount,
    create_arguments,
    docker_run_command,
    parse_env,
    parse_publish,
    parse_restart,
    parse_volume,
    problems,
    validate,
)

IMAGE = "portside/busybox:latest"

# ---- parse_publish


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080:80", PortMapping(80, "tcp", "127.0.0.1", 8080)),
        ("8080:80", PortMapping(80, "tcp", "", 8080)),
        ("80", PortMapping(80)),
        ("127.0.0.1::80", PortMapping(80, "tcp", "127.0.0.1", None)),
        ("[::1]:5353:53/udp", PortMapping(53, "udp", "::1", 5353)),
        (" 127.0.0.1:8443:443/TCP ", PortMapping(443, "tcp", "127.0.0.1", 8443)),
    ],
)
def test_parse_publish_reads_the_forms_docker_run_accepts(text: str, expected: PortMapping) -> None:
    assert parse_publish(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("127.0.0.1:8080:99999", "out of range"),
        ("0:80", "out of range"),
        ("abc:80", "not a number"),
        ("8000-8010:80", "ranges are not supported"),
        ("80/icmp", "unknown protocol"),
        ("localhost:8080:80", "not an IP address"),
        ("1:2:3:4", "expected HOSTIP"),
        ("8080:", "container port is missing"),
        ("", "container port is missing"),
        ("[::1]8080:80", "[IPv6]"),
    ],
)
def test_parse_publish_refuses_bad_ports_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says.replace("[", r"\[")):
        parse_publish(text)


ports = st.integers(1, 65535)
mappings = st.builds(
    PortMapping,
    container_port=ports,
    protocol=st.sampled_from(["tcp", "udp", "sctp"]),
    host_ip=st.one_of(st.just(""), st.ip_addresses().map(str)),
    host_port=st.one_of(st.none(), ports),
)


@given(mappings)
def test_parse_publish_round_trips_its_own_canonical_text(mapping: PortMapping) -> None:
    if mapping.host_ip == "" and mapping.host_port is None:
        assert str(mapping).split("/")[0] == str(mapping.container_port)
    assert parse_publish(str(mapping)) == mapping


@given(st.text(alphabet=st.sampled_from("0123456789:/[].abcdtpu-f "), max_size=24) | st.text(max_size=24))
def test_parse_publish_only_ever_raises_value_error(text: str) -> None:
    try:
        mapping = parse_publish(text)
    except ValueError:
        return
    assert 1 <= mapping.container_port <= 65535
    assert mapping.host_port is None or 1 <= mapping.host_port <= 65535


# ---- parse_volume, parse_env, parse_restart


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("data:/var/lib/data", VolumeMount("/var/lib/data", "data"), "volume"),
        ("/srv/www:/www:ro", VolumeMount("/www", "/srv/www", read_only=True), "bind"),
        ("/scratch", VolumeMount("/scratch"), "anonymous"),
        ("/scratch:ro", VolumeMount("/scratch", read_only=True), "anonymous"),
        (
            "es_data-01:/usr/share/elasticsearch/data:rw",
            VolumeMount("/usr/share/elasticsearch/data", "es_data-01"),
            "volume",
        ),
    ],
)
def test_parse_volume_tells_named_volumes_binds_and_anonymous_apart(
    text: str, expected: VolumeMount, kind: str
) -> None:
    mount = parse_volume(text)
    assert mount == expected and mount.kind == kind
    assert parse_volume(str(mount)) == mount


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("./data:/data", "relative host path"),
        ("data/sub:/data", "relative host path"),
        ("~/data:/data", "relative host path"),
        ("data:data", "must be absolute"),
        ("data:/", "cannot be '/'"),
        ("data:/data:z", "unsupported option"),
        ("d:/data", "not a valid volume name"),
        ("a:/b:ro:x", "expected NAME_OR_PATH"),
    ],
)
def test_parse_volume_refuses_relative_paths_and_bad_targets(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_volume(text)


def test_parse_env_splits_at_the_first_equals_and_allows_an_empty_value() -> None:
    assert parse_env("URL=http://x/?a=b") == ("URL", "http://x/?a=b")
    assert parse_env("EMPTY=") == ("EMPTY", "")


@pytest.mark.parametrize("text", ["NOEQUALS", "=value", "MY VAR=1", " LEAD=1"])
def test_parse_env_refuses_a_bare_name_or_a_bad_key(text: str) -> None:
    with pytest.raises(ValueError):
        parse_env(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("no", 0)),
        ("always", ("always", 0)),
        ("unless-stopped", ("unless-stopped", 0)),
        ("on-failure:3", ("on-failure", 3)),
    ],
)
def test_parse_restart_reads_every_policy(text: str, expected: tuple[str, int]) -> None:
    assert parse_restart(text) == expected


@pytest.mark.parametrize("text", ["sometimes", "always:3", "on-failure:x", "on-failure:-1"])
def test_parse_restart_refuses_unknown_policies_and_bad_counts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_restart(text)


# ---- validate


def test_validate_accepts_the_seed_example() -> None:
    spec = RunSpec(
        IMAGE,
        name="web",
        hostname="web-1.local",
        command="httpd -f -p 80",
        env=("MODE=demo",),
        publish=("127.0.0.1:8080:80",),
        volumes=("web-data:/www",),
        restart="always",
    )
    assert validate(spec) == []


def test_validate_lists_every_problem_with_its_field() -> None:
    spec = RunSpec(
        " ",
        name="-bad",
        hostname="under_score",
        command="sh -c 'unbalanced",
        env=("NOVALUE",),
        publish=("8080:99999",),
        volumes=("rel/dir:/data",),
        restart="sometimes",
        labels=("portside-test",),
    )
    fields = [p.field for p in problems(spec)]
    assert fields == ["image", "name", "hostname", "command", "publish", "volumes", "env", "labels", "restart"]
    assert all(line.startswith(f"{f}: ") for f, line in zip(fields, validate(spec), strict=True))


def test_validate_refuses_a_host_port_published_twice_and_a_path_mounted_twice() -> None:
    spec = RunSpec(
        IMAGE,
        publish=("127.0.0.1:8080:80", "127.0.0.1:8080:81"),
        volumes=("a1:/data", "/srv:/data/"),
    )
    assert validate(spec) == [
        "publish: '127.0.0.1:8080:81': host port 8080 is published twice",
        "volumes: '/srv:/data/': /data is mounted twice",
    ]
    # the same host port on another protocol is no clash
    assert validate(RunSpec(IMAGE, publish=("8053:53/tcp", "8053:53/udp"))) == []


# ---- the equivalent command and the engine's arguments


def test_docker_run_command_is_the_equivalent_command_line_with_secrets_masked() -> None:
    spec = RunSpec(
        IMAGE,
        name="db",
        hostname="db",
        command="sh -c 'echo hi; sleep 60'",
        env=("MODE=demo", "DB_PASSWORD=hunter2", "api_key=abc"),
        publish=("127.0.0.1:5432:5432",),
        volumes=("pgdata:/var/lib/postgresql/data",),
        restart="always",
    )
    line = docker_run_command(spec)
    assert line == (
        "docker run --detach --name db --hostname db --publish 127.0.0.1:5432:5432"
        " --volume pgdata:/var/lib/postgresql/data --env MODE=demo --env 'DB_PASSWORD=***' --env 'api_key=***'"
        " --restart always portside/busybox:latest sh -c 'echo hi; sleep 60'"
    )
    assert "hunter2" not in line and "abc" not in line
    assert shlex.split(line)[-3:] == ["sh", "-c", "echo hi; sleep 60"]


def test_docker_run_command_leaves_out_unset_options() -> None:
    assert docker_run_command(RunSpec(IMAGE)) == "docker run --detach portside/busybox:latest"


def test_create_arguments_carry_every_option_to_the_engine_unmasked() -> None:
    spec = RunSpec(
        IMAGE,
        name="web",
        hostname="web",
        command="httpd -f -p 80",
        env=("TOKEN=t0p",),
        publish=("127.0.0.1:8080:80", "127.0.0.1:8081:80", "127.0.0.1::53/udp"),
        volumes=("web-data:/www:ro", "/cache"),
        restart="on-failure:2",
        labels=("portside-test=1",),
    )
    args = create_arguments(spec)
    assert args["environment"] == ["TOKEN=t0p"]
    assert args["command"] == ["httpd", "-f", "-p", "80"]
    assert args["labels"] == {"portside-test": "1"}
    assert args["ports"] == [(80, "tcp"), (80, "tcp"), (53, "udp")]
    assert args["volumes"] == ["/cache"]
    assert args["detach"] is True
    host = args["host_config"]
    assert host["port_bindings"] == {
        "80/tcp": [("127.0.0.1", 8080), ("127.0.0.1", 8081)],
        "53/udp": [("127.0.0.1", None)],
    }
    assert host["binds"] == ["web-data:/www:ro"]
    assert host["restart_policy"] == {"Name": "on-failure", "MaximumRetryCount": 2}


def test_create_arguments_without_options_run_the_image_default_command() -> None:
    args = create_arguments(RunSpec(IMAGE))
    assert args["command"] is None and args["name"] is None and args["host_config"]["restart_policy"] is None


texts = st.text(max_size=20)


@given(
    st.builds(
        RunSpec,
        image=texts,
        name=texts,
        hostname=texts,
        command=texts,
        env=st.lists(texts, max_size=3).map(tuple),
        publish=st.lists(texts, max_size=3).map(tuple),
        volumes=st.lists(texts, max_size=3).map(tuple),
        restart=texts,
        labels=st.lists(texts, max_size=2).map(tuple),
    )
)
def test_any_typed_input_gets_problems_or_engine_arguments_never_a_crash(spec: RunSpec) -> None:
    found = validate(spec)
    assert docker_run_command(spec).startswith("docker run --detach")
    if not found:
        assert create_arguments(spec)["detach"] is True
