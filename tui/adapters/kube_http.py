"""HTTP to one API server: a urllib3 pool with the context's TLS trust and credentials (``kube_config``).

Credentials an exec plugin gave are used until they expire (or a 401 says they no longer work), then the
plugin runs again; a client certificate is loaded into the SSL context from a private temporary file that is
removed at once. No urllib3 retries: they made every timeout four times the one asked for; feeds back off
by themselves.
"""

from __future__ import annotations

import json
import os
import ssl
import tempfile
import threading
import warnings
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tui import __version__
from tui.adapters.errors import InvalidInput
from tui.adapters.kube_config import Credentials, KubeTarget

if TYPE_CHECKING:
    import urllib3

POOL_SIZE = 32  # connections per server: one per open watch
EXPIRY_MARGIN = timedelta(seconds=10)  # exec credentials are renewed this long before they expire


class KubeConnection:
    """Requests to the server of one KubeTarget; thread-safe (workers call it at once)."""

    def __init__(self, target: KubeTarget) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._pool: urllib3.PoolManager | None = None
        self._pool_cert: bytes | None = None  # the client certificate the pool's SSL context holds
        self._credentials: Credentials | None = None

    def send(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: Any = None,
        *,
        content_type: str = "application/json",
        timeout: tuple[float, float | None] = (5, 30),
    ) -> urllib3.BaseHTTPResponse:
        """The response, its body not read (stream it, or ``read()`` it); any status. Raises urllib3's and
        the OS's errors as they are, and BackendError for credentials that cannot be had."""
        import urllib3  # ~50 ms: imported by the first request, not at start-up

        pool, headers = self._ready()
        url = self.target.server + path + (f"?{urlencode(query)}" if query else "")
        if body is not None:
            headers["Content-Type"] = content_type
            if isinstance(body, str):
                body = body.encode()
            elif not isinstance(body, bytes):
                body = json.dumps(body).encode()
        response = pool.request(
            method,
            url,
            body=body,
            headers=headers,
            preload_content=False,
            timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]),
            retries=False,
        )
        if response.status == 401 and self.target.user.get("exec"):
            with self._lock:  # the plugin's credentials were revoked early: ask it again next time
                self._credentials = None
        return response

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.clear()
            self._pool = self._pool_cert = None
            self._credentials = None

    def _ready(self) -> tuple[urllib3.PoolManager, dict[str, str]]:
        import urllib3

        with self._lock:
            credentials = self._credentials
            if credentials is None or (
                credentials.expires is not None and datetime.now(UTC) >= credentials.expires - EXPIRY_MARGIN
            ):
                fresh = self.target.credentials()
                if self._pool is None or fresh.cert_pem != self._pool_cert:  # a new token needs no new pool
                    if self._pool is not None:
                        self._pool.clear()
                    self._pool, self._pool_cert = self._make_pool(fresh), fresh.cert_pem
                self._credentials = credentials = fresh
            assert self._pool is not None
            pool = self._pool
        headers = {"Accept": "application/json", "User-Agent": f"portside/{__version__}"}
        if credentials.token:
            headers["Authorization"] = f"Bearer {credentials.token}"
        elif credentials.basic:
            headers.update(urllib3.make_headers(basic_auth=":".join(credentials.basic)))
        return pool, headers

    def _make_pool(self, credentials: Credentials) -> urllib3.PoolManager:
        import urllib3

        target = self.target
        options: dict[str, Any] = {"num_pools": 2, "maxsize": POOL_SIZE, "block": False}
        if target.server.startswith("https://"):
            try:
                context = ssl.create_default_context(cadata=target.ca_pem)
                if credentials.cert_pem and credentials.key_pem:
                    _load_client_certificate(context, credentials.cert_pem, credentials.key_pem)
            except ssl.SSLError as error:
                raise InvalidInput(f"kubeconfig: context {target.context}: {error.reason or error}") from None
            if target.insecure:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                options["assert_hostname"] = False
                # The user chose it in the kubeconfig; a warning printed to the terminal would tear the screen.
                warnings.filterwarnings("ignore", category=urllib3.exceptions.InsecureRequestWarning)
            options["ssl_context"] = context
            if target.tls_server_name:
                options["server_hostname"] = target.tls_server_name
        if target.proxy_url:
            return urllib3.ProxyManager(target.proxy_url, **options)
        return urllib3.PoolManager(**options)


def _load_client_certificate(context: ssl.SSLContext, cert: bytes, key: bytes) -> None:
    """The ssl module loads a certificate chain from files only: a private directory, removed at once."""
    with tempfile.TemporaryDirectory(prefix="portside-") as private:  # mode 0700
        paths = []
        for name, data in (("cert.pem", cert), ("key.pem", key)):
            path = os.path.join(private, name)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            paths.append(path)
        context.load_cert_chain(paths[0], paths[1])
