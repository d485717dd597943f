"""ResourceTable alone in a tiny app, driven by Pilot: drawing only what is on screen, cursor, mouse, sort."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip

from widgets.resource_table import Column, ResourceTable


@dataclass(frozen=True)
class Pod:
    key: str
    name: str
    cpu: int = 0
    status: str = "Running"


class CountingTable(ResourceTable):
    """Counts the lines drawn and the cells rendered: the work a frame costs."""

    def __init__(self, **kwargs: Any) -> None:
        self.renders: Counter[str] = Counter()
        self.lines_drawn = 0

        def counted(key: str, render: Any, **options: Any) -> Column:
            def call(pod: Pod) -> str | Text:
                self.renders[key] += 1
                return render(pod)  # type: ignore[no-any-return]

            return Column(key, key.upper(), call, **options)

        super().__init__(
            [
                counted("name", lambda p: p.name),
                counted("cpu", lambda p: f"{p.cpu}%"),
                counted("status", lambda p: Text(p.status)),
            ],
            **kwargs,
        )

    def render_line(self, y: int) -> Strip:
        self.lines_drawn += 1
        return super().render_line(y)


class TableApp(App[None]):
    def __init__(self, table: ResourceTable) -> None:
        super().__init__()
        self.table = table
        self.highlighted: list[str] = []
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        self.table.focus()

    def on_resource_table_row_highlighted(self, event: ResourceTable.RowHighlighted) -> None:
        self.highlighted.append(event.row_key.value)

    def on_resource_table_row_selected(self, event: ResourceTable.RowSelected) -> None:
        self.chosen.append(event.key)


def pods(count: int) -> list[Pod]:
    return [Pod(f"k{n:06d}", f"pod-{n:06d}", cpu=n % 97) for n in range(count)]


def screen_text(table: ResourceTable) -> list[str]:
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


SIZE = (60, 12)  # a header and 11 rows


async def test_only_the_rows_on_screen_are_rendered_for_10000_records() -> None:
    table = CountingTable()
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(pods(10_000))
        await pilot.pause()
        assert table.renders["cpu"] <= SIZE[1] and table.renders["status"] <= SIZE[1]
        assert 0 < table.lines_drawn <= 4 * SIZE[1]
        assert screen_text(table)[1].split()[0] == "pod-000000"


async def test_100000_rows_snapshot_and_filter_render_only_a_screenful() -> None:
    table = CountingTable()
    listed = pods(100_000)
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(listed)
        await pilot.pause()
        table.apply_snapshot([p for p in listed if p.name.endswith("3")])
        await pilot.pause()
        table.apply_snapshot(listed)
        await pilot.pause()
        assert table.row_count == 100_000
        assert table.renders["name"] <= 100_000 + 3 * SIZE[1]  # the sort cell once per record, and 3 screens
        assert table.renders["cpu"] <= 3 * SIZE[1]  # the other cells only for rows shown
        assert screen_text(table)[1].split()[0] == "pod-000000"


async def test_an_update_off_screen_draws_nothing_and_one_on_screen_redraws_its_row() -> None:
    table = CountingTable()
    listed = pods(1_000)
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(listed)
        await pilot.pause()
        table.renders.clear()
        table.upsert(Pod(listed[500].key, listed[500].name, cpu=1234))
        await pilot.pause()
        assert table.renders == Counter(name=1)  # its sort cell: it did not move, and is off screen
        table.upsert(Pod(listed[0].key, listed[0].name, cpu=4321))
        await pilot.pause()
        assert "4321%" in screen_text(table)[1]


async def test_keys_move_the_cursor_and_keep_it_on_screen() -> None:
    table = CountingTable()
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(pods(100))
        await pilot.pause()
        await pilot.press("down", "down")
        assert table.selected.key == "k000002"
        await pilot.press("pagedown")
        assert table.cursor_row > 2
        await pilot.press("end")
        await pilot.pause()
        assert table.selected.key == "k000099"
        assert "k000099" in table.visible_keys()
        assert screen_text(table)[-1].split()[0] == "pod-000099"
        await pilot.press("home")
        assert table.selected.key == "k000000" and table.scroll_y == 0
        assert pilot.app.highlighted[-1] == "k000000"


async def test_enter_and_a_click_on_the_cursor_row_post_row_selected() -> None:
    table = CountingTable()
    app = TableApp(table)
    async with app.run_test(size=SIZE) as pilot:
        table.apply_snapshot(pods(20))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.chosen == ["k000000"]
        await pilot.click(ResourceTable, offset=(3, 3))  # the third row: moves the cursor there
        await pilot.pause()
        assert table.selected.key == "k000002" and app.chosen == ["k000000"]
        await pilot.click(ResourceTable, offset=(3, 3))  # again: selects it
        await pilot.pause()
        assert app.chosen == ["k000000", "k000002"]


async def test_a_header_click_sorts_and_a_second_reverses_keeping_the_cursor_record() -> None:
    table = CountingTable()
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot([Pod(f"k{n}", f"pod-{n}", cpu=n * 7 % 10) for n in range(10)])
        table.select_key("k3")
        await pilot.pause()
        header = screen_text(table)[0]
        assert "NAME ▲" in header
        cpu_x = header.index("CPU")
        await pilot.click(ResourceTable, offset=(cpu_x, 0))
        await pilot.pause()
        assert table.sort_column == "cpu" and not table.sort_reverse
        assert "CPU ▲" in screen_text(table)[0] and "NAME ▲" not in screen_text(table)[0]
        assert [line.split()[1] for line in screen_text(table)[1:4]] == ["0%", "1%", "2%"]
        await pilot.click(ResourceTable, offset=(cpu_x, 0))
        await pilot.pause()
        assert table.sort_reverse and "CPU ▼" in screen_text(table)[0]
        assert [line.split()[1] for line in screen_text(table)[1:4]] == ["9%", "8%", "7%"]
        assert table.selected.key == "k3"


async def test_select_key_scrolls_to_a_row_off_screen() -> None:
    table = CountingTable()
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(pods(5_000))
        await pilot.pause()
        assert table.select_key("k004321")
        await pilot.pause()
        assert "k004321" in table.visible_keys()
        assert any(line.startswith(" pod-004321") for line in screen_text(table))


async def test_select_key_before_the_first_layout_scrolls_once_laid_out() -> None:
    table = CountingTable()
    table.apply_snapshot(pods(500))
    table.select_key("k000400")
    async with TableApp(table).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "k000400" in table.visible_keys()


async def test_cursor_stays_on_its_record_when_rows_arrive_above_it() -> None:
    table = CountingTable()
    app = TableApp(table)
    async with app.run_test(size=SIZE) as pilot:
        table.apply_snapshot(pods(10))
        table.select_key("k000005")
        await pilot.pause()
        table.upsert(Pod("new", "a-first"))
        table.apply_snapshot([*table.records.values(), Pod("newer", "a-before")])
        await pilot.pause()
        assert table.selected.key == "k000005" and table.cursor_row == 7
        assert app.highlighted[-1] == "k000005"


async def test_a_filter_that_hides_the_cursor_row_puts_the_cursor_on_the_next_row_and_shows_it() -> None:
    table = CountingTable()
    app = TableApp(table)
    listed = pods(1_000)
    async with app.run_test(size=SIZE) as pilot:
        table.apply_snapshot(listed)
        table.select_key("k000500")
        await pilot.pause()
        table.apply_snapshot([p for p in listed if p.name.endswith("7")])  # 100 rows; k000500 hidden
        await pilot.pause()
        assert table.selected.key == "k000507" and app.highlighted[-1] == "k000507"
        assert "k000507" in table.visible_keys()
        row = table.visible_keys().index("k000507") + 1
        assert screen_text(table)[row].split()[0] == "pod-000507"
        assert background(table, row) != background(table, row % (SIZE[1] - 1) + 1)  # the cursor is drawn


async def test_a_row_on_screen_is_redrawn_when_a_snapshot_changes_its_record() -> None:
    table = CountingTable()
    listed = pods(100)
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(listed)
        await pilot.pause()
        assert screen_text(table)[2].split()[1] == "1%"
        table.renders.clear()
        table.apply_snapshot([Pod(p.key, p.name, cpu=55) if p.key == "k000001" else p for p in listed])
        await pilot.pause()
        assert screen_text(table)[2].split()[1] == "55%"
        assert table.renders == Counter(name=2, cpu=1, status=1)  # its sort cell, then its row: no other


async def test_wide_columns_scroll_horizontally() -> None:
    table = CountingTable()
    async with TableApp(table).run_test(size=(30, 8)) as pilot:
        table.apply_snapshot([Pod("a", "n" * 40), Pod("b", "short")])
        await pilot.pause()
        assert table.virtual_size.width > table.size.width
        assert screen_text(table)[0].startswith(" NAME")
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert table.scroll_x > 0
        assert not screen_text(table)[0].startswith(" NAME")


async def test_marked_rows_show_the_mark() -> None:
    table = CountingTable()
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(pods(3))
        await pilot.pause()
        table.toggle_mark("k000001")
        await pilot.pause()
        assert screen_text(table)[2].startswith(" ● pod-000001")
        table.clear_marks()
        await pilot.pause()
        assert screen_text(table)[2].startswith(" pod-000001")


def background(table: ResourceTable, y: int) -> object:
    first = next(iter(table.render_line(y)))
    return first.style.bgcolor if first.style is not None else None


async def test_the_row_under_the_mouse_is_highlighted_until_a_key_moves_the_cursor() -> None:
    table = CountingTable()
    async with TableApp(table).run_test(size=SIZE) as pilot:
        table.apply_snapshot(pods(5))
        await pilot.pause()
        plain = background(table, 3)
        await pilot.hover(ResourceTable, offset=(3, 3))
        await pilot.pause()
        assert background(table, 3) != plain
        assert background(table, 4) == plain
        await pilot.press("down")  # a key hides it, as in DataTable
        await pilot.pause()
        assert background(table, 3) == plain
