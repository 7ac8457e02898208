"""The Source protocol every feed implements, and the types that cross its boundary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import pyarrow as pa

    from regime_radar.config import Settings
    from regime_radar.sources.http import HttpClient


@dataclass(frozen=True)
class Window:
    """An inclusive range of calendar dates a run is responsible for."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window end {self.end} is before its start {self.start}")

    @classmethod
    def parse(cls, start: str | date, end: str | date) -> Window:
        return cls(_as_date(start), _as_date(end))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _as_date(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class Payload:
    """One body exactly as received from a feed (or from a replay recording)."""

    name: str  # stable relative name within the source, e.g. "chart/NVDA.json"
    body: bytes
    url: str  # secrets already removed
    status: int = 200
    content_type: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    meta: dict[str, Any] = field(default_factory=dict)  # request context a parser may need


class SourceError(RuntimeError):
    """A feed answered with something we cannot use; the message says what and where."""


@runtime_checkable
class Source(Protocol):
    """A feed: `fetch` does I/O only, `parse` is pure and shared by live and replay payloads."""

    name: str
    datasets: tuple[str, ...]

    def fetch(self, window: Window, http: HttpClient, settings: Settings) -> list[Payload]:
        """Download the raw payloads covering `window` from the live endpoint."""
        ...

    def parse(self, payloads: Sequence[Payload]) -> dict[str, pa.Table]:
        """Turn payloads into canonical tables keyed by dataset name (see catalog.conform)."""
        ...
