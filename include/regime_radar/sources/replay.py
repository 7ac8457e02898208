"""Replay: recorded native payloads read from a directory instead of the network.

Layout: `<replay_dir>/<source name>/<any relative path>`; every file except README.md is one
payload, named by its path relative to the source's folder. See demo/README.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from regime_radar.sources.base import Payload, SourceError

_CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml", ".csv": "text/csv", ".txt": "text/plain"}


def load(replay_dir: Path, source: str) -> list[Payload]:
    """Every recorded payload of one source, in a stable order."""
    folder = Path(replay_dir) / source
    if not folder.is_dir():
        raise SourceError(f"replay directory {folder} does not exist (expected recordings for source {source!r})")
    fetched_at = datetime.now(UTC)
    payloads = [
        Payload(
            name=path.relative_to(folder).as_posix(),
            body=path.read_bytes(),
            url=f"replay://{source}/{path.relative_to(folder).as_posix()}",
            content_type=_CONTENT_TYPES.get(path.suffix),
            fetched_at=fetched_at,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != "README.md"
    ]
    if not payloads:
        raise SourceError(f"replay directory {folder} holds no payloads")
    return payloads
