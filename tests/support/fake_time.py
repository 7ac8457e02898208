"""A clock for the HTTP client's pacing tests: it advances only when something sleeps on it."""

from __future__ import annotations


class FakeTime:
    """A monotonic clock that only moves when something sleeps on it, so pacing is checked without waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
