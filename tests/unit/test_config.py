"""tui.config: reading the TOML file; every problem is a warning with file:line and the default stays."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.actions import destructive_ids
from tui.cli import kube_target, parse_args, read_config
from tui.config import (
    CONFIG_ENV,
    DEFAULT_LOG_LINES,
    DEFAULT_STATS_SECONDS,
    LOG_LINES_RANGE,
    NO_POLICY,
    STATS_SECONDS_RANGE,
    Config,
    TargetPolicy,
    app_config,
    config_path,
    load_config,
    parse_config,
)

PATH = Path("/home/me/.config/portside/config.toml")


def parse(text: str) -> Config:
    return parse_config(text, PATH)


def lines_of(config: Config) -> list[int]:
    return [int(re.match(rf"{re.escape(str(PATH))}:(\d+): ", w).group(1)) for w in config.warnings]  # type: ignore[union-attr]


def check(config: Config, *, themes: tuple[str, ...] = ("portside-dark",), ids: tuple[str, ...] = ()) -> None:
    config.check(
        themes=themes,
        binding_ids=ids,
        is_colour=lambda c: c in ("red", "crimson") or c.startswith("#"),
        guarded=destructive_ids(),
    )


# ---- a good file


GOOD = """\
theme = "portside-light"
readonly = false

[keys]
"container.stop" = "ctrl+s"
app.jump = "colon, g"

[kubernetes]
context = "sandbox-admin"
namespace = "demo"

[logs]
buffer_lines = 50000

[stats]
refresh_seconds = 1.5

[[policy]]
match = "^prod-"
backend = "kube"
protected = true
color = "crimson"

