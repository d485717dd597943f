"""Write SVG screenshots of every area into screenshots/, from the real sandbox seeded by seed_demo.py."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from tui.adapters.docker_engine import DockerEngine
from tui.adapters.kube_cluster import KubeCluster
from tui.app import AREAS, make_app
from tui.audit import AuditLog
from widgets.resource_table import ResourceTable
from widgets.target_bar import TargetBar

OUT = Path(__file__).resolve().parent.parent / "screenshots"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(
            DockerEngine(), KubeCluster(context="sandbox-admin", namespace="demo"), AuditLog(Path(tmp) / "a")
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
            for number, (area, _) in enumerate(AREAS, start=1):
                await pilot.press(str(number))
                await pilot.pause(0.5)
                app.save_screenshot(filename=f"{area}.svg", path=str(OUT))
                print(f"    screenshots/{area}.svg")


if __name__ == "__main__":
    asyncio.run(main())
