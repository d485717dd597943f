"""ResourceTable's model without a screen: order by key, bounded work per change, cursor, marks, widths."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from rich.text import Text

from widgets.resource_table import MARK, MAX_AUTO_WIDTH, Column, ResourceTable, _cell
from widgets.row_order import rank, sort_key
from widgets.text_index import TextIndex


@dataclass(frozen=True)
class Pod:
    key: str
    name: str
    cpu: int = 0
    status: str = "Running"


def make_table(renders: Counter[str] | None = None, *, sort_column: str | None = None) -> ResourceTable:
    """A table whose columns count how often each one is rendered (the work a change costs)."""
    counts: Counter[str] = renders if renders is not None else Counter()

    def counted(column: str, render: object) -> Column:
        def call(pod: Pod) -> str | Text:
            counts[column] += 1
            return render(pod)  # type: ignore[operator]

        return Column(column, column.upper(), call)

    return ResourceTable(
        [
            counted("name", lambda p: p.name),
            counted("cpu", lambda p: f"{p.cpu}%"),
            counted("status", lambda p: Text(p.status, style="red" if p.status == "Failed" else "")),
        ],
        sort_column=sort_column,
    )


def rows(table: ResourceTable) -> list[str]:
    return [table._key_at(n) for n in range(table.row_count)]


def pods(count: int) -> list[Pod]:
    return [Pod(f"k{n:06d}", f"pod-{n:06d}", cpu=n % 97) for n in range(count)]


def testsort_key_orders_numbers_as_numbers_and_ignores_the_mark() -> None:
    cells = ["10%", "9%", "1.5 GiB", "100", "abc", MARK + "2"]
    assert sorted(cells, key=sort_key) == ["1.5 GiB", MARK + "2", "9%", "10%", "100", "abc"]
    assert sort_key(Text("12 MB")) == sort_key("12 MB")


cell_texts = st.one_of(
    st.floats(allow_nan=False).map(str),
    st.integers(-(10**6), 10**6).map(lambda n: f"{n}%"),
    st.text(alphabet="ab+-.0123456789 %kMiB,nN", max_size=8),
)


@given(st.lists(st.tuples(cell_texts, st.text(alphabet="xyz", max_size=3)), max_size=30))
@example([("+0", ""), ("-0", "")])  # equal numbers: the text decides, whatever the sign bit of zero
def test_rank_strings_order_exactly_assort_key_then_record_key(rows: list[tuple[str, str]]) -> None:
    by_tuple = sorted(rows, key=lambda r: (sort_key(r[0]), r[1]))
    by_rank = sorted(rows, key=lambda r: rank(*r))
    assert [(sort_key(c), k) for c, k in by_rank] == [(sort_key(c), k) for c, k in by_tuple]


def test_cells_are_never_parsed_as_markup_and_stay_on_one_line() -> None:
    assert _cell("[bold]x[/bold]").plain == "[bold]x[/bold]"
    styled = _cell(Text("a\nb", style="red"))
    assert styled.plain == "a b" and styled.style == "red"


def test_snapshot_sorts_once_by_the_sort_column_numbers_as_numbers() -> None:
    table = make_table(sort_column="cpu")
    table.apply_snapshot([Pod("a", "a", 10), Pod("b", "b", 9), Pod("c", "c", 100)])
    assert rows(table) == ["b", "a", "c"]
    table.sort_by("cpu")  # the same column again reverses
    assert rows(table) == ["c", "a", "b"] and table.sort_reverse


def test_snapshot_adds_updates_and_removes_by_key() -> None:
    table = make_table()
    table.apply_snapshot([Pod("a", "x1"), Pod("b", "x2"), Pod("c", "x3")])
    table.apply_snapshot([Pod("c", "x0"), Pod("a", "x1"), Pod("d", "x4")])
    assert rows(table) == ["c", "a", "d"]
    assert set(table.records) == {"a", "c", "d"}


def test_unchanged_records_in_a_snapshot_render_nothing() -> None:
    renders: Counter[str] = Counter()
    table = make_table(renders)
    listed = pods(1_000)
    table.apply_snapshot(listed)
    renders.clear()
    table.apply_snapshot(listed)
    table.apply_snapshot([replace(p) for p in listed])  # equal records, new objects
    assert renders == Counter()


def test_filter_back_and_forth_over_100000_rows_renders_no_cell_again() -> None:
    renders: Counter[str] = Counter()
    table = make_table(renders)
    listed = pods(100_000)
    table.apply_snapshot(listed)
    assert renders == Counter(name=100_000)  # the sort cell only: the other cells wait until a row is shown
    renders.clear()
    table.apply_snapshot([p for p in listed if p.name.endswith("7")])  # a filter keystroke
    assert table.row_count == 10_000
    table.apply_snapshot(listed)  # the filter cleared: the rows come back from the shelf
    assert table.row_count == 100_000
    assert renders == Counter()
    assert rows(table)[:3] == ["k000000", "k000001", "k000002"]


def test_upsert_that_changes_the_sort_cell_moves_only_that_row() -> None:
    renders: Counter[str] = Counter()
    table = make_table(renders, sort_column="cpu")
    table.apply_snapshot([Pod("a", "a", 1), Pod("b", "b", 2), Pod("c", "c", 3)])
    renders.clear()
    table.upsert(Pod("a", "a", 5))
    assert rows(table) == ["b", "c", "a"]
    assert renders == Counter(cpu=1)  # one sort cell; the row is not on screen, so nothing else


def test_upsert_without_resort_keeps_the_row_in_place() -> None:
    table = make_table(sort_column="cpu")
    table.apply_snapshot([Pod("a", "a", 1), Pod("b", "b", 2)])
    table.upsert(Pod("a", "a", 5), resort=False)
    assert rows(table) == ["a", "b"]
    table.upsert(Pod("b", "b", 3))  # a later resorting upsert still finds every row by bisection
    assert rows(table) == ["a", "b"] and table.get_row_index("b") == 1


def test_new_rows_are_inserted_in_order() -> None:
    table = make_table()
    table.apply_snapshot([Pod("a", "b"), Pod("c", "d")])
    table.upsert(Pod("x", "c"))
    table.upsert(Pod("y", "a"))
    assert rows(table) == ["y", "a", "x", "c"]


def test_cursor_stays_on_its_record_across_updates_and_resorts() -> None:
    table = make_table(sort_column="cpu")
    table.apply_snapshot([Pod(k, k, n) for n, k in enumerate("abcde")])
    assert table.select_key("c")
    table.upsert(Pod("z", "z", -1))  # a row above it
    table.discard("a")
    table.sort_by("cpu")  # reversed
    table.apply_snapshot([*(table.records.values()), Pod("q", "q", 7)])
    assert table.selected.key == "c"
    assert table.cursor_row == table.get_row_index("c")


def test_discarding_the_selected_record_selects_the_row_that_took_its_place() -> None:
    table = make_table()
    table.apply_snapshot([Pod(k, k) for k in "abc"])
    table.select_key("b")
    table.discard("b")
    assert table.selected.key == "c"
    table.discard("c")
    assert table.selected.key == "a"
    table.discard("a")
    assert table.selected is None and table.row_count == 0


def test_select_key_says_whether_the_record_is_listed() -> None:
    table = make_table()
    table.apply_snapshot([Pod("a", "a")])
    assert not table.select_key("missing")
    assert table.select_key("a")


def test_marks_prefix_the_first_cell_and_leave_with_their_record() -> None:
    table = make_table()
    table.apply_snapshot([Pod("a", "a"), Pod("b", "b")])
    table.toggle_mark("a")
    assert table._cells_of("a")[0][0].plain == MARK + "a"
    assert table.marked == {"a"}
    table.discard("a")
    assert table.marked == set()
    table.toggle_mark("b")
    table.clear_marks()
    assert table._cells_of("b")[0][0].plain == "b"


def test_column_width_grows_with_rendered_cells_is_capped_and_is_remeasured_on_snapshot() -> None:
    table = make_table()
    table.apply_snapshot([Pod("a", "a" * 30), Pod("b", "b" * 200)])
    name = 0
    assert table._widths[name] == len("NAME ▲")  # nothing rendered yet
    table._cells_of("a")
    assert table._widths[name] == 30
    table._cells_of("b")
    assert table._widths[name] == MAX_AUTO_WIDTH
    table.apply_snapshot([table.records["a"]])
    assert table._widths[name] == 30


def test_a_fixed_width_column_keeps_its_width() -> None:
    table = ResourceTable([Column("n", "#", lambda p: p.name, width=3)])
    table.apply_snapshot([Pod("a", "a very long name")])
    table._cells_of("a")
    assert table._widths == [3]


def test_row_and_cell_accessors_return_the_cells_as_drawn() -> None:
    table = make_table()
    table.apply_snapshot([Pod("a", "x", cpu=3, status="Failed"), Pod("b", "y")])
    table.toggle_mark("a")
    assert [c.plain for c in table.get_row("a")] == [MARK + "x", "3%", "Failed"]
    assert table.get_cell("a", "status").style == "red"
    assert table.get_row_at(1)[0].plain == "y"


def test_a_record_that_changed_while_filtered_out_comes_back_in_its_new_place() -> None:
    table = make_table(sort_column="cpu")
    a, b, c = Pod("a", "a", 1), Pod("b", "b", 2), Pod("c", "c", 3)
    table.apply_snapshot([a, b, c])
    table.apply_snapshot([b, c])  # a filtered out: shelved with its rank
    table.apply_snapshot([replace(a, cpu=9), b, c])  # back, changed meanwhile
    assert rows(table) == ["b", "c", "a"]
    table.apply_snapshot([b])
    table.discard("c")  # deleted while filtered out: forgotten, not shelved
    assert "c" not in table._rows.seen and "c" not in table._rows.rank


def test_a_rendered_row_is_rendered_again_when_a_snapshot_changes_its_record() -> None:
    renders: Counter[str] = Counter()
    table = make_table(renders)
    table.apply_snapshot([Pod("a", "a", status="Running"), Pod("b", "b")])
    assert table.get_cell("a", "status").plain == "Running"
    renders.clear()
    table.apply_snapshot([Pod("a", "a", status="Failed"), table.records["b"]])
    assert table.get_cell("a", "status").plain == "Failed"
    assert table.get_cell("a", "status").style == "red"
    assert renders["status"] == 1  # a's row again; b's cells were never rendered


def test_rows_a_filter_hid_come_back_with_their_cells_unless_their_record_changed() -> None:
    renders: Counter[str] = Counter()
    table = make_table(renders)
    a, b, c = Pod("a", "a", status="Running"), Pod("b", "b"), Pod("c", "c")
    table.apply_snapshot([a, b, c])
    for key in "abc":
        table.get_row(key)  # drawn once
    renders.clear()
    table.apply_snapshot([b])  # a filter keystroke
    table.apply_snapshot([a, b, replace(c, status="Failed")])  # cleared: a unchanged, c changed meanwhile
    assert renders == Counter(name=1)  # c's sort cell
    assert table.get_cell("a", "status").plain == "Running"
    assert table.get_cell("c", "status").plain == "Failed"
    assert renders == Counter(name=2, cpu=1, status=1)  # and c's row, drawn afresh; a's cells were kept


def test_the_same_list_again_changes_nothing_but_a_list_after_an_upsert_applies() -> None:
    table = make_table()
    listed = pods(100)
    table.apply_snapshot(listed)
    table.apply_snapshot(list(listed))  # a filter keystroke that hid nothing
    assert table.row_count == 100
    table.upsert(replace(listed[0], name="zzz"))  # a delta, then the same list: the list is the truth
    table.apply_snapshot(listed)
    assert table.records[listed[0].key] is listed[0]
    assert rows(table)[0] == listed[0].key
    listed.pop()  # the same list object, changed since: compared by content, not by the object
    table.apply_snapshot(listed)
    assert table.row_count == 99


def test_a_filter_that_hides_the_cursor_row_puts_the_cursor_on_the_next_row_in_sort_order() -> None:
    table = make_table()
    listed = pods(1_000)
    table.apply_snapshot(listed)
    table.select_key("k000500")
    table.apply_snapshot([p for p in listed if p.name.endswith("7")])  # k000500 hidden
    assert table.selected.key == "k000507"
    assert table.cursor_row == 50
    table.apply_snapshot([p for p in listed if p.name.endswith("3") and p.key < "k000507"])  # none after it
    assert table.selected.key == "k000503" and table.cursor_row == table.row_count - 1  # the last row
    table.apply_snapshot(listed)
    table.sort_by("name")  # reversed: the next row down ranks just below
    table.select_key("k000500")
    table.apply_snapshot([p for p in listed if p.name.endswith("7")])
    assert table.selected.key == "k000497"
    assert table.cursor_row == table.get_row_index("k000497")


def test_a_marked_row_a_filter_hides_comes_back_unmarked() -> None:
    table = make_table()
    a, b = Pod("a", "a"), Pod("b", "b")
    table.apply_snapshot([a, b])
    table.toggle_mark("a")
    assert table.get_row("a")[0].plain == MARK + "a"
    table.apply_snapshot([b])
    table.apply_snapshot([a, b])
    assert table.marked == set()
    assert table.get_row("a")[0].plain == "a"


def test_a_record_deleted_while_hidden_comes_back_as_new() -> None:
    table = make_table(sort_column="cpu")
    a, b = Pod("a", "a", 1), Pod("b", "b", 2)
    table.apply_snapshot([a, b])
    table.apply_snapshot([b])
    table.discard("a")
    table.upsert(Pod("a", "a", 3))
    assert rows(table) == ["b", "a"]
    table.apply_snapshot([b])
    table.upsert(Pod("a", "a", 0))  # hidden, then upserted: its old rank goes
    assert rows(table) == ["a", "b"]


KEYS = 80  # more than row_order.BULK: snapshots take both the per-key and the whole-list paths
versions = st.tuples(st.integers(0, KEYS - 1), st.integers(0, 3))  # (record, version)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("snapshot"), st.lists(versions, max_size=KEYS)),
        st.tuples(st.just("snapshot"), st.sets(st.integers(0, KEYS - 1)).map(lambda keys: [(n, 0) for n in keys])),
        st.tuples(st.just("upsert"), versions),
        st.tuples(st.just("discard"), st.integers(0, KEYS - 1)),
        st.tuples(st.just("sort"), st.sampled_from(["name", "cpu"])),
    ),
    max_size=20,
)
POOL = {
    (n, v): Pod(f"k{n:02d}", f"p{(n * 7 + v) % 5}", cpu=(n + v * 5) % 9) for n in range(KEYS) for v in range(4)
}


@given(operations)
@example([("snapshot", [(n, 0) for n in range(KEYS)]), ("snapshot", [(n, 1) for n in range(KEYS)])])  # many move
@example(
    [
        ("snapshot", [(n, 0) for n in range(KEYS)]),
        ("snapshot", [(1, 0)]),
        ("snapshot", [(n, 1) for n in range(KEYS)]),
    ]
)
def test_rows_always_equal_the_records_in_sort_order_whatever_the_changes(ops: list[tuple[str, Any]]) -> None:
    """The table against a plain model: a dict of records, sorted on demand (hidden records, shelved ranks and
    cells, the identity shortcut and the whole-list paths must never show in the rows)."""
    table, model = make_table(), {}
    for op, arg in ops:
        if op == "snapshot":
            listed = [POOL[version] for version in arg]
            table.apply_snapshot(listed)
            model = {p.key: p for p in listed}
        elif op == "upsert":
            table.upsert(POOL[arg])
            model[POOL[arg].key] = POOL[arg]
        elif op == "discard":
            table.discard(f"k{arg:02d}")
            model.pop(f"k{arg:02d}", None)
        else:
            table.sort_by(arg)
        render = table._columns[table.sort_column].render
        expected = sorted(model, key=lambda k: (sort_key(render(model[k])), k), reverse=table.sort_reverse)
        assert rows(table) == expected
        assert table.records == model and all(table.records[k] is p for k, p in model.items())
        assert [table.get_row_index(k) for k in expected] == list(range(len(expected)))
        assert [table.get_row(k)[0].plain for k in expected] == [model[k].name for k in expected]


def text_index() -> TextIndex:
    return TextIndex([lambda p: p.name, lambda p: Text(p.status)])


def test_text_index_finds_text_in_any_cell_casefolded_never_across_two_cells() -> None:
    index = text_index()
    records = {p.key: p for p in [Pod("a", "Web-1", status="Running"), Pod("b", "db", status="CrashLoop")]}
    assert index.matching(records, "WEB") == [records["a"]]
    assert index.matching(records, "crash") == [records["b"]]
    assert index.matching(records, "1running") == []  # "web-1" then "running": two cells
    assert index.text(records["a"]) == "web-1\x00running"


def test_text_index_makes_a_text_again_only_for_a_new_version_of_a_record() -> None:
    calls: Counter[str] = Counter()

    def name(pod: Pod) -> str:
        calls[pod.key] += 1
        return pod.name

    index = TextIndex([name])
    records = {p.key: p for p in pods(1_000)}
    assert len(index.matching(records, "pod-00012")) == 10
    records["k000002"] = replace(records["k000002"], name="renamed")
    assert index.matching(records, "renamed") == [records["k000002"]]
    assert calls["k000001"] == 1 and calls["k000002"] == 2


def test_text_index_forgets_deleted_records() -> None:
    index = text_index()
    records = {p.key: p for p in pods(5_000)}
    index.matching(records, "x")
    assert index.pop("k000000") == "pod-000000\x00running"
    few = {k: records[k] for k in list(records)[:10]}
    assert len(index.matching(few, "pod")) == 10
    assert len(index._texts) == 10  # the index shrank to the records it was given
