"""Compose engine, images: each service's image is found, built (``build:``) or pulled before anything else
is created, so a missing image leaves the engine as it was. Build and pull output comes as progress events."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import docker
import docker.errors

from tui.adapters.compose_records import ComposeProject, ComposeService
from tui.adapters.compose_status import Operation
from tui.adapters.docker_errors import translated_errors
from tui.adapters.docker_images import STREAM_TIMEOUT, ProgressStream
from tui.adapters.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from tui.adapters.docker_engine import DockerEngine


class ImagesStepMixin:
    """Mixed into ComposeEngine."""

    engine: DockerEngine

    def api(self) -> docker.APIClient:
        raise NotImplementedError

    def _prepare_images(
        self, project: ComposeProject, order: Sequence[str], build: bool, run: Operation
    ) -> dict[str, str]:
        """Service -> image id, building or pulling what is missing."""
        ids: dict[str, str] = {}
        for name in order:
            if run.cancelled:
                break
            service = project.service(name)
            image_id = self._image_id(service.image)
            if service.build is not None and (build or image_id is None or service.pull_policy == "build"):
                image_id = self._build(service, run)
            elif image_id is None or service.pull_policy == "always":
                if service.pull_policy == "never":
                    raise NotFound(f"service {name}: image {service.image} is not present (pull_policy: never)")
                image_id = self._pull(service, run)
            ids[name] = image_id or service.image
        return ids

    def _image_id(self, image: str) -> str | None:
        with translated_errors(f"image {image}"):
            try:
                return str(self.api().inspect_image(image)["Id"])
            except docker.errors.NotFound:
                return None

    def _stream(self, stream: ProgressStream, service: ComposeService, action: str, run: Operation) -> None:
        watcher = _Closer(stream, run.cancel)
        try:
            for step in stream:
                run.emit("image", service.image, action, step.line)
        finally:
            watcher.stop()

    def _build(self, service: ComposeService, run: Operation) -> str | None:
        spec = service.build
        assert spec is not None
        run.emit("image", service.image, "building", spec.context)
        simple = not (spec.target or spec.labels or spec.network or spec.cache_from or spec.extra_hosts)
        if simple and not (spec.no_cache or spec.pull or spec.shm_size):
            stream = self.engine.build_image(spec.context, spec.dockerfile, service.image, dict(spec.args) or None)
        else:
            stream = ProgressStream(
                f"build {service.image}",
                self._stream_client,
                lambda client: client.build(
                    path=spec.context,
                    dockerfile=spec.dockerfile,
                    tag=service.image,
                    buildargs=dict(spec.args) or None,
                    target=spec.target or None,
                    labels=dict(spec.labels) or None,
                    network_mode=spec.network or None,
                    cache_from=list(spec.cache_from) or None,
                    extra_hosts=dict(spec.extra_hosts) or None,
                    shmsize=spec.shm_size,
                    nocache=spec.no_cache,
                    pull=spec.pull,
                    rm=True,
                    forcerm=True,
                    decode=True,
                    timeout=STREAM_TIMEOUT,
                ),
                InvalidInput,
            )
        self._stream(stream, service, "building", run)
        if stream.cancelled:
            run.result.cancelled = True
            return None
        run.emit("image", service.image, "built")
        return self._image_id(service.image)

    def _stream_client(self) -> docker.APIClient:
        with translated_errors("connect"):
            return docker.APIClient(
                base_url=self.engine.endpoint, version=self.api().api_version, timeout=STREAM_TIMEOUT
            )

    def _pull(self, service: ComposeService, run: Operation) -> str | None:
        run.emit("image", service.image, "pulling")
        stream = self.engine.pull_image(service.image)
        self._stream(stream, service, "pulling", run)
        if stream.cancelled:
            run.result.cancelled = True
            return None
        run.emit("image", service.image, "pulled")
        return self._image_id(service.image)


class _Closer:
    """Closes a build/pull stream from a helper thread when the operation is cancelled."""

    def __init__(self, stream: ProgressStream, cancel: threading.Event | None) -> None:
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if cancel is not None:
            self._thread = threading.Thread(target=self._watch, args=(stream, cancel), daemon=True)
            self._thread.start()

    def _watch(self, stream: ProgressStream, cancel: threading.Event) -> None:
        while not self._done.is_set():
            if cancel.wait(0.2):
                stream.close()
                return

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
