"""The portside application: the shell around the areas, the target bar and the mutation gateway."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.command import Provider
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.widget import AwaitMount, Widget
from textual.widgets import Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from themes import DEFAULT_THEME, THEMES
from tui.actions import ACTIONS, Confirm, ConfirmRequest, Gateway, destructive_ids
from tui.adapters.docker_engine import DockerEngine
from tui.adapters.errors import BackendError
from tui.adapters.kube_cluster import ALL_NAMESPACES, KubeCluster, list_contexts
from tui.adapters.models import EngineVersion
from tui.audit import AuditLog
from tui.config import Config, TargetPolicy
from tui.views.live_view import LiveView
from widgets.dialogs import ConfirmDialog
from widgets.key_bar import KeyBar
from widgets.prompt import PromptDialog
from widgets.resource_table import ResourceTable
from widgets.target_bar import TargetBar

WORKER_THREADS = 64
GC_LATEST = 5.0  # seconds after mount: the collector is back on even if no list has come
HIDDEN_AREAS_LATEST = 3.0  # seconds after mount: the hidden areas open even if the shown one never lists
MIN_WIDTH, MIN_HEIGHT = 80, 24  # RELIABILITY.md rule 12: usable from 80x24; below it, say so
AREAS = (
    ("images", "Images"),
    ("containers", "Containers"),
    ("compose", "Compose"),
    ("kube", "Kubernetes"),
    ("volumes", "Volumes"),
    ("networks", "Networks"),
)
FIRST_AREA = "containers"
PALETTE = ("AreaCommands", "ResourceCommands", "ActionCommands", "KubeCommands", "HelpCommands")  # tui.commands


def palette_provider(name: str) -> Callable[[], type[Provider]]:
    """A command-palette provider of tui.commands, imported when the palette first opens (not at start-up)."""

    def load() -> type[Provider]:
        from tui import commands

        provider: type[Provider] = getattr(commands, name)
        return provider

    return load


class PortsideApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "portside"
    COMMANDS = App.COMMANDS | {palette_provider(name) for name in PALETTE}
    BINDINGS = [
        *(
            Binding(str(n), f"area('{area}')", label, id=f"area.{area}", show=False)  # the tabs show the numbers
            for n, (area, label) in enumerate(AREAS, start=1)
        ),
        Binding("colon", "jump", "Go to", id="app.jump"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        docker: DockerEngine,
        kube: KubeCluster,
        audit: AuditLog,
        *,
        readonly: bool = False,
        config: Config | None = None,
    ):
        super().__init__()
        self.docker = docker
        self.kube = kube
        self.config = config or Config()
        self.readonly = readonly or self.config.readonly
        self.gateway = Gateway(
            audit, self.confirm, readonly=self.readonly, announce=self.notify, policy_for=self.config.policy_for
        )
        self._versions: dict[str, EngineVersion] = {}
        self._probed: set[str] = set()  # backends asked for their version since the app (or the context) began
        self._policies: dict[str, TargetPolicy] = {}  # by backend: what the target bar and the frame show
        self._hidden_opened = False
        for theme in THEMES:
            self.register_theme(theme)
        # Chosen before anything is styled: a theme set once mounted restyles every widget again (~0.2 s).
        # A name that is not a theme is reported by apply_config.
        self.theme = self.config.theme if self.config.theme in self.available_themes else DEFAULT_THEME

    def compose(self) -> ComposeResult:
        bar = TargetBar()
        bar.readonly = self.readonly
        yield bar
        with TabbedContent(initial=FIRST_AREA, id="areas"):
            for n, (area, label) in enumerate(AREAS, start=1):
                with TabPane(f"{n} {label}", id=area):
                    if area == FIRST_AREA:  # the others open later (open_area): start-up builds one area
                        yield self.new_view(area)
        yield KeyBar()
        yield Static(
            Text(f"portside needs at least {MIN_WIDTH}x{MIN_HEIGHT}: enlarge the terminal."), id="too-small"
        )

    def on_resize(self, event: events.Resize) -> None:
        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        self.screen.set_class(small, "-too-small")

    def on_load(self) -> None:
        # Thread workers run on the loop's default executor, which has min(32, cores + 4) threads: six on a
        # 2-core server. Every live table holds one for as long as it is mounted, so the default would starve
        # every later worker. Feeds block on I/O, not CPU: a larger pool costs nothing.
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=WORKER_THREADS))

    def on_mount(self) -> None:
        self.apply_config()  # each backend is probed for its version on the first word from its views
        self.area_table(FIRST_AREA).focus()
        self.set_timer(GC_LATEST, self.started)  # an engine that never answers must not keep it off
        self.set_timer(HIDDEN_AREAS_LATEST, self._open_hidden_areas)

    def started(self) -> None:
        """The first list is on screen (or GC_LATEST has passed): the garbage collector, off since start-up
        (``tui.cli``), goes back on, and what start-up built is frozen out of its walks. Once."""
        if not gc.isenabled():
            gc.freeze()
            gc.enable()

    def action_help(self) -> None:
        from tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    async def action_area(self, area: str) -> None:
        await self.open_area(area)  # mounted while hidden: then the tab and the focus move together, at once
        self.query_one("#areas", TabbedContent).active = area
        self.area_table(area).focus()

    def area_table(self, area: str) -> ResourceTable:
        view = self.query_one(f"#{area}-view")
        current = getattr(view, "current", view)  # the Kubernetes area shows one of its kinds' views
        table: ResourceTable = current.query_one(ResourceTable)
        return table

    # ---- areas open when first needed: start-up imports and builds only the one shown first

    def new_view(self, area: str) -> Widget:
        backend = self.kube if area == "kube" else self.docker
        return area_view_class(area)(backend, self.gateway, id=f"{area}-view")

    async def open_area(self, area: str) -> None:
        """Mount the area's view the first time it is needed; wait while it is mounting."""
        pane = self.query_one(f"TabPane#{area}", TabPane)
        if not pane.children:
            # The view's module is imported in a thread (the compose area brings docker-py: ~0.13 s), so that
            # keys typed meanwhile are handled.
            await asyncio.to_thread(area_view_class, area)
            if not self.is_running:  # quitting: a view mounted now would never be unmounted
                return
        if not pane.children:
            await pane.mount(self.new_view(area))
        elif not all(view.is_mounted for view in pane.children):  # being mounted by another caller
            await AwaitMount(pane, list(pane.children))

    @on(LiveView.Settled)
    def _open_hidden_areas(self) -> None:
        """The shown view's first list is on screen (or HIDDEN_AREAS_LATEST has passed): the other areas open
        and follow their feeds, in the background. Once."""
        if not self._hidden_opened:
            self._hidden_opened = True
            self.run_worker(self._open_all_areas(), group="areas", exit_on_error=False)

    async def _open_all_areas(self) -> None:
        for area, _ in AREAS:
            if not self.is_running:  # quitting: a view mounted or started now would never be unmounted
                return
            await self.open_area(area)  # one at a time: keys typed meanwhile are handled in between
        if self.is_running:
            for view in self.screen_stack[0].query(LiveView):
                view.start()

    # ---- the config file: theme, keys, warnings; per-target policies in the target bar and the frame

    def apply_config(self) -> None:
        config = self.config
        config.check(
            themes=self.available_themes,
            # Every view's module is imported to list them: only when there are keys to check.
            binding_ids=binding_ids() if config.keys else (),
            is_colour=is_colour,
            guarded=destructive_ids(),
        )
        self.theme = config.theme or DEFAULT_THEME
        if config.keys:
            self.set_keymap(config.keys)
        if config.warnings:
            # Kept on the config for the help screen; shown once here, long enough to read.
            self.notify("\n".join(config.warnings), title="Config", severity="warning", timeout=20)
        self._show_policy("docker", self.docker.endpoint)

    def _show_policy(self, backend: str, name: str) -> None:
        policy = self.config.policy_for(f"{backend} {name}")
        self._policies[backend] = policy
        badges = ("READ-ONLY",) * (policy.readonly and not self.readonly) + ("PROTECTED",) * policy.protected
        bar = self.query_one(TargetBar)
        if backend == "docker":
            bar.docker_badges, bar.docker_color = badges, policy.color or ""
        else:
            bar.kube_badges, bar.kube_color = badges, policy.color or ""
        self._show_frame()

    def _show_frame(self) -> None:
        """A border in the policy colour of the target the current area acts on (Kubernetes or Docker)."""
        areas = self.query_one("#areas", TabbedContent)
        policy = self._policies.get("kube" if areas.active == "kube" else "docker")
        color = policy.color if policy else None
        screen = self.query_one(TargetBar).screen
        screen.set_class(color is not None, "-policy-frame")
        # The one colour not from the theme: the user's own, validated by Config.check.
        screen.styles.border = ("heavy", Color.parse(color)) if color else None

    # ---- ":" jumps to an area or a Kubernetes kind by name, with completion

    @work(exit_on_error=False, group="jump")
    async def action_jump(self) -> None:
        names = jump_targets()
        try:
            contexts, _ = await asyncio.to_thread(list_contexts, self.kube.kubeconfig)
        except BackendError:
            contexts = []
        switches = [f"ctx {c.name}" for c in contexts] + ["ns all"]

        def problem(value: str) -> str | None:
            verb, _, rest = value.partition(" ")
            if verb in ("ctx", "ns"):
                return None if rest.strip() else f"{verb} needs a name"
            return None if value.lower() in names else f"no area or kind called {value!r}"

        answer = await self.push_screen_wait(
            PromptDialog(
                "Go to:",
                placeholder="containers, images, deploy, po, svc, no, ... or ctx NAME, ns NAME, ns all",
                suggestions=sorted(names) + switches,
                validate=problem,
            )
        )
        if not answer:
            return
        verb, _, rest = answer.partition(" ")
        if verb == "ctx":
            await self.switch_kube(context=rest.strip(), namespace=None)
            return
        if verb == "ns":
            name = rest.strip()
            await self.switch_kube(context=self.kube.context, namespace=ALL_NAMESPACES if name == "all" else name)
            return
        target = names[answer.lower()]
        if target in dict(AREAS):
            await self.action_area(target)
            return
        await self.show_kind(target)

    async def show_kind(self, kind: str) -> None:
        """The Kubernetes area, showing ``kind`` (any of its names)."""
        from tui.views.kube_area import KubeArea

        await self.action_area("kube")
        await self.query_one(KubeArea).show(kind)

    async def switch_kube(self, *, context: str | None, namespace: str | None) -> None:
        """Use another kube context or namespace: a new client, a new Kubernetes area; the kubeconfig is not
        written. A namespace the user may not list can still be typed; its views then say "forbidden"."""
        from tui.views.kube_area import KubeArea

        old = self.query(KubeArea)
        kind = old.first().kind if old else "pods"
        self.kube = KubeCluster(self.kube.kubeconfig, context, namespace)
        self._versions.pop("kube", None)
        self.query_one(TargetBar).kube = ("connecting…", "pending")
        self._policies.pop("kube", None)
        await old.remove()
        self.probe("kube")
        await self.action_area("kube")  # a new area, on the new client
        if kind != "pods":
            await self.query_one(KubeArea).show(kind)

    @on(TabbedContent.TabActivated, "#areas")
    async def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._show_frame()
        pane_id = event.pane.id
        if pane_id:
            await self.open_area(pane_id)  # a tab clicked before its area opened
            self.area_table(pane_id).focus()

    # ---- backend health in the target bar

    def probe(self, backend: str) -> None:
        self._probed.add(backend)
        self._probe(backend)

    @work(thread=True, exit_on_error=False, group="probe")
    def _probe(self, backend: str) -> None:
        client: DockerEngine | KubeCluster = self.docker if backend == "docker" else self.kube
        try:
            found: EngineVersion | None = client.version()
            error = ""
        except BackendError as failure:
            found, error = None, str(failure)
        # The kube context may come from the kubeconfig: read it here, off the event loop.
        name = client.endpoint if isinstance(client, DockerEngine) else client.context
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_backend, backend, client, found, error, name)

    def _show_backend(
        self,
        backend: str,
        client: DockerEngine | KubeCluster,
        found: EngineVersion | None,
        error: str,
        name: str | None = None,
    ) -> None:
        if client is not (self.docker if backend == "docker" else self.kube):
            return  # an answer about the context in use before a switch
        if name is not None:
            self._show_policy(backend, name)
        bar = self.query_one(TargetBar)
        if found is not None:
            self._versions[backend] = found
            value = (f"{found.endpoint} {found.version}", "ok")
        else:
            self._versions.pop(backend, None)
            endpoint = self.docker.endpoint if backend == "docker" else self.kube.context or "(no context)"
            value = (f"{endpoint} unreachable", "down")
        if backend == "docker":
            bar.docker = value
        else:
            bar.kube = value

    @on(LiveView.BackendHealth)
    def _backend_health(self, event: LiveView.BackendHealth) -> None:
        if event.ok:
            self.call_after_refresh(self.started)  # the list that brought it is painted first
        if (event.ok and event.backend not in self._versions) or event.backend not in self._probed:
            self.probe(event.backend)  # the first word from a backend: name it, with its policy and version
        elif not event.ok and event.backend in self._versions:
            self._show_backend(
                event.backend, self.docker if event.backend == "docker" else self.kube, None, event.detail
            )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Notifications carry external text (names, engine errors like "[::1]:80"): never parse it as markup.
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # ---- faults never exit the app

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            text = str(error) if isinstance(error, BackendError) else f"{type(error).__name__}: {error}"
            self.notify(text, title="Error", severity="error", timeout=8)

    def _fatal_error(self) -> None:
        # Textual's crash report prints local variables, which can hold secrets (RELIABILITY.md rule 8).
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    # ---- the gateway's confirmation dialog

    async def confirm(self, request: ConfirmRequest) -> bool:
        typed = request.typed_word if request.level is Confirm.TYPED else None
        names = [f"{o.namespace}/{o.name}" if o.namespace else o.name for o in request.objects]
        title = f"{request.spec.verb} {len(names)} {request.spec.kind}{'s' if len(names) > 1 else ''}?"
        if request.protected:
            title += " (protected target: type the name)"
        dialog = ConfirmDialog(title, request.target, names, request.cli, typed_word=typed)
        answer: bool = await self.push_screen_wait(dialog)
        return answer


