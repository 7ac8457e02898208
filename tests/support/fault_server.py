"""A threaded HTTP server on loopback that answers scripted, misbehaving responses for tests."""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from requests.structures import CaseInsensitiveDict

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Please verify you are a human</title></head>"
    b"<body><h1>Access denied</h1><p>Enable JavaScript and cookies to continue.</p></body></html>\n"
)
_CHUNK = 64 * 1024
_SHUTDOWN_TIMEOUT = 5.0


@dataclass(frozen=True)
class Fault:
    """One scripted answer: a normal response or a way of misbehaving."""

    kind: str
    code: int = 200  # the HTTP status to answer with
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    then: Fault | None = None
    declared_length: int | None = None
    n_bytes: int = 0

    @classmethod
    def ok(
        cls,
        body: bytes,
        content_type: str = "application/octet-stream",
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer 200 with `body`."""
        return cls("respond", 200, body, (("Content-Type", content_type), *(headers or {}).items()))

    @classmethod
    def status(
        cls,
        code: int,
        body: bytes = b"",
        retry_after: float | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fault:
        """Answer `code`, optionally with a Retry-After header (seconds or an HTTP-date)."""
        extra = [("Content-Type", "text/plain; charset=utf-8")]
        if retry_after is not None:
            value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
            extra.append(("Retry-After", value))
        extra.extend((headers or {}).items())
        return cls("respond", code, body, tuple(extra))

    @classmethod
    def reset(cls) -> Fault:
        """Close the connection with a TCP reset instead of answering."""
        return cls("reset")

    @classmethod
    def delay(cls, seconds: float, then: Fault | None = None) -> Fault:
        """Wait `seconds` before answering with `then` (an empty 200 by default)."""
        return cls("delay", seconds=seconds, then=then or cls.ok(b""))

    @classmethod
    def truncated(cls, body: bytes, declared_length: int) -> Fault:
        """Declare a Content-Length larger than the body actually sent, then close."""
        if declared_length <= len(body):
            raise ValueError("declared_length must exceed the body length for a truncated response")
        return cls("truncated", 200, body, (("Content-Type", "application/json"),), declared_length=declared_length)

    @classmethod
    def oversized(cls, n_bytes: int, declare_length: bool = False) -> Fault:
        """Stream `n_bytes` of filler, chunked unless `declare_length` sends a Content-Length up front."""
        return cls("oversized", n_bytes=n_bytes, declared_length=n_bytes if declare_length else None)

    @classmethod
    def html(cls, status: int = 200) -> Fault:
        """Answer an HTML page (a bot wall, an error page) where data was expected."""
        return cls("respond", status, HTML_PAGE, (("Content-Type", "text/html; charset=utf-8"),))

    @classmethod
    def set_cookie(
        cls, name: str, value: str, body: bytes = b"", content_type: str = "text/plain; charset=utf-8"
    ) -> Fault:
        """Answer 200 with `body` and a Set-Cookie header for `name=value`."""
        headers = (("Content-Type", content_type), ("Set-Cookie", f"{name}={value}; Path=/"))
        return cls("respond", 200, body, headers)


@dataclass(frozen=True)
class RecordedRequest:
    """What the server received: one entry per request, in arrival order."""

    method: str
    path: str
    query: dict[str, str]  # last value of each parameter
    headers: CaseInsensitiveDict[str]
    time: float  # time.monotonic() at arrival
    query_lists: dict[str, list[str]] = field(default_factory=dict)  # every value of each parameter
    raw_query: str = ""
    body: bytes = b""


class _Script:
    """A path's list of faults, consumed in order; the last one repeats."""

    def __init__(self, faults: Sequence[Fault]) -> None:
        if not faults:
            raise ValueError("a script needs at least one Fault")
        self._faults = list(faults)
        self._next = 0

    def take(self) -> Fault:
        fault = self._faults[min(self._next, len(self._faults) - 1)]
        self._next += 1
        return fault


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FaultServer
    reset_on_close: set[socket.socket]

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        if request in self.reset_on_close:
            self.reset_on_close.discard(request)
            # Linger 0 and no FIN first: the peer sees ECONNRESET, not an orderly close.
            request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_request(request)
            return
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-conversation are what this server is for; anything else is a bug.
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection frees its thread after this long
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def _handle(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        lists = parse_qs(parts.query, keep_blank_values=True)
        owner._record(
            RecordedRequest(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in lists.items()},
                headers=CaseInsensitiveDict(self.headers.items()),
                time=time.monotonic(),
                query_lists=lists,
                raw_query=parts.query,
                body=body,
            )
        )
        try:
            self._perform(owner._fault_for(parts.path), owner._stopping)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True  # the client gave up (e.g. it refused an oversized body)

    def _perform(self, fault: Fault, stopping: threading.Event) -> None:
        if fault.kind == "delay":
            if stopping.wait(fault.seconds):
                self.close_connection = True
                return
            assert fault.then is not None
            self._perform(fault.then, stopping)
        elif fault.kind == "respond":
            self._send_head(fault.code, fault.headers, len(fault.body))
            if self.command != "HEAD":
                self.wfile.write(fault.body)
        elif fault.kind == "reset":
            self.close_connection = True
            self.server.reset_on_close.add(self.connection)
        elif fault.kind == "truncated":
            self._send_head(fault.code, fault.headers, fault.declared_length)
            self.wfile.write(fault.body)
            self.wfile.flush()
            self.close_connection = True
        elif fault.kind == "oversized":
            self._stream_filler(fault.n_bytes, fault.declared_length is not None, stopping)
        else:
            raise ValueError(f"unknown fault kind {fault.kind!r}")

    def _send_head(self, status: int, headers: Sequence[tuple[str, str]], length: int | None) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _stream_filler(self, n_bytes: int, declare_length: bool, stopping: threading.Event) -> None:
        headers = [("Content-Type", "application/octet-stream")]
        if not declare_length:
            headers.append(("Transfer-Encoding", "chunked"))
        self._send_head(200, headers, n_bytes if declare_length else None)
        remaining = n_bytes
        while remaining > 0 and not stopping.is_set():
            chunk = b"x" * min(_CHUNK, remaining)
            self.wfile.write(chunk if declare_length else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            remaining -= len(chunk)
        if not declare_length:
            self.wfile.write(b"0\r\n\r\n")


class FaultServer:
    """A loopback HTTP server whose paths answer scripted faults; use it as a context manager."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, _Script] = {}
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FaultServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Bind an ephemeral port on 127.0.0.1 and serve in a background thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        server.reset_on_close = set()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-server", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, cut open connections and free the port, within a few seconds at most."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(_SHUTDOWN_TIMEOUT)
        self._server = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FaultServer is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The full URL of `path` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def script(self, path: str, faults: Sequence[Fault]) -> None:
        """Answer successive requests to `path` with `faults` in order, then keep repeating the last."""
        with self._lock:
            self._scripts[path] = _Script(faults)

    def route(self, path: str, fault: Fault) -> None:
        """Answer every request to `path` with `fault`."""
        self.script(path, [fault])

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The requests received for one path."""
        return [r for r in self.requests if r.path == path]

    def _fault_for(self, path: str) -> Fault:
        with self._lock:
            script = self._scripts.get(path)
            if script is None:
                return Fault.status(404, b"not found: " + path.encode())
            return script.take()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _track(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.add(conn)

    def _untrack(self, conn: socket.socket) -> None:
        with self._lock:
            self._connections.discard(conn)
