"""tui.adapters.compose_model and its helpers: bounded YAML, interpolation, checks with file:line, merge, model."""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.adapters.compose_container import (
    CONFIG_FILES,
    CONFIG_HASH,
    NUMBER,
    ONEOFF,
    PROJECT,
    SERVICE,
    VERSION,
    container_name,
    container_plan,
    number_from_name,
)
from tui.adapters.compose_errors import ComposeError, ComposeProblem
from tui.adapters.compose_interpolate import InterpolationError, Interpolator, parse_env_text
from tui.adapters.compose_model import ComposeProject, load_project
from tui.adapters.compose_records import find_cycle
from tui.adapters.compose_status import ProjectStatus, ServiceState
from tui.adapters.compose_values import normalize_project_name, parse_duration, parse_ports
from tui.adapters.compose_yaml import MAX_FILE_BYTES, parse_yaml
from tui.adapters.errors import InvalidInput
from tui.adapters.models import ContainerInfo

EXAMPLE = Path(__file__).parents[2] / "examples" / "elastic-stack" / "docker-compose.yml"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "compose"


def write(directory: Path, text: str, name: str = "compose.yml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def load(directory: Path, text: str, **kwargs: object) -> ComposeProject:
    kwargs.setdefault("environment", {})
    kwargs.setdefault("project_name", "demo")
    return load_project([write(directory, text)], **kwargs)  # type: ignore[arg-type]


def load_error(directory: Path, text: str, **kwargs: object) -> ComposeError:
    with pytest.raises(ComposeError) as caught:
        load(directory, text, **kwargs)
    return caught.value


# ---- the example


def test_example_file_loads_with_its_four_services_in_dependency_order() -> None:
    project = load_project([EXAMPLE], project_name="elastic", environment={})
    assert [s.name for s in project.services] == ["es01", "es02", "es03", "kib01"]
    assert project.start_order() == ("es01", "es02", "es03", "kib01")
    assert project.stop_order()[0] == "kib01"
    assert project.warnings == ()


def test_example_file_resolves_names_ulimits_ports_and_environment() -> None:
    project = load_project([EXAMPLE], project_name="elastic", environment={})
    es01 = project.service("es01")
    assert [n.name for n in project.networks] == ["elastic_elastic"]
    assert [v.name for v in project.volumes] == ["elastic_data01", "elastic_data02", "elastic_data03"]
    assert [(u.name, u.soft, u.hard) for u in es01.ulimits] == [("memlock", -1, -1)]
    assert [str(p) for p in es01.ports] == ["127.0.0.1:9200:9200/tcp"]
    assert dict(es01.environment)["ES_JAVA_OPTS"] == "-Xms512m -Xmx512m"
    assert es01.command == ("httpd", "-f", "-v", "-p", "9200", "-h", "/var/www")
    assert es01.container_name == "es01"
    kib01 = project.service("kib01")
    assert (kib01.stdin_open, kib01.tty, kib01.dependencies) == (True, True, ("es01",))


# ---- the bad files of the acceptance list: each located, readable, raised before anything is built

BAD_FILES = sorted(FIXTURES.glob("*.yml"))


def expected_problem(path: Path) -> tuple[int, str]:
    """A fixture's first line says where and what: ``# expect LINE: MESSAGE``."""
    match = re.fullmatch(r"# expect (\d+): (.*)", path.read_text().splitlines()[0])
    assert match, f"{path.name} lacks its '# expect LINE: MESSAGE' header"
    return int(match.group(1)), match.group(2)


@pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
def test_bad_file_gives_file_line_and_what_is_wrong(path: Path) -> None:
    line, message = expected_problem(path)
    with pytest.raises(ComposeError) as caught:
        load_project([path], project_name="bad", environment={})
    assert (caught.value.file, caught.value.line) == (str(path), line)
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_every_acceptance_case_has_a_fixture() -> None:
    assert {p.stem for p in BAD_FILES} >= {
        "syntax-error", "unknown-key", "wrong-type", "missing-dependency", "dependency-cycle",
        "undefined-volume", "undefined-network", "bad-port", "required-variable", "alias-bomb",
    }  # fmt: skip


def test_compose_error_is_invalid_input_with_every_problem(tmp_path: Path) -> None:
    error = load_error(tmp_path, "services:\n  web:\n    image: x\n    tty: 'yes'\n    restart: sometimes\n")
    assert isinstance(error, InvalidInput)
    assert [p.line for p in error.problems] == [4, 5]
    assert "services.web.tty must be a boolean" in str(error)
    assert "invalid restart policy 'sometimes'" in str(error)


def test_problem_file_and_message_are_sanitised() -> None:
    problem = ComposeProblem("dir\x1b]0;title\x07/compose.yml", 3, "value \x1b[31mred\u202e")
    assert str(problem) == "dir/compose.yml:3: value red"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("services:\n  web:\n    command: x\n", "needs 'image' or 'build'"),
        ("services:\n  web:\n    image: x\n    env_file: missing.env\n", "missing.env does not exist"),
        ("services:\n  web:\n    build: ./nowhere\n", "is not a directory"),
        (
            "services:\n  web:\n    image: x\n    network_mode: host\n    networks: [default]\n",
            "cannot both be set",
        ),
        ("services:\n  web:\n    image: x\n    container_name: w\n    scale: 2\n", "allows one container"),
        ("services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: a\n", "extends cycle"),
        ("services:\n  web:\n    image: x\n    volumes: ['data:relative']\n", "must be absolute"),
        ("services:\n  web:\n    image: x\n    healthcheck: {interval: soon}\n", "invalid duration 'soon'"),
        ("services:\n  web:\n    image: $\n", "invalid interpolation"),
        ("version: '3'\n", "no services are defined"),
        ("", "the file is empty"),
        ("- a\n", "must be a mapping at the top level"),
        ("a: 1\na: 2\n", "key 'a' is already defined at line 1"),
        ("services:\n  web: &w\n    image: x\n    x-self: *w\n", "recursive alias"),
        ("services:\n  web:\n    image: !reset x\n", "tag '!reset' is not supported"),
    ],
)
def test_more_problems_are_reported_not_crashed_on(tmp_path: Path, text: str, message: str) -> None:
    assert message in str(load_error(tmp_path, text))


