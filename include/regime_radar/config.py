"""Every setting in one place: environment variables, Airflow connection ids and config files.

The environment (demo replay or live feeds, local folder or S3) is chosen here and nowhere
else. This module is imported by DAG files, so it must stay free of heavy imports.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
CONFIG_DIR = PACKAGE_DIR / "config"
DEMO_REPLAY_DIR = PACKAGE_DIR / "demo" / "replay"
# The project checkout (…/include/regime_radar → …); `var/` under it holds local state.
PROJECT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("REGIME_RADAR_VAR", PROJECT_DIR / "var"))

DEMO_START = "2024-12-02"
DEMO_END = "2025-02-28"

# Airflow connection ids the project uses. Deployment files must define every one of them.
CONNECTION_IDS: dict[str, str] = {
    "warehouse": "regime_radar_warehouse",  # conn_type aws; extra.endpoint_url for MinIO / moto
    "smtp": "regime_radar_smtp",  # conn_type smtp
    "fred": "regime_radar_fred",  # conn_type http; password = FRED API key
    "sec": "regime_radar_sec",  # conn_type http; extra.user_agent = "Name contact@example.com"
}

OWNER = "regime-radar"


@dataclass(frozen=True)
class Settings:
    """Resolved runtime settings for one process (a task, the CLI, a test)."""

    warehouse_url: str
    mode: str  # "replay" or "live"
    replay_dir: Path
    alert_recipients: tuple[str, ...]
    alert_sender: str
    ui_base_url: str
    storage_options: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def live(self) -> bool:
        return self.mode == "live"


def _default_warehouse_url() -> str:
    return (VAR_DIR / "warehouse").resolve().as_uri()


def normalise_warehouse_url(url: str) -> str:
    """Turn a bare local path into a file:// URL; keep s3:// and file:// URLs as they are."""
    if "://" in url:
        return url.rstrip("/")
    return Path(url).expanduser().resolve().as_uri()


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment, with explicit overrides winning."""
    env = os.environ
    warehouse_url = normalise_warehouse_url(
        overrides.pop("warehouse_url", None) or env.get("REGIME_RADAR_WAREHOUSE") or _default_warehouse_url()
    )
    mode = overrides.pop("mode", None) or env.get("REGIME_RADAR_MODE", "replay")
    if mode not in ("replay", "live"):
        raise ValueError(f"REGIME_RADAR_MODE must be 'replay' or 'live', not {mode!r}")
    replay_dir = Path(overrides.pop("replay_dir", None) or env.get("REGIME_RADAR_REPLAY_DIR") or DEMO_REPLAY_DIR)
    recipients = overrides.pop("alert_recipients", None) or tuple(
        r.strip() for r in env.get("REGIME_RADAR_ALERT_TO", "risk-desk@example.com").split(",") if r.strip()
    )
    settings = Settings(
        warehouse_url=warehouse_url,
        mode=mode,
        replay_dir=replay_dir,
        alert_recipients=tuple(recipients),
        alert_sender=overrides.pop("alert_sender", None)
        or env.get("REGIME_RADAR_ALERT_FROM", "regime-radar@example.com"),
        ui_base_url=overrides.pop("ui_base_url", None) or env.get("REGIME_RADAR_UI_URL", "http://localhost:8080"),
        storage_options=overrides.pop("storage_options", None) or storage_options_for(warehouse_url),
    )
    if overrides:
        raise TypeError(f"unknown settings: {sorted(overrides)}")
    return settings


def connection_extra(conn_id: str) -> dict[str, Any] | None:
    """Return a connection as a dict (login, password, host, port, extra) or None if undefined.

    Reads `AIRFLOW_CONN_<ID>` (JSON form) directly so the CLI works without a running Airflow;
    inside tasks Airflow's own lookup (secrets backends, metadata DB) is tried next.
    """
    raw = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if raw:
        if raw.lstrip().startswith("{"):
            data = json.loads(raw)
            extra = data.get("extra") or {}
            if isinstance(extra, str):
                extra = json.loads(extra) if extra else {}
            data["extra"] = extra
            return data
        return _connection_from_uri(raw)
    try:  # pragma: no cover - exercised only inside a deployment with a metadata DB
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
    except Exception:
        return None
    return {
        "conn_type": conn.conn_type,
        "host": conn.host,
        "port": conn.port,
        "login": conn.login,
        "password": conn.password,
        "extra": conn.extra_dejson,
    }


def _connection_from_uri(uri: str) -> dict[str, Any]:
    from urllib.parse import parse_qsl, unquote, urlsplit

    parts = urlsplit(uri)
    return {
        "conn_type": parts.scheme.replace("-", "_"),
        "host": parts.hostname,
        "port": parts.port,
        "login": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "extra": dict(parse_qsl(parts.query)),
    }


def local_smtp_connection(port: int, host: str = "127.0.0.1") -> str:
    """The smtp connection (Airflow's JSON form) for a plain SMTP server without TLS, e.g. the local catcher."""
    return json.dumps(
        {
            "conn_type": "smtp",
            "host": host,
            "port": port,
            "extra": {"disable_tls": True, "disable_ssl": True, "from_email": "regime-radar@example.com"},
        }
    )


def storage_options_for(url: str) -> dict[str, Any]:
    """fsspec/s3fs options for the warehouse URL: from the `aws` connection, else the AWS env vars."""
    if not url.startswith("s3://"):
        return {}
    conn = connection_extra(CONNECTION_IDS["warehouse"]) or {}
    extra = conn.get("extra") or {}
    key = conn.get("login") or extra.get("aws_access_key_id") or os.environ.get("AWS_ACCESS_KEY_ID")
    secret = conn.get("password") or extra.get("aws_secret_access_key") or os.environ.get("AWS_SECRET_ACCESS_KEY")
    endpoint = extra.get("endpoint_url") or os.environ.get("AWS_ENDPOINT_URL")
    region = extra.get("region_name") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    options: dict[str, Any] = {"client_kwargs": {"region_name": region}}
    if key and secret:
        options.update(key=key, secret=secret)
    if endpoint:
        options["endpoint_url"] = endpoint
    return options


def config_path(name: str) -> Path:
    """Where a config file is read from: `REGIME_RADAR_CONFIG_DIR` if it has the file, else the package's copy.

    A deployment (or a user bringing their own universe) overrides a file by putting an edited copy in
    that folder; files it does not override keep the versioned defaults.
    """
    override = os.environ.get("REGIME_RADAR_CONFIG_DIR")
    if override and (Path(override) / name).exists():
        return Path(override) / name
    path = CONFIG_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"config file {path} is missing")
    return path


def load_yaml(name: str) -> Any:
    """Load a versioned config file (see config_path), parsed once per process per file."""
    return _load_yaml(config_path(name))


@cache
def _load_yaml(path: Path) -> Any:
    import yaml

    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)
