"""Pytest helpers around the local SMTP catcher: a server fixture, the connection env var, reading .eml files."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest

from regime_radar.alerts.catcher import MailCatcher
from regime_radar.config import CONNECTION_IDS
from tests.support.connections import smtp_conn_json as _smtp_conn_json

SMTP_ENV = f"AIRFLOW_CONN_{CONNECTION_IDS['smtp'].upper()}"
FROM_EMAIL = "regime-radar@example.com"


def smtp_conn_json(port: int, host: str = "127.0.0.1", from_email: str = FROM_EMAIL) -> str:
    """The smtp connection (JSON form of AIRFLOW_CONN_*) for a plain, unauthenticated server on loopback."""
    return _smtp_conn_json(host, port, from_email, timeout=10, retry_limit=0)


def free_port() -> int:
    """A loopback port nothing listens on right now (bound once by the OS, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_messages(directory: Path) -> list[EmailMessage]:
    """Every .eml under `directory`, parsed with the modern e-mail API, in the order received."""
    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(Path(directory).glob("*.eml"))]


@pytest.fixture
def smtp_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, Path]]:
    """A MailCatcher on an ephemeral loopback port, with the project's smtp connection pointing at it."""
    directory = tmp_path / "mail"
    with MailCatcher(directory) as catcher:
        monkeypatch.setenv(SMTP_ENV, smtp_conn_json(catcher.port))
        yield catcher.port, directory