def test_unsupported_specification_keys_are_warnings_with_lines(tmp_path: Path) -> None:
    project = load(tmp_path, "services:\n  web:\n    image: x\n    deploy:\n      replicas: 2\n    secrets: [s]\n")
    assert [(w.line, w.message) for w in project.warnings] == [
        (4, "services.web.deploy is not supported by portside: it is ignored"),
        (6, "services.web.secrets is not supported by portside: it is ignored"),
    ]


def test_extension_keys_are_accepted_anywhere(tmp_path: Path) -> None:
    project = load(tmp_path, "x-common: {a: 1}\nservices:\n  web:\n    image: x\n    x-note: hi\n")
    assert project.warnings == ()


# ---- bounded YAML


def test_plain_scalars_follow_yaml_1_2_like_compose() -> None:
    data = parse_yaml("a: no\nb: on\nc: 22:22\nd: yes\ne: true\nf: 010\ng: 1.5\nh: ~\ni: 0x1f\n", "f").data
    assert data == {
        "a": "no",
        "b": "on",
        "c": "22:22",
        "d": "yes",
        "e": True,
        "f": 10,
        "g": 1.5,
        "h": None,
        "i": 31,
    }


def test_merge_keys_fill_only_missing_keys_and_keep_lines() -> None:
    document = parse_yaml("base: &b {image: x, tty: true}\nweb:\n  <<: *b\n  tty: false\n", "f")
    assert document.data["web"] == {"image": "x", "tty": False}
    assert document.lines[("web", "tty")] == 4


def test_more_than_one_hundred_aliases_are_refused() -> None:
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(ComposeError, match="more than 100 aliases"):
        parse_yaml(text, "f")


