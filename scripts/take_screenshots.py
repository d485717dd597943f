"""Write SVG screenshots of every area, and of the Containers area in each of our themes, into screenshots/.

Run by scripts/screenshots after seed_demo.py has brought the sandbox to the demo's known state.
``--themes-only`` writes only screenshots/theme-<name>.svg.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from themes import THEMES
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import AREAS, PortsideApp, make_app
from tui.audit import AuditLog
from tui.config import Config
from widgets.resource_table import ResourceTable
from widgets.target_bar import TargetBar

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def main(*, areas: bool = True, themes: bool = True) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(
            DockerEngine(),
            KubeCluster(context="sandbox-admin", namespace="demo"),
            AuditLog(Path(tmp) / "a"),
            config=Config(),  # the defaults, whatever the user's own config file says
        )
        async with app.run_test(size=(120, 32)) as pilot:
            deadline = time.monotonic() + 60
            bar = app.screen.query_one(TargetBar)
            while not (
                all(t.row_count for t in app.screen.query(ResourceTable)) and bar.docker[1] == bar.kube[1] == "ok"
            ):
                if time.monotonic() > deadline:
                    raise SystemExit("screenshots: the sandbox did not fill every area within 60 s")
                await pilot.pause(0.1)
            if areas:
                for number, (area, _) in enumerate(AREAS, start=1):
                    await pilot.press(str(number))
                    await pilot.pause(0.5)
                    save(app, f"{area}.svg")
            if themes:
                await pilot.press(str([area for area, _ in AREAS].index("containers") + 1))
                for theme in THEMES:
                    app.theme = theme.name
                    await pilot.pause(0.5)
                    save(app, f"theme-{theme.name}.svg")


def save(app: PortsideApp, name: str) -> None:
    app.save_screenshot(filename=name, path=str(OUT))
    print(f"    screenshots/{name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes-only", action="store_true", help="only screenshots/theme-<name>.svg")
    args = parser.parse_args()
    asyncio.run(main(areas=not args.themes_only))