def area_view_class(area: str) -> Callable[..., Widget]:
    """The class of an area's view, its module imported on first use. Each takes (backend, gateway, id=)."""
    if area == "containers":
        from tui.views.containers import ContainersView

        return ContainersView
    if area == "images":
        from tui.views.images import ImagesView

        return ImagesView
    if area == "compose":
        from tui.views.compose import ComposeView

        return ComposeView
    if area == "kube":
        from tui.views.kube_area import KubeArea

        return KubeArea
    if area == "volumes":
        from tui.views.volumes import VolumesView

        return VolumesView
    from tui.views.networks import NetworksView

    return NetworksView


def jump_targets() -> dict[str, str]:
    """Every name ":" accepts, to the area or Kubernetes kind it means."""
    from tui.adapters.kube_resources import KINDS

    names = {area: area for area, _ in AREAS} | {label.lower(): area for area, label in AREAS}
    for kind in KINDS.values():
        for name in (kind.name, kind.singular, *kind.short_names):
            names[name] = kind.name
    return names


def binding_ids() -> set[str]:
    """Every binding id a keymap may name: the registry's actions and the ids in any widget's BINDINGS."""
    for area, _ in AREAS:
        area_view_class(area)  # their modules define the widgets
    from tui import help_screen  # noqa: F401  (its screen's keys)

    found = set(ACTIONS)
    classes: list[type[DOMNode]] = [DOMNode]
    while classes:
        cls = classes.pop()
        classes += cls.__subclasses__()
        found |= {b.id for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id}
    return found


def is_colour(value: str) -> bool:
    try:
        Color.parse(value)
    except ColorParseError:
        return False
    return True


def make_app(
    docker: DockerEngine,
    kube: KubeCluster,
    audit: AuditLog | None = None,
    *,
    readonly: bool = False,
    config: Config | None = None,
) -> PortsideApp:
    """Build the app from its parts; tests and the screenshot script inject their own."""
    return PortsideApp(docker, kube, audit or AuditLog(), readonly=readonly, config=config)
