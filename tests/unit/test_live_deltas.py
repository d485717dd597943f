"""Deltas of a feed that lists in pages: whole lists for plain iteration, pages for ``paged()``; and the GC pause
while a page is decoded."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from tui.adapters.errors import Gone, Unavailable
from tui.adapters.kube_cluster import collector_paused
from tui.adapters.live import LiveFeed, whole_lists
from tui.adapters.models import Backoff, Deleted, Disconnected, PodInfo, Snapshot, Upserted


def pod(name: str) -> PodInfo:
    return PodInfo(
        uid=f"uid-{name}", namespace="ns", name=name, phase="Pending", status="Pending", ready=0, total=1,
        restarts=0, node="", ip="", created=None,
    )  # fmt: skip


A, B, C, D = pod("a"), pod("b"), pod("c"), pod("d")


def test_a_snapshot_is_whole_by_default_and_a_page_is_not() -> None:
    assert Snapshot((A,)).whole
    assert not Snapshot((A,), complete=False).whole
    assert not Snapshot((B,), complete=True, page=1).whole


def test_whole_lists_joins_the_pages_of_a_list_in_order() -> None:
    pages = [Snapshot((A, B), complete=False), Snapshot((C,), complete=False, page=1), Snapshot((D,), page=2)]
    assert list(whole_lists(pages)) == [Snapshot((A, B, C, D))]


def test_whole_lists_passes_whole_snapshots_and_changes_through_as_they_are() -> None:
    deltas: list[Any] = [Snapshot((A,)), Upserted(B), Deleted("uid-a"), Disconnected(Unavailable("down"), 1.0)]
    out = list(whole_lists(deltas))
    assert out == deltas and all(x is y for x, y in zip(out, deltas, strict=True))


def test_whole_lists_drops_a_list_cut_short_when_the_next_one_begins() -> None:
    deltas = [
        Snapshot((A, B), complete=False),
        Disconnected(Unavailable("down"), 1.0),
        Snapshot((C,), complete=False),
        Snapshot((D,), page=1),
    ]
    out = list(whole_lists(deltas))
    assert out[1] == Snapshot((C, D))


class ScriptedFeed(LiveFeed[Any]):
    """A feed whose runs are given: each a list of deltas, or an error to raise after them."""

    def __init__(self, runs: list[list[Any]]) -> None:
        super().__init__()
        self.runs = runs

    def _run(self, backoff: Backoff) -> Iterator[Any]:
        if not self.runs:
            self.close()
            return
        for step in self.runs.pop(0):
            if isinstance(step, Exception):
                raise step
            yield step


def test_plain_iteration_never_sees_the_pages_of_a_list_cut_by_410() -> None:
    runs = [
        [Snapshot((A, B), complete=False), Gone("continue token expired")],
        [Snapshot((A,), complete=False), Snapshot((C,), page=1), Upserted(D)],
    ]
    assert list(ScriptedFeed([list(r) for r in runs])) == [Snapshot((A, C)), Upserted(D)]
    paged = list(ScriptedFeed([list(r) for r in runs]).paged())
    assert paged == [
        Snapshot((A, B), complete=False),
        Snapshot((A,), complete=False),
        Snapshot((C,), page=1),
        Upserted(D),
    ]


def test_the_collector_is_paused_while_decoding_and_left_as_it_was_found() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError("a truncated body")
    assert gc.isenabled(), "an error while decoding must not leave the collector off"
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled(), "paused by someone else: not ours to resume"
    finally:
        gc.enable()
