"""The Kubernetes area: one live view per resource kind, mounted the first time it is asked for.

Views are created lazily so that only the kinds a person looks at hold a watch; once mounted a view stays
(switching back is instant and its table is already current).
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ContentSwitcher

from tui.actions import Gateway
from tui.adapters.errors import BackendError
from tui.adapters.kube_cluster import KubeCluster
from tui.views.live_view import LiveView, action_bindings
from tui.views.pods import PodsView
from widgets.resource_table import ResourceTable


class KubeArea(Vertical):
    BINDINGS = action_bindings("manifest")  # f: apply a manifest file, whichever kind is shown

    def __init__(self, cluster: KubeCluster, gateway: Gateway, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cluster = cluster
        self.gateway = gateway
        self.kind = "pods"

    def compose(self) -> ComposeResult:
        with ContentSwitcher(initial="pods-view"):
            yield PodsView(self.cluster, self.gateway, id="pods-view")

    @property
    def current(self) -> LiveView:
        switcher = self.query_one(ContentSwitcher)
        return switcher.query_one(f"#{switcher.current}", LiveView)

    async def show(self, kind: str) -> None:
        """Switch to a kind by any of its names (pods, po, deployments, deploy, ...)."""
        # The other kinds' modules load when one is first asked for: pods come first (start-up, issue #7).
        from tui.adapters import kube_resources as kr
        from tui.views.kube_resources import kube_view

        found = kr.resource_kind(kind)
        view_id = f"{found.name}-view"
        switcher = self.query_one(ContentSwitcher)
        if not switcher.query(f"#{view_id}"):
            await switcher.mount(kube_view(self.cluster, self.gateway, found, id=view_id))
        switcher.current = view_id
        self.kind = found.name
        self.current.query_one(ResourceTable).focus()

    @on(PodsView.JumpTo)
    async def _jump_to_owner(self, message: PodsView.JumpTo) -> None:
        try:
            await self.show(message.kind)
        except BackendError:
            self.notify(f"portside has no view of {message.kind} yet.", severity="warning")
            return
        self.current.set_filter(message.name)

    # ---- apply a manifest file (the plan, then the gateway)

    def action_act(self, action_id: str) -> None:
        if action_id == "manifest.apply":
            self.apply_file()

    @work(exit_on_error=False, group="actions")
    async def apply_file(self) -> None:
        from tui.views.kube_apply import apply_manifest

        await apply_manifest(self, self.cluster, self.gateway)
