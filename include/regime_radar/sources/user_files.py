"""User-maintained input files kept in the warehouse (`inputs/`), seeded from the package on first use."""

from __future__ import annotations

import posixpath
from pathlib import Path

from regime_radar.config import Settings
from regime_radar.sources.base import Payload


def fetch_user_file(settings: Settings, rel_path: str, seed: Path, name: str) -> Payload:
    """Read `<warehouse>/<rel_path>` as a payload, first copying `seed` there if the file does not exist yet.

    The user edits the warehouse copy; the same read serves replay and live mode alike.
    """
    import fsspec

    url = f"{settings.warehouse_url.rstrip('/')}/{rel_path}"
    fs, path = fsspec.core.url_to_fs(url, **settings.storage_options)
    if not fs.exists(path):
        fs.makedirs(posixpath.dirname(path), exist_ok=True)
        fs.pipe_file(path, seed.read_bytes())
    return Payload(name=name, body=fs.cat_file(path), url=url, content_type="text/csv")