def test_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "compose.yml"
    path.write_text("#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ComposeError, match="larger than 1024 KiB"):
        load_project([path], environment={})


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(ComposeError, match="nested"):
        parse_yaml("a: " + "[" * 200 + "]" * 200, "f")


def test_non_utf8_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "compose.yml"
    path.write_bytes(b"services:\n  web:\n    image: \xff\n")
    with pytest.raises(ComposeError) as caught:
        load_project([path], environment={})
    assert (caught.value.line, caught.value.message) == (3, "the file is not UTF-8 text")


def test_missing_file_is_a_compose_error(tmp_path: Path) -> None:
    with pytest.raises(ComposeError, match="cannot read the file"):
        load_project([tmp_path / "nope.yml"], environment={})


# ---- interpolation

ENV = {"SET": "value", "EMPTY": ""}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("$SET and ${SET}", "value and value"),
        ("$$SET", "$SET"),
        ("${UNSET:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${UNSET-fallback}", "fallback"),
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET:-${SET}-x}", "value-x"),
        ("${EMPTY?never}", ""),
        ("$UNSET.", "."),
    ],
)
def test_interpolation_forms(template: str, expected: str) -> None:
    assert Interpolator(ENV)(template) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("${UNSET:?needed}", "required variable UNSET is not set: needed"),
        ("${EMPTY:?}", "required variable EMPTY is empty"),
        ("${UNSET?}", "required variable UNSET is not set"),
        ("a $ b", "'$' must be followed by a name"),
        ("${SET", "is not closed"),
        ("${1X}", "does not start with a name"),
        ("${SET:x}", "unexpected ':x'"),
    ],
)
def test_interpolation_errors(template: str, message: str) -> None:
    with pytest.raises(InterpolationError, match=re.escape(message)):
        Interpolator(ENV)(template)


def test_unset_variables_are_remembered_for_a_warning() -> None:
    interpolate = Interpolator(ENV)
    interpolate("${A} $B ${C:-x} $SET")
    assert interpolate.unset == {"A", "B"}


@given(st.text())
def test_text_without_dollar_is_unchanged(text: str) -> None:
    text = text.replace("$", "")
    assert Interpolator({})(text) == text


@given(st.text())
def test_doubled_dollars_give_back_the_text(text: str) -> None:
    assert Interpolator({"A": "x"})(text.replace("$", "$$")) == text


@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True), st.text())
def test_a_variable_value_is_not_interpolated_again(name: str, value: str) -> None:
    assert Interpolator({name: value})(f"${{{name}}}") == value


@given(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_characters="${}")),
)
def test_default_applies_exactly_when_unset(name: str, default: str) -> None:
    assert Interpolator({})(f"${{{name}:-{default}}}") == default
    assert Interpolator({name: "set"})(f"${{{name}:-{default}}}") == "set"


def test_env_file_forms() -> None:
    text = 'A=1\nexport B="x\\ny $A"\nC=\'lit $A\'\nD = spaced # comment\nE\n# note\nF="two\nlines"\n'
    assert parse_env_text(text, "e", {}) == {
        "A": "1",
        "B": "x\ny 1",
        "C": "lit $A",
        "D": "spaced",
        "E": None,
        "F": "two\nlines",
    }


def test_env_file_bad_line_is_located() -> None:
    with pytest.raises(ComposeError) as caught:
        parse_env_text("A=1\nnot a line\n", "x.env", {})
    assert (caught.value.file, caught.value.line) == ("x.env", 2)


