"""ResourceTable's model without a screen: order by key, bounded work per change, cursor, marks, widths."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from hypothesis import example, given
from hypothesis import strategies as st
from rich.text import Text

from widgets.resource_table import MARK, MAX_AUTO_WIDTH, Column, ResourceTable, _cell, _rank, _sort_key


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


def test_sort_key_orders_numbers_as_numbers_and_ignores_the_mark() -> None:
    cells = ["10%", "9%", "1.5 GiB", "100", "abc", MARK + "2"]
    assert sorted(cells, key=_sort_key) == ["1.5 GiB", MARK + "2", "9%", "10%", "100", "abc"]
    assert _sort_key(Text("12 MB")) == _sort_key("12 MB")


cell_texts = st.one_of(
    st.floats(allow_nan=False).map(str),
    st.integers(-(10**6), 10**6).map(lambda n: f"{n}%"),
    st.text(alphabet="ab+-.0123456789 %kMiB,nN", max_size=8),
)


@given(st.lists(st.tuples(cell_texts, st.text(alphabet="xyz", max_size=3)), max_size=30))
@example([("+0", ""), ("-0", "")])  # equal numbers: the text decides, whatever the sign bit of zero
def test_rank_strings_order_exactly_as_sort_key_then_record_key(rows: list[tuple[str, str]]) -> None:
    by_tuple = sorted(rows, key=lambda r: (_sort_key(r[0]), r[1]))
    by_rank = sorted(rows, key=lambda r: _rank(*r))
    assert [(_sort_key(c), k) for c, k in by_rank] == [(_sort_key(c), k) for c, k in by_tuple]


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
    assert "c" not in table._shelf and "c" not in table._rank
