"""KubeView: what every Kubernetes view shares — the target, RBAC-aware keys and a server-side label selector.

RBAC: when a view mounts, it asks the API (SelfSubjectAccessReview, cached briefly by the adapter) whether the
user may perform each of the view's registry actions in the view's namespace; the keys it may not use are shown
disabled, and an action is asked again for the namespaces of the chosen objects before the gateway's confirmation
is offered. A 403 is then an answer given before the dialog, not a failure after it.

Label selector: ``/-l app=web,tier!=db`` then enter re-opens the view's watch with that selector (the server
filters, as `kubectl get -l`); escape, or a filter without ``-l``, goes back to the whole list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.message import Message
from textual.worker import get_current_worker

from tui.actions import ACTIONS, ActionObject, Gateway, Outcome
from tui.adapters.kube_access import action_access
from tui.adapters.kube_cluster import KubeCluster
from tui.adapters.live import LiveFeed
from tui.help_screen import bound_actions
from tui.views.live_view import LiveView

SELECTOR_PREFIX = "-l"


def parse_selector(text: str) -> str | None:
    """The label selector in a filter text ("-l app=web" -> "app=web"), or None when it is a plain filter."""
    if text == SELECTOR_PREFIX or text.startswith(SELECTOR_PREFIX + " "):
        return text[len(SELECTOR_PREFIX) :].strip()
    return None


class KubeView(LiveView):
    """A LiveView of one Kubernetes kind in one namespace scope. Subclasses implement ``open_watch``."""

    BACKEND = "kube"

    class AccessKnown(Message):
        def __init__(self, denied: dict[str, str]) -> None:
            super().__init__()
            self.denied = denied

    def __init__(
        self, cluster: KubeCluster, gateway: Gateway, namespace: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(self._open_feed, gateway, **kwargs)
        self.cluster = cluster
        self.namespace = namespace  # None: the context's namespace, resolved in a thread
        self.selector = ""
        self.denied: dict[str, str] = {}  # action id -> why the API says no, for this view's namespace

    def open_watch(self, namespace: str, selector: str) -> LiveFeed[Any]:
        raise NotImplementedError

    def _open_feed(self) -> LiveFeed[Any]:
        return self.open_watch(self.scope, self.selector)

    @property
    def scope(self) -> str:
        """The namespace listed ("" for all namespaces). Reads the kubeconfig once: call it off the loop first."""
        return self.cluster.namespace if self.namespace is None else self.namespace

    def target(self) -> str:
        return f"kube {self.cluster.context}"

    def action_object(self, record: Any) -> ActionObject:
        return ActionObject(id=record.uid, name=record.name, namespace=record.namespace)

    def start(self) -> None:
        first = not self._started
        super().start()
        if first:  # with the feed: a hidden view asks nothing while the shown one paints its first rows
            self.check_access()

    # ---- RBAC: ask before offering

    @work(thread=True, exclusive=True, exit_on_error=False, group="access")
    def check_access(self) -> None:
        scope = self.scope
        denied = {}
        for action_id in bound_actions(self):
            if ACTIONS[action_id].mutates or action_id == "secret.reveal":
                access = action_access(self.cluster, action_id, scope)
                if not access.allowed:
                    denied[action_id] = access.reason
        if not get_current_worker().is_cancelled:
            self.post_message(self.AccessKnown(denied))

    @on(AccessKnown)
    def _access_known(self, message: AccessKnown) -> None:
        message.stop()
        self.denied = message.denied
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and parameters and parameters[0] in self.denied:
            return None  # shown disabled: the API said no
        return True

    async def permitted(self, action_id: str, records: list[Any]) -> bool:
        """Ask the API for every namespace of ``records``; say why not and return False when refused."""
        for namespace in sorted({getattr(r, "namespace", "") for r in records}):
            access = await asyncio.to_thread(action_access, self.cluster, action_id, namespace)
            if not access.allowed:
                self.notify(f"{ACTIONS[action_id].verb}: {access.reason}", severity="error")
                return False
        return True

    async def execute(
        self,
        action_id: str,
        records: list[Any],
        perform: Callable[[ActionObject], None],
        *,
        details: dict[str, str] | None = None,
        in_thread: bool = True,
        protected: bool = False,
    ) -> Outcome:
        if not await self.permitted(action_id, records):
            return Outcome.REFUSED
        return await super().execute(
            action_id, records, perform, details=details, in_thread=in_thread, protected=protected
        )

    # ---- label selector, sent to the server

    def apply_filter(self, text: str) -> None:
        if parse_selector(text) is not None:
            return  # applied on enter: a watch per key press would be wasteful
        if self.selector:
            self._use_selector("")
        super().apply_filter(text)

    def submit_filter(self, text: str) -> None:
        selector = parse_selector(text)
        if selector is not None and selector != self.selector:
            self.filter_text = ""
            self._use_selector(selector)

    def _use_selector(self, selector: str) -> None:
        self.selector = selector
        self.last_updated = None
        if self.feed is not None:
            self.feed.close()
        self._show_status(f"listing with selector {selector!r}…" if selector else "listing…")
        self.follow()  # exclusive: the old reader ends with its feed

    def summary(self) -> str:
        text = super().summary()
        return f"{text} · selector {self.selector}" if self.selector else text