def test_dotenv_fills_variables_the_environment_does_not_set(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("TAG=from-dotenv\nIMAGE=busybox\n")
    project = load(tmp_path, "services:\n  web:\n    image: ${IMAGE}:${TAG}\n", environment={"TAG": "from-shell"})
    assert project.service("web").image == "busybox:from-shell"


def test_unset_variable_warns_at_its_line(tmp_path: Path) -> None:
    project = load(tmp_path, "services:\n  web:\n    image: x\n    user: ${WHO}\n")
    assert [(w.line, w.message) for w in project.warnings] == [
        (4, "variable WHO is not set: it is replaced by an empty string")
    ]


# ---- project name, names of what is created


def test_project_name_precedence_and_normalisation(tmp_path: Path) -> None:
    text = "name: From-File\nservices:\n  web:\n    image: x\n"
    assert load(tmp_path, text, project_name="My.Project_1").name == "myproject_1"
    assert load(tmp_path, text, project_name=None, environment={"COMPOSE_PROJECT_NAME": "Env"}).name == "env"
    assert load(tmp_path, text, project_name=None).name == "from-file"
    assert normalize_project_name("-_Dir Name") == "dirname"


def test_project_name_that_normalises_to_nothing_is_an_error(tmp_path: Path) -> None:
    assert "empty project name" in str(
        load_error(tmp_path, "services:\n  web:\n    image: x\n", project_name="!!")
    )


def test_networks_and_volumes_are_prefixed_unless_named_or_external(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """
        services:
          web:
            image: x
            networks: [a, b, c]
            volumes: [v1:/v1, v2:/v2, v3:/v3]
        networks:
          a: {}
          b: {name: fixed-net}
          c: {external: true}
          unused: {}
        volumes:
          v1:
          v2: {name: fixed-vol}
          v3: {external: true}
        """,
    )
    assert [(n.key, n.name, n.external) for n in project.networks] == [
        ("a", "demo_a", False),
        ("b", "fixed-net", False),
        ("c", "c", True),
    ]
    assert [(v.key, v.name, v.external) for v in project.volumes] == [
        ("v1", "demo_v1", False),
        ("v2", "fixed-vol", False),
        ("v3", "v3", True),
    ]


def test_service_without_networks_joins_the_default_network(tmp_path: Path) -> None:
    project = load(tmp_path, "services:\n  web:\n    image: x\n")
    assert [n.name for n in project.networks] == ["demo_default"]
    assert [n.key for n in project.service("web").networks] == ["default"]


def test_container_names_follow_compose_v2_and_numbers_are_read_from_v1_names(tmp_path: Path) -> None:
    project = load(tmp_path, "services:\n  web:\n    image: x\n  db:\n    image: x\n    container_name: the-db\n")
    assert container_name("demo", project.service("web"), 2) == "demo-web-2"
    assert container_name("demo", project.service("db"), 1) == "the-db"
    assert number_from_name("demo_web_3", "demo", "web") == 3
    assert number_from_name("demo-web-4", "demo", "web") == 4
    assert number_from_name("other-web-4", "demo", "web") is None


# ---- service values


def test_service_values_are_resolved(tmp_path: Path) -> None:
    (tmp_path / "web.env").write_text("FROM_FILE=1\nOVERRIDDEN=file\n")
    project = load(
        tmp_path,
        """
        services:
          web:
            image: x
            command: sh -c 'echo "hi there"'
            entrypoint: [/bin/sh]
            env_file: web.env
            environment:
              OVERRIDDEN: inline
              FLAG: true
              FROM_SHELL:
              NOT_SET:
            labels: [a=1, b]
            volumes: ["./data:/data:ro", "/abs:/abs", "/anon"]
            restart: on-failure:3
            healthcheck:
              test: curl -f localhost
              interval: 1m30s
              retries: 3
            ulimits: {nofile: 1024, memlock: {soft: -1, hard: -1}}
            expose: ["8000-8001"]
            working_dir: /w
            user: "1000"
            hostname: h
            stop_grace_period: 3s
            privileged: true
            cap_add: [NET_ADMIN]
            mem_limit: 512m
            dns: 1.1.1.1
        """,
        environment={"FROM_SHELL": "shell"},
    )
    web = project.service("web")
    assert web.command == ("sh", "-c", 'echo "hi there"')
    assert web.entrypoint == ("/bin/sh",)
    assert dict(web.environment) == {
        "FROM_FILE": "1",
        "OVERRIDDEN": "inline",
        "FLAG": "true",
        "FROM_SHELL": "shell",
    }
    assert dict(web.labels) == {"a": "1", "b": ""}
    assert [(m.type, m.source, m.target, m.read_only) for m in web.volumes] == [
        ("bind", str(tmp_path / "data"), "/data", True),
        ("bind", "/abs", "/abs", False),
        ("volume", "", "/anon", False),
    ]
    assert web.restart == "on-failure:3"
    assert web.healthcheck is not None
    assert (web.healthcheck.test, web.healthcheck.interval, web.healthcheck.retries) == (
        ("CMD-SHELL", "curl -f localhost"),
        90 * 10**9,
        3,
    )
    assert [(u.name, u.soft, u.hard) for u in web.ulimits] == [("memlock", -1, -1), ("nofile", 1024, 1024)]
    assert [p.target for p in web.expose] == [8000, 8001]
    assert (web.working_dir, web.user, web.hostname, web.stop_grace_period) == ("/w", "1000", "h", 3 * 10**9)
    assert dict(web.host_options) == {
        "privileged": True,
        "cap_add": ("NET_ADMIN",),
        "mem_limit": 512 * 1024**2,
        "dns": ("1.1.1.1",),
    }


def test_build_only_service_gets_the_compose_image_name(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    project = load(tmp_path, "services:\n  web:\n    build:\n      context: app\n      args: [A=1]\n")
    web = project.service("web")
    assert web.image == "demo-web"
    assert web.build is not None
    assert (web.build.context, web.build.dockerfile, web.build.args) == (
        str(tmp_path / "app"),
        "Dockerfile",
        (("A", "1"),),
    )


def test_value_parsers() -> None:
    assert [str(p) for p in parse_ports("9090-9091:8080-8081/udp")] == ["9090:8080/udp", "9091:8081/udp"]
    assert [str(p) for p in parse_ports("[::1]:6001:6001")] == ["[::1]:6001:6001/tcp"]
    assert [str(p) for p in parse_ports("127.0.0.1::80")] == ["80/tcp"]
    assert parse_ports("127.0.0.1::80")[0].host_ip == "127.0.0.1"
    assert parse_duration("1h2m3.5s") == (3600 + 120 + 3.5) * 10**9
    with pytest.raises(ValueError, match="ranges of more than"):
        parse_ports("1-65535")


# ---- several files, extends, profiles


def test_override_file_merges_by_the_specification_rules(tmp_path: Path) -> None:
    base = write(
        tmp_path,
        """
        services:
          web:
            image: x
            command: [a]
            environment: [A=1, B=1]
            ports: ["127.0.0.1:8000:80"]
            volumes: ["/one:/data", "/keep:/keep"]
        """,
    )
    override = write(
        tmp_path,
        """
        services:
          web:
            command: [b]
            environment: {B: 2}
            ports: ["127.0.0.1:8001:81"]
            volumes: ["/two:/data"]
        """,
        "override.yml",
    )
    web = load_project([base, override], project_name="demo", environment={}).service("web")
    assert web.command == ("b",)
    assert dict(web.environment) == {"A": "1", "B": "2"}
    assert [p.published for p in web.ports] == [8000, 8001]
    assert sorted((m.source, m.target) for m in web.volumes) == [("/keep", "/keep"), ("/two", "/data")]


def test_error_in_an_override_file_names_that_file(tmp_path: Path) -> None:
    base = write(tmp_path, "services:\n  web:\n    image: x\n")
    override = write(tmp_path, "services:\n  web:\n    depends_on: [db]\n", "override.yml")
    with pytest.raises(ComposeError) as caught:
        load_project([base, override], environment={})
    assert (caught.value.file, caught.value.line) == (str(override), 3)


def test_extends_from_the_same_file_and_another_file(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    write(
        tmp_path / "common",
        "services:\n  base:\n    image: x\n    environment: {A: '1'}\n    volumes: ['./d:/d']\n",
        "c.yml",
    )
    project = load(
        tmp_path,
        """
        services:
          one:
            extends: {file: common/c.yml, service: base}
            environment: {B: '2'}
          two:
            extends: one
            command: [run]
        """,
    )
    assert dict(project.service("one").environment) == {"A": "1", "B": "2"}
    assert project.service("one").volumes[0].source == str(tmp_path / "common" / "d")
    assert project.service("two").command == ("run",)
    assert project.service("two").image == "x"


def test_optional_dependency_that_is_missing_is_dropped_with_a_warning(tmp_path: Path) -> None:
    project = load(tmp_path, "services:\n  web:\n    image: x\n    depends_on:\n      cache: {required: false}\n")
    assert project.service("web").depends_on == ()
    assert [(w.line, w.message) for w in project.warnings] == [
        (5, "services.web.depends_on: optional 'cache' is not there")
    ]


def test_required_dependency_left_out_by_profiles_is_an_error(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: x\n    depends_on: [debug]\n  debug:\n    image: x\n    profiles: [d]\n"
    assert "'debug' is disabled by its profiles" in str(load_error(tmp_path, text))


def test_image_must_be_a_reference(tmp_path: Path) -> None:
    assert "is not an image reference" in str(load_error(tmp_path, "services:\n  web:\n    image: Bad Image\n"))


def test_profiles_leave_out_inactive_services(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: x\n  debug:\n    image: x\n    profiles: [debug]\n"
    assert [s.name for s in load(tmp_path, text).services] == ["web"]
    assert [s.name for s in load(tmp_path, text, profiles=["debug"]).services] == ["web", "debug"]


# ---- order and hash


def test_start_order_pulls_in_dependencies_and_dependents_are_found(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """
        services:
          web: {image: x, depends_on: {api: {condition: service_healthy}}}
          api: {image: x, depends_on: [db]}
          db: {image: x}
          other: {image: x}
        """,
    )
    assert project.start_order(("web",)) == ("db", "api", "web")
    assert set(project.dependents("db")) == {"api", "web"}
    assert project.service("web").depends_on[0].condition == "service_healthy"


def test_find_cycle_reports_the_loop_only() -> None:
    assert find_cycle({"a": ("b",), "b": ("c",), "c": ("b",)}) == ["b", "c", "b"]
    assert find_cycle({"a": ("b",), "b": ()}) is None


def test_config_hash_ignores_formatting_and_scale_but_not_environment(tmp_path: Path) -> None:
    listed = load(tmp_path, "services:\n  web:\n    image: x\n    environment: [A=1]\n").service("web")
    mapped = load(tmp_path, "services:\n  web:\n    image: x\n    environment: {A: '1'}\n    scale: 3\n").service(
        "web"
    )
    changed = load(tmp_path, "services:\n  web:\n    image: x\n    environment: [A=2]\n").service("web")
    assert listed.config_hash == mapped.config_hash
    assert listed.config_hash != changed.config_hash
    assert re.fullmatch(r"[0-9a-f]{64}", listed.config_hash)


def test_config_hash_changes_with_the_engine_name_of_a_volume(tmp_path: Path) -> None:
    text = "services:\n  web:\n    image: x\n    volumes: [d:/d]\nvolumes:\n  d: {name: %s}\n"
    assert (
        load(tmp_path, text % "one").service("web").config_hash
        != load(tmp_path, text % "two").service("web").config_hash
    )


def _container(name: str, state: str = "running") -> ContainerInfo:
    return ContainerInfo(name, name, "x", "sha256:x", state, "", datetime.fromtimestamp(0, UTC))


def test_drift_sentences_name_what_differs() -> None:
    status = ProjectStatus(
        "p",
        (
            ServiceState("web", 2, 1, (_container("p-web-1"), _container("p-web-2", "exited")), ("p-web-1",)),
            ServiceState("db", 1, 0, ()),
            ServiceState("cache", 1, 0, (_container("p-cache-1", "exited"),)),
            ServiceState("ok", 1, 1, (_container("p-ok-1"),)),
        ),
        missing_networks=("p_default",),
    )
    assert status.drift == (
        "web: p-web-1 made from an older configuration",
        "web: 1 of 2 running",
        "db: 0 containers, the file wants 1",
        "cache: 0 of 1 running",
        "network p_default is missing",
    )
    assert [s.state for s in status.services] == ["outdated", "missing", "stopped", "running"]
    assert not status.in_sync
    assert ProjectStatus(
        "p", (ServiceState("idle", 0, 0), ServiceState("ok", 1, 1, (_container("p-ok-1"),)))
    ).in_sync


# ---- what would be created


def test_container_plan_carries_compose_labels_ports_mounts_and_network(tmp_path: Path) -> None:
    project = load(
        tmp_path,
        """
        services:
          web:
            image: x
            ports: ["127.0.0.1:8080:80"]
            volumes: ["data:/data", "/anon"]
            networks: {front: {aliases: [www]}, back: {}}
            ulimits: {memlock: -1}
        networks: {front: {}, back: {}}
        volumes: {data: {}}
        """,
    )
    web = project.service("web")
    plan = container_plan(project, web, 2, "sha256:abc")
    labels = plan.create["labels"]
    assert plan.name == "demo-web-2"
    assert {k: labels[k] for k in (PROJECT, SERVICE, NUMBER, ONEOFF, CONFIG_HASH)} == {
        PROJECT: "demo",
        SERVICE: "web",
        NUMBER: "2",
        ONEOFF: "False",
        CONFIG_HASH: web.config_hash,
    }
    assert labels[CONFIG_FILES] == str(tmp_path / "compose.yml")
    assert re.fullmatch(r"\d+\.\d+\.\d+", labels[VERSION])
    assert plan.host["port_bindings"] == {"80/tcp": [("127.0.0.1", 8080)]}
    assert plan.host["binds"] == ["demo_data:/data:rw"]
    assert plan.create["volumes"] == ["/anon"]
    assert plan.host["network_mode"] == "demo_back"  # key order when no priority is given
    assert plan.create["networking_config"] == {"EndpointsConfig": {"demo_back": {"Aliases": ["web"]}}}
    assert plan.extra_networks == (("demo_front", {"aliases": ["web", "www"]}),)
    assert plan.host["ulimits"][0]["Soft"] == -1
