"""A local SMTP server that keeps every message it receives as an .eml file (for `make run` and tests).

    python -m regime_radar.alerts.catcher --dir var/mail --port 8025

Each message is saved as `<UTC timestamp>-<short hash of its Message-ID>.eml`, with the SMTP envelope
prepended as `X-Envelope-From` / `X-Envelope-To` headers, and written atomically (a reader never sees
half a message).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import socket
import threading
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller


class _Controller(Controller):
    """aiosmtpd's threaded controller, able to bind an ephemeral port (port=0)."""

    def _trigger_server(self) -> None:
        # The stock controller probes `self.port`, which is still 0 when the OS chose the port.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class _SaveHandler:
    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        self.catcher.save(envelope.mail_from, list(envelope.rcpt_tos), content)
        return "250 Message accepted for delivery"


class MailCatcher:
    """An aiosmtpd server in a background thread that saves each received message under `directory`."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.directory = Path(directory)
        self.host = host
        self._requested_port = port
        self._controller: _Controller | None = None
        self._lock = threading.Lock()
        self.saved: list[Path] = []

    @property
    def port(self) -> int:
        """The port the server listens on (the OS-chosen one when started with port=0)."""
        if self._controller is None:
            return self._requested_port
        return int(self._controller.port)

    def start(self) -> MailCatcher:
        """Bind and start serving; returns self."""
        if self._controller is not None:
            raise RuntimeError("MailCatcher is already running")
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._requested_port:
            # aiosmtpd reports a taken port only after its 5 s ready timeout; a probe fails at once.
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((self.host, self._requested_port))
        controller = _Controller(_SaveHandler(self), hostname=self.host, port=self._requested_port)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailCatcher:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def save(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> Path:
        """Write one received message as an .eml file, envelope first; return its path."""
        headers = BytesHeaderParser().parsebytes(content)
        key = (headers.get("Message-ID") or "").strip().encode() or content
        now = datetime.now(UTC)
        stem = f"{now:%Y%m%dT%H%M%S.%f}Z-{hashlib.sha256(key).hexdigest()[:12]}"
        envelope = f"X-Envelope-From: <{mail_from}>\r\nX-Envelope-To: {', '.join(rcpt_tos)}\r\n".encode()
        with self._lock:
            path = self.directory / f"{stem}.eml"
            counter = 1
            while path.exists():
                path = self.directory / f"{stem}-{counter}.eml"
                counter += 1
            tmp = self.directory / f".{path.name}.tmp"
            tmp.write_bytes(envelope + content)
            os.replace(tmp, path)
            self.saved.append(path)
        return path


def main(argv: list[str] | None = None) -> int:
    """Run the catcher in the foreground until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description="Local SMTP catcher: saves each message as an .eml file.")
    parser.add_argument("--dir", type=Path, default=Path("var/mail"), help="where to save .eml files")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with MailCatcher(args.dir, args.host, args.port) as catcher:
        print(f"SMTP catcher on {catcher.host}:{catcher.port}, saving messages to {args.dir.resolve()}", flush=True)
        while not stop.wait(1.0):
            pass
    print(f"SMTP catcher stopped; {len(catcher.saved)} message(s) saved", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
