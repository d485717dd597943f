"""Pure parts of the images adapter: the build/pull/push event parser, layer instructions, references."""

from __future__ import annotations

import pytest

from tui.adapters.docker_images import (
    MAX_PENDING,
    LayerInfo,
    ProgressParser,
    has_registry,
    layer_from_api,
    parse_reference,
    reference_error,
    stream_error,
)
from tui.adapters.errors import Forbidden, InvalidInput, NotFound, Unavailable
from tui.views.image_build import BuildSpec, parse_build_args


def test_build_text_split_across_chunks_becomes_whole_lines() -> None:
    parser = ProgressParser()
    out = parser.feed({"stream": "Step 1/2 : FROM x"}) + parser.feed({"stream": "\n ---> abc\nStep 2/2 : RU"})
    out += parser.feed({"stream": "N false\n"})
    assert [p.line for p in out] == ["Step 1/2 : FROM x", " ---> abc", "Step 2/2 : RUN false"]
    assert parser.step == "Step 2/2 : RUN false"


def test_an_error_names_the_last_step_and_is_yielded_as_an_event() -> None:
    parser = ProgressParser()
    parser.feed({"stream": "Step 3/4 : RUN false\n"})
    parser.feed({"stream": " ---> Running in 3c03"})  # no newline yet: flushed before the error
    out = parser.feed({"errorDetail": {"code": 1, "message": "boom"}, "error": "boom"})
    assert [p.line for p in out] == [" ---> Running in 3c03", "ERROR: boom"]
    assert out[-1].error == parser.error == "failed at Step 3/4 : RUN false: boom"


def test_layer_events_carry_the_layer_and_its_progress() -> None:
    event = {
        "status": "Pushing",
        "progressDetail": {"current": 512, "total": 1000},
        "progress": "[==>   ]  512B/1kB",
        "id": "ffca494c3f67",
    }
    (progress,) = ProgressParser().feed(event)
    assert progress.layer == "ffca494c3f67"
    assert progress.line == "Pushing [==>   ]  512B/1kB"
    assert (progress.current, progress.total) == (512, 1000)
    (plain,) = ProgressParser().feed({"status": "The push refers to repository [r/x]"})
    assert plain.layer is None and plain.current is None


def test_escapes_in_engine_output_are_stripped() -> None:
    parser = ProgressParser()
    out = parser.feed({"stream": "\x1b[31mred\x1b[0m\r\n"}) + parser.feed(
        {"status": "ok\x1b]0;title\x07", "id": "l\x9b"}
    )
    assert [p.line for p in out] == ["red", "ok"]
    assert out[1].layer == "l"


def test_a_line_without_end_is_cut_not_held_forever() -> None:
    parser = ProgressParser()
    out = parser.feed({"stream": "x" * (MAX_PENDING + 1)})
    assert len(out) == 1 and parser.flush() == []


def test_aux_id_is_the_built_image() -> None:
    parser = ProgressParser()
    assert parser.feed({"aux": {"ID": "sha256:abc"}}) == []
    assert parser.image_id == "sha256:abc"


@pytest.mark.parametrize(
    ("created_by", "instruction"),
    [
        ("/bin/sh -c #(nop)  LABEL a=b", "LABEL a=b"),
        ('/bin/sh -c #(nop)  CMD ["sh"]', 'CMD ["sh"]'),
        ("/bin/sh -c echo hi > /hello", "RUN echo hi > /hello"),
        ("|1 GREETING=hello /bin/sh -c echo $GREETING", "RUN echo $GREETING"),
        ("RUN /bin/sh -c make # buildkit", "RUN /bin/sh -c make # buildkit"),
        ("", ""),
    ],
)
def test_layer_instruction_reads_like_the_dockerfile(created_by: str, instruction: str) -> None:
    assert layer_from_api({"CreatedBy": created_by}).instruction == instruction


def test_layer_parsing_is_defensive() -> None:
    layer = layer_from_api({"Id": "<missing>", "Created": 0, "Size": None, "Tags": None, "Comment": "x\x1b[2J"})
    assert layer == LayerInfo("<missing>", "", 0, layer.created, "x", ())


@pytest.mark.parametrize(
    "reference",
    ["busybox", "portside/busybox:latest", "127.0.0.1:5000/a/b:v1", "localhost/x", "reg.io/a_b/c-d:1.0"],
)
def test_valid_references(reference: str) -> None:
    assert reference_error(reference) is None


@pytest.mark.parametrize("reference", ["Bad Ref", "UPPER/case", "x:", "a//b", "a:b:c", "-a"])
def test_invalid_references(reference: str) -> None:
    assert reference_error(reference)


def test_parse_reference_keeps_the_registry_port() -> None:
    assert parse_reference("127.0.0.1:5000/a/b:v1") == ("127.0.0.1:5000/a/b", "v1")
    assert parse_reference("127.0.0.1:5000/a/b") == ("127.0.0.1:5000/a/b", "latest")
    assert has_registry("127.0.0.1:5000/a") and has_registry("localhost/a") and not has_registry("portside/a")


def test_errors_inside_a_stream_get_a_fitting_type() -> None:
    assert isinstance(stream_error("pull", "manifest unknown", Unavailable), NotFound)
    assert isinstance(stream_error("pull", "pull access denied", Unavailable), Forbidden)
    assert isinstance(stream_error("build", "failed at Step 2/2 : RUN false: code 1", InvalidInput), InvalidInput)


def test_build_args_parse_key_value_lines() -> None:
    assert parse_build_args("A=1\n\n# comment\n B = two words \nEMPTY=") == {
        "A": "1",
        "B": "two words",
        "EMPTY": "",
    }
    with pytest.raises(ValueError, match="line 2"):
        parse_build_args("A=1\nnot an assignment")
    with pytest.raises(ValueError, match="line 1"):
        parse_build_args("1BAD=x")


def test_build_cli_masks_secret_looking_args_and_quotes_paths() -> None:
    spec = BuildSpec("/src/my app", "docker/Dockerfile.dev", "me/app:1", {"VERSION": "2", "NPM_TOKEN": "s3cret"})
    cli = spec.cli_args()
    assert cli == (
        "--tag me/app:1 --file '/src/my app/docker/Dockerfile.dev' "
        "--build-arg VERSION=2 --build-arg 'NPM_TOKEN=***' '/src/my app'"
    )
    assert "s3cret" not in cli