[[policy]]
match = "tcp://build"
readonly = true
"""


def test_a_good_file_sets_every_section_without_warnings() -> None:
    config = parse(GOOD)
    assert config.warnings == []
    assert config.theme == "portside-light"
    assert config.keys == {"container.stop": "ctrl+s", "app.jump": "colon,g"}
    assert (config.kubernetes.context, config.kubernetes.namespace) == ("sandbox-admin", "demo")
    assert config.logs.buffer_lines == 50_000
    assert config.stats.refresh_seconds == 1.5
    assert len(config.policies) == 2


def test_an_empty_file_gives_the_defaults() -> None:
    config = parse("")
    assert config.warnings == []
    assert config.theme is None and config.keys == {} and config.policies == ()
    assert config.logs.buffer_lines == DEFAULT_LOG_LINES
    assert config.stats.refresh_seconds == DEFAULT_STATS_SECONDS


def test_unquoted_dotted_binding_ids_read_as_one_id() -> None:
    # In TOML `container.stop = "x"` is a nested table; users mean the binding id "container.stop".
    config = parse('[keys]\ncontainer.stop = "ctrl+s"\n')
    assert config.keys == {"container.stop": "ctrl+s"}


# ---- policies


def test_policy_matches_by_regex_anywhere_in_the_target_name_and_backend() -> None:
    config = parse(GOOD)
    assert config.policy_for("kube prod-eu") == TargetPolicy(protected=True, color="crimson")
    assert config.policy_for("docker prod-eu") == NO_POLICY  # that policy is for kube contexts only
    assert config.policy_for("kube sandbox-admin") == NO_POLICY
    assert config.policy_for("docker tcp://build.example:2376") == TargetPolicy(readonly=True)


def test_policies_apply_only_to_docker_and_kube_targets() -> None:
    config = parse('[[policy]]\nmatch = ".*"\nreadonly = true\n')
    assert config.policy_for("kube anything").readonly and config.policy_for("docker anything").readonly
    assert config.policy_for("local file") == NO_POLICY  # saving a log is not a Docker or kube target


def test_matching_policies_add_up_and_the_first_colour_wins() -> None:
    config = parse(
        '[[policy]]\nmatch = "prod"\nreadonly = true\ncolor = "red"\n'
        '[[policy]]\nmatch = "prod-eu"\nprotected = true\ncolor = "#00ff00"\n'
    )
    assert config.policy_for("kube prod-eu") == TargetPolicy(readonly=True, protected=True, color="red")


def test_a_policy_without_match_or_with_a_bad_regex_is_ignored_with_its_line() -> None:
    config = parse('[[policy]]\nprotected = true\n\n[[policy]]\nmatch = "(unclosed"\nprotected = true\n')
    assert config.policies == ()
    assert lines_of(config) == [1, 5]
    assert "needs match" in config.warnings[0]
    assert "not a valid regular expression" in config.warnings[1]


def test_a_bad_colour_is_dropped_but_the_policy_still_protects() -> None:
    config = parse('theme = "portside-dark"\n[[policy]]\nmatch = "prod"\nprotected = true\ncolor = "reddish"\n')
    check(config)
    assert config.policy_for("kube prod") == TargetPolicy(protected=True, color=None)
    assert lines_of(config) == [5]
    assert "not a colour: 'reddish'" in config.warnings[0]


def test_an_unknown_backend_warns_and_matches_both() -> None:
    config = parse('[[policy]]\nmatch = "x"\nbackend = "podman"\nreadonly = true\n')
    assert lines_of(config) == [3]
    assert config.policy_for("docker x").readonly and config.policy_for("kube x").readonly


# ---- problems are warnings with file:line, and the default stays


def test_unknown_keys_warn_with_file_line_and_a_suggestion() -> None:
    config = parse(
        'theme = "portside-dark"\ntheem = "x"\n[logs]\nbufer_lines = 5\n[[policy]]\nmatch = "x"\ncolour = "red"\n'
    )
    assert lines_of(config) == [2, 4, 7]
    assert "unknown key 'theem'" in config.warnings[0]
    assert "did you mean 'buffer_lines'?" in config.warnings[1]
    assert "unknown key 'policy.colour' (did you mean 'color'?)" in config.warnings[2]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("\n\ntheme = 3\n", 3),
        ('[keys]\n"container.stop" = 4\n', 2),
        ('[keys]\n"container.stop" = "ctrl s !"\n', 2),
        ("[kubernetes]\nnamespace = true\n", 2),
        ("[logs]\nbuffer_lines = true\n", 2),  # a boolean is not a number, even if Python says so
        ("[logs]\nbuffer_lines = 5\n", 2),  # below the range: the buffer stays useful
        ("[logs]\nbuffer_lines = 12.5\n", 2),
        ("[stats]\nrefresh_seconds = 0\n", 2),
        ('[stats]\nrefresh_seconds = "2"\n', 2),
        ('[[policy]]\nmatch = "x"\nreadonly = "yes"\n', 3),
        ('keys = "ctrl+s"\n', 1),
        ("[[policy]]\nmatch = 5\n", 2),
    ],
)
def test_a_wrong_value_warns_at_its_line_and_keeps_the_default(text: str, line: int) -> None:
    config = parse(text)
    assert lines_of(config) == [line]
    assert config.theme is None and config.keys == {}
    assert not any(p.readonly for p in config.policies)
    assert config.logs.buffer_lines == DEFAULT_LOG_LINES
    assert config.stats.refresh_seconds == DEFAULT_STATS_SECONDS
    assert config.kubernetes.namespace is None


def test_a_syntax_error_is_one_warning_at_tomllibs_line_and_everything_default() -> None:
    config = parse('theme = "portside-light"\n[keys]\n"container.stop" = ctrl+s\n')
    assert lines_of(config) == [3]
    assert "TOML syntax error" in config.warnings[0]
    assert config.theme is None and config.keys == {}


def test_a_syntax_error_at_the_end_of_the_document_names_the_last_line() -> None:
    config = parse('theme = "x"\nkeys = [\n')
    assert len(config.warnings) == 1 and "TOML syntax error" in config.warnings[0]
    assert lines_of(config) == [2]


def test_warnings_come_in_file_order() -> None:
    config = parse('[[policy]]\ncolr = 1\nmatch = "x"\nreadonly = "no"\n')
    assert lines_of(config) == [2, 4]


# ---- what only the app knows: themes, binding ids


def test_an_unknown_theme_or_binding_id_warns_at_its_line_and_is_dropped() -> None:
    config = parse('theme = "portside-drak"\n[keys]\n"container.stop" = "ctrl+s"\n"container.stp" = "x"\n')
    check(config, ids=("container.stop",))
    assert config.theme is None
    assert config.keys == {"container.stop": "ctrl+s"}
    assert lines_of(config) == [1, 4]
    assert "did you mean 'portside-dark'?" in config.warnings[0]
    assert "did you mean 'container.stop'?" in config.warnings[1]


def test_a_theme_flag_overrides_the_file_and_its_warning_names_the_flag() -> None:
    config = parse('theme = "portside-dark"\n')
    config.override("theme", "nope", "--theme")
    check(config)
    assert config.theme is None
    assert config.warnings == ["--theme: unknown theme 'nope'"]


# ---- where the file is, and files that cannot be read


def test_path_is_the_flag_else_the_env_var_else_the_user_config_dir(tmp_path: Path) -> None:
    assert config_path("/x/flag.toml", {CONFIG_ENV: "/x/env.toml"}) == (Path("/x/flag.toml"), True)
    assert config_path(None, {CONFIG_ENV: "/x/env.toml"}) == (Path("/x/env.toml"), True)
    path, explicit = config_path(None, {})
    assert (path.name, path.parent.name, explicit) == ("config.toml", "portside", False)


def test_a_missing_default_file_is_silent_but_a_named_one_warns(tmp_path: Path) -> None:
    missing = tmp_path / "none.toml"
    assert load_config(missing, explicit=False).warnings == []
    assert load_config(missing, explicit=True).warnings == [
        f"{missing}: config file not found; using the defaults"
    ]


def test_a_file_that_is_not_utf8_warns_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "portside-dark"\ntheme2 = "\xff"\n')
    config = load_config(path)
    assert config.warnings == [f"{path}:2: not UTF-8 text; using the defaults"]
    assert config.theme is None


def test_a_directory_in_place_of_the_file_warns(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert len(config.warnings) == 1 and config.warnings[0].startswith(f"{tmp_path}: cannot read")


def test_load_reads_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.path == path and config.theme == "portside-light" and config.warnings == []


# ---- the command line on top of the file


def test_flags_override_the_file_and_the_env_var_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text('theme = "portside-light"\n[kubernetes]\ncontext = "sandbox-viewer"\nnamespace = "all"\n')
    monkeypatch.setenv(CONFIG_ENV, str(path))
    config = read_config(parse_args([]))
    assert config.theme == "portside-light"
    assert kube_target(parse_args([]), config) == ("sandbox-viewer", "all")
    assert kube_target(parse_args(["--context", "prod", "-n", "web"]), config) == ("prod", "web")
    assert read_config(parse_args(["--theme", "portside-contrast"])).theme == "portside-contrast"
    other = tmp_path / "other.toml"
    other.write_text('theme = "nord"\n')
    assert read_config(parse_args(["--config", str(other)])).theme == "nord"


def test_keys_may_be_written_as_characters() -> None:
    assert parse('[keys]\n"app.jump" = ":, ?"\n').keys == {"app.jump": ":,?"}


def test_app_config_gives_the_apps_config_or_the_defaults() -> None:
    class WithConfig:
        config = parse("[logs]\nbuffer_lines = 500\n")

    assert app_config(WithConfig()).logs.buffer_lines == 500
    assert app_config(object()).logs.buffer_lines == DEFAULT_LOG_LINES


FRAGMENTS = [
    "[keys]",
    "[[policy]]",
    "[logs]",
    "[stats]",
    "[kubernetes]",
    "[[keys]]",
    "[policy]",
    'theme = "portside-dark"',
    "theme = [1, 2]",
    'match = "prod"',
    'match = "["',
    "match = 3",
    'color = "red"',
    "readonly = true",
    'protected = "no"',
    '"container.stop" = "ctrl+s"',
    'container.stop = "S"',
    "a.b.c = {x = 1}",
    "buffer_lines = 200",
    "buffer_lines = -1",
    "refresh_seconds = nan",
    "refresh_seconds = inf",
    "context = ''",
    'x = """',
    '"""',
    "= broken",
    "# comment",
    "",
]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14))
def test_no_document_stops_the_app_every_problem_is_a_located_warning(lines: list[str]) -> None:
    config = parse("\n".join(lines) + "\n")
    check(config, ids=("container.stop",))
    assert all(re.match(rf"{re.escape(str(PATH))}:\d+: ", w) for w in config.warnings)
    assert LOG_LINES_RANGE[0] <= config.logs.buffer_lines <= LOG_LINES_RANGE[1]
    assert STATS_SECONDS_RANGE[0] <= config.stats.refresh_seconds <= STATS_SECONDS_RANGE[1]
