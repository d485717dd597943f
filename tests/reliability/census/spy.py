"""A transport-level spy: every HTTP request urllib3 sends (docker-py and the kubernetes client both go through
``HTTPConnectionPool.urlopen``) and every process spawned, recorded in-process.

Reads pass through. A mutating request or an engine command-line spawn is recorded and then refused (an
exception, as a dropped connection would raise): the census must count a leak, not let it delete other
people's objects on the shared sandbox engine.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import urllib3.exceptions
from urllib3.connectionpool import HTTPConnectionPool

MUTATING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Paths that act even over GET (a websocket upgrade for kubectl exec/attach/port-forward) or copy files.
MUTATING_PATH = re.compile(r"/(exec|attach|portforward|archive|proxy)(/|$)")
ENGINE_CLIS = {"docker", "kubectl", "docker-compose"}
# POSTs that only ask a question and create nothing: "may I?" (the app greys out what RBAC forbids).
QUESTIONS = re.compile(r"^/apis/authorization\.k8s\.io/v1/(selfsubjectaccessreviews|selfsubjectrulesreviews)$")


@dataclass
class TransportSpy:
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    leaked: list[tuple[str, str]] = field(default_factory=list)
    spawns: list[list[str]] = field(default_factory=list)
    leaked_spawns: list[list[str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def mutates(method: str, path: str) -> bool:
        bare = path.split("?")[0]
        if method.upper() == "POST" and QUESTIONS.match(bare):
            return False
        return method.upper() in MUTATING_METHODS or bool(MUTATING_PATH.search(bare))

    def saw_request(self, method: str, url: str) -> bool:
        path = re.sub(r"^https?://[^/]+", "", url)
        with self._lock:
            self.requests.append((method, path))
            if self.mutates(method, path):
                self.leaked.append((method, path))
                return True
        return False

    def saw_spawn(self, argv: Any) -> bool:
        args = [str(a) for a in argv] if isinstance(argv, list | tuple) else [str(argv)]
        with self._lock:
            self.spawns.append(args)
            if os.path.basename(args[0].split()[0]) in ENGINE_CLIS:
                self.leaked_spawns.append(args)
                return True
        return False

    @contextmanager
    def installed(self) -> Iterator[TransportSpy]:
        spy = self
        real_urlopen = HTTPConnectionPool.urlopen

        def urlopen(pool: HTTPConnectionPool, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if spy.saw_request(method, url):
                raise urllib3.exceptions.ProtocolError(f"census: {method} {url} refused by the spy")
            return real_urlopen(pool, method, url, *args, **kwargs)

        real_popen_init = subprocess.Popen.__init__

        def popen_init(popen: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
            if spy.saw_spawn(args):
                raise PermissionError(f"census: spawning {args!r} refused by the spy")
            real_popen_init(popen, args, *rest, **kwargs)

        def refuse_spawn(name: str, real: Any) -> Any:
            def spawn(*args: Any, **kwargs: Any) -> Any:
                argv = args[1] if len(args) > 1 and isinstance(args[1], list | tuple) else args
                if spy.saw_spawn(argv if name != "system" else str(args[0]).split()):
                    raise PermissionError(f"census: os.{name}{args!r} refused by the spy")
                return real(*args, **kwargs)

            return spawn

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(HTTPConnectionPool, "urlopen", urlopen)
            patch.setattr(subprocess.Popen, "__init__", popen_init)
            for name in (
                "system",
                "execv",
                "execve",
                "execvp",
                "execvpe",
                "posix_spawn",
                "posix_spawnp",
                "spawnv",
            ):
                if hasattr(os, name):
                    patch.setattr(os, name, refuse_spawn(name, getattr(os, name)))
            yield self
