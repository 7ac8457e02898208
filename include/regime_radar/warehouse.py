"""The warehouse: raw / silver / gold / quarantine on one URL root (file:// or s3://).

Layout under the root:

    raw/<source>/<YYYY-MM-DD>/<batch_id>/<payload name>   bytes as received + <name>.meta.json sidecar
    silver/<dataset>/year=<YYYY>/part-0.parquet           canonical, validated rows
    gold/<dataset>/year=<YYYY>/part-0.parquet             derived rows (flags, regime state, tariff state)
    quarantine/<dataset>/<batch_id>/                      a refused batch + its validation result
    _quality/<dataset>/<batch_id>.json                    every validation result
    _staging/<layer>/<dataset>/<batch_id>/...             files being written; never read
    _locks/<dataset>.lock                                 held while a batch is merged and published
    inputs/                                               user-maintained files (events, consensus)

Local and S3 differ only in the base path and the fsspec filesystem behind it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import random
import socket
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from regime_radar import catalog
from regime_radar.config import Settings, normalise_warehouse_url, storage_options_for

if TYPE_CHECKING:
    import pyarrow as pa

    from regime_radar.sources.base import Payload, Window

log = logging.getLogger(__name__)

PART_FILE = "part-0.parquet"
ROW_GROUP_ROWS = 65_536
LOCK_TIMEOUT_S = 600.0  # how long a publish waits for an overlapping one to finish
LOCK_STALE_S = 900.0  # an S3 lock older than this belonged to a publisher that died (REGIME_RADAR_LOCK_STALE_S)


@dataclass(frozen=True)
class PublishResult:
    dataset: str
    rows_written: int  # rows of the batch that landed
    partitions: tuple[str, ...]  # partition keys rewritten, e.g. ("year=2025",)

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "rows_written": self.rows_written, "partitions": list(self.partitions)}


class Warehouse:
    """Reads and writes the warehouse under one URL root."""

    def __init__(self, url: str, storage_options: dict[str, Any] | None = None) -> None:
        import fsspec

        self.url = normalise_warehouse_url(url)
        self.storage_options = storage_options if storage_options is not None else storage_options_for(self.url)
        self.fs, self.root = fsspec.core.url_to_fs(self.url, **self.storage_options)
        self.root = self.root.rstrip("/")
        self.protocol = "s3" if self.url.startswith("s3://") else "file"
        if self.protocol == "file":
            self.fs.makedirs(self.root, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        return cls(settings.warehouse_url, settings.storage_options)

    # -- paths ---------------------------------------------------------------------------------

    def path(self, *parts: str) -> str:
        """A filesystem path (no protocol) under the root."""
        return posixpath.join(self.root, *parts)

    def uri(self, *parts: str) -> str:
        """A full URL under the root, for engines that take URLs (DuckDB, pyarrow)."""
        prefix = "s3://" if self.protocol == "s3" else "file://"
        return prefix + self.path(*parts)

    def dataset_path(self, name: str) -> str:
        dataset = catalog.get(name)
        return self.path(dataset.layer, dataset.name)

    # -- small files ---------------------------------------------------------------------------

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self._fresh(self.path(rel)))

    def write_bytes(self, rel: str, data: bytes) -> str:
        """Write a whole object atomically: readers see the old bytes or the new, never a part."""
        target = self.path(rel)
        self._atomic_write(target, data)
        return target

    def read_bytes(self, rel: str) -> bytes:
        with self.fs.open(self._fresh(self.path(rel)), "rb") as fh:
            return fh.read()

    def write_json(self, rel: str, obj: Any) -> str:
        return self.write_bytes(rel, json.dumps(obj, indent=2, sort_keys=True, default=str).encode())

    def read_json(self, rel: str) -> Any:
        return json.loads(self.read_bytes(rel))

    def list(self, rel: str) -> list[str]:
        """Paths relative to the root of every file under `rel` (empty if it does not exist)."""
        base = self._fresh(self.path(rel))
        if not self.fs.exists(base):
            return []
        prefix = self.root + "/"
        return sorted(p[len(prefix) :] if p.startswith(prefix) else p for p in self.fs.find(base))

    def _fresh(self, path: str) -> str:
        """Forget cached listings and ETags under `path`: another process may have published since."""
        if self.protocol == "s3":
            self.fs.invalidate_cache()  # whole cache: s3fs forgets a path and its parents, not children
        return path

    def _atomic_write(self, target: str, data: bytes) -> None:
        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        if self.protocol == "s3":
            # One PUT is atomic on S3: the object is either the old one or the complete new one.
            self.fs.pipe_file(target, data)
            return
        tmp = f"{target}.{uuid.uuid4().hex}.tmp"
        self.fs.pipe_file(tmp, data)
        self.fs.mv(tmp, target)  # os.rename on one filesystem: atomic

    # -- raw -----------------------------------------------------------------------------------

    def archive_raw(self, source: str, batch_id: str, payloads: Sequence[Payload]) -> list[str]:
        """Keep every payload exactly as received, each with a sidecar describing where it came from."""
        written = []
        for payload in payloads:
            day = payload.fetched_at.astimezone(UTC).date().isoformat()
            rel = posixpath.join("raw", source, day, batch_id, payload.name.lstrip("/"))
            sidecar = {
                "source": source,
                "name": payload.name,
                "url": payload.url,
                "status": payload.status,
                "content_type": payload.content_type,
                "fetched_at": payload.fetched_at.isoformat(),
                "sha256": hashlib.sha256(payload.body).hexdigest(),
                "bytes": len(payload.body),
                "batch_id": batch_id,
            }
            written.append(self.write_bytes(rel, payload.body))
            self.write_json(rel + ".meta.json", sidecar)
        return written

    # -- datasets ------------------------------------------------------------------------------

    def partition_files(self, name: str) -> list[str]:
        base = self._fresh(self.dataset_path(name))
        if not self.fs.exists(base):
            return []
        return sorted(p for p in self.fs.find(base) if p.endswith(".parquet"))

    def read(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        """Read a whole dataset as a canonical Arrow table (empty, with the schema, if absent)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = catalog.get(name).arrow_schema()
        tables = []
        for file in self.partition_files(name):
            with self.fs.open(file, "rb") as fh:
                tables.append(pq.read_table(fh, schema=schema))
        table = pa.concat_tables(tables) if tables else schema.empty_table()
        return table.select(list(columns)) if columns else table

    def publish(self, name: str, batch: pa.Table, window: Window | None, batch_id: str | None = None) -> PublishResult:
        """Merge a validated batch into its dataset, replacing exactly the rows the batch is responsible for.

        Rows replaced: those whose time column lies in `window` (and, for scoped datasets, whose scope
        value appears in the batch), plus any row sharing a primary key with the batch. Every affected
        partition is written to staging first, then each is swapped in with one atomic rename (local)
        or one PUT (S3), so a reader sees a partition either whole-old or whole-new. Rerunning the same
        batch gives the same files.
        """
        import pyarrow.compute as pc

        dataset = catalog.get(name)
        batch = catalog.conform(name, batch)
        batch_id = batch_id or new_batch_id()
        by_partition = _split_by_partition(dataset, batch)
        if window is not None:
            # Partitions the window touches must be rewritten even when the batch has no rows there.
            for key in _partition_keys_for_window(dataset, window):
                by_partition.setdefault(key, batch.slice(0, 0))
        scopes = None
        if dataset.scope_column and batch.num_rows:
            scopes = pc.unique(batch.column(dataset.scope_column))

        staging_root = self.path("_staging", dataset.layer, dataset.name)
        staged: list[tuple[str, str]] = []
        with self.lock(name):
            # Under the dataset's lock any staging left here belongs to a publisher that died mid-way.
            if self.fs.exists(staging_root):
                self.fs.rm(staging_root, recursive=True)
            try:
                for key, part in sorted(by_partition.items()):
                    final = self._partition_file(dataset, key)
                    merged = self._merge(dataset, final, part, window, scopes)
                    stage = posixpath.join(staging_root, batch_id, key or "all", PART_FILE)
                    self._write_parquet(stage, merged)
                    staged.append((stage, final))
                for stage, final in staged:
                    self._swap_in(stage, final)
            finally:
                if self.fs.exists(staging_root):
                    self.fs.rm(staging_root, recursive=True)
        log.info("published %s rows of %s into %d partition(s)", batch.num_rows, name, len(staged))
        return PublishResult(name, batch.num_rows, tuple(k for k, _ in sorted(by_partition.items())))

    @contextmanager
    def lock(self, name: str, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold the dataset's publish lock: overlapping runs merge one after the other, never over each other.

        Local: an flock, released by the OS if the holder dies. S3: an object created with a conditional
        PUT (If-None-Match), carrying an expiry after which a dead holder's lock is broken.
        """
        if self.protocol == "file":
            with self._local_lock(name, timeout):
                yield
        else:
            with self._s3_lock(name, timeout):
                yield

    @contextmanager
    def _local_lock(self, name: str, timeout: float) -> Iterator[None]:
        import fcntl

        path = self.path("_locks", f"{name}.lock")
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        deadline = time.monotonic() + timeout
        with open(path, "a+") as handle:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{name} is being published by another run; gave up after {timeout}s"
                        ) from None
                    time.sleep(0.05 + random.random() * 0.1)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def _s3_lock(self, name: str, timeout: float) -> Iterator[None]:
        path = self.path("_locks", f"{name}.lock")
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        deadline = time.monotonic() + timeout
        while True:
            stale_after = float(os.environ.get("REGIME_RADAR_LOCK_STALE_S", LOCK_STALE_S))
            body = json.dumps({"owner": owner, "expires": time.time() + stale_after}).encode()
            try:
                self.fs.pipe_file(path, body, IfNoneMatch="*")
                break
            except FileExistsError:
                holder = self._read_lock(path)
                if holder is not None and holder.get("expires", 0) < time.time():
                    log.warning("breaking the expired lock on %s held by %s", name, holder.get("owner"))
                    self.fs.rm(path)
                    continue
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"{name} is being published by {holder and holder.get('owner')}; gave up after {timeout}s"
                    ) from None
                time.sleep(0.1 + random.random() * 0.2)
        try:
            yield
        finally:
            holder = self._read_lock(path)
            if holder is not None and holder.get("owner") == owner:
                self.fs.rm(path)

    def _read_lock(self, path: str) -> dict[str, Any] | None:
        try:
            with self.fs.open(path, "rb") as fh:
                return json.loads(fh.read())
        except (FileNotFoundError, ValueError):
            return None

    def _partition_file(self, dataset: catalog.Dataset, key: str) -> str:
        parts = [dataset.layer, dataset.name] + ([key] if key else []) + [PART_FILE]
        return self.path(*parts)

    def _merge(
        self,
        dataset: catalog.Dataset,
        final: str,
        part: pa.Table,
        window: Window | None,
        scopes: pa.Array | None,
    ) -> pa.Table:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        if self.fs.exists(self._fresh(final)):
            with self.fs.open(final, "rb") as fh:
                existing = pq.read_table(fh, schema=dataset.arrow_schema())
            keep = pc.invert(_pk_mask(existing, part, dataset.primary_key))
            if window is not None:
                t = existing.column(dataset.time_column)
                in_window = pc.and_(
                    pc.greater_equal(t, pa.scalar(window.start, t.type)),
                    pc.less_equal(t, pa.scalar(window.end, t.type)),
                )
                if dataset.scope_column:
                    in_scope = (
                        pc.is_in(existing.column(dataset.scope_column), value_set=scopes)
                        if scopes is not None
                        else pa.array([False] * existing.num_rows, pa.bool_())
                    )
                    in_window = pc.and_(in_window, in_scope)
                keep = pc.and_(keep, pc.invert(in_window))
            merged = pa.concat_tables([existing.filter(keep), part])
        else:
            merged = part
        return merged.sort_by([(c, "ascending") for c in dataset.primary_key])

    def _write_parquet(self, target: str, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        self.fs.makedirs(posixpath.dirname(target), exist_ok=True)
        with self.fs.open(target, "wb") as fh:
            # Row groups of 64k rows let readers skip most of a year's file (one symbol's history).
            pq.write_table(table, fh, compression="zstd", row_group_size=ROW_GROUP_ROWS)

    def _swap_in(self, stage: str, final: str) -> None:
        self.fs.makedirs(posixpath.dirname(final), exist_ok=True)
        if self.protocol == "s3":
            self.fs.copy(stage, final)  # server-side copy: one atomic object replacement
        else:
            self.fs.mv(stage, final)

    # -- quarantine ----------------------------------------------------------------------------

    def quarantine(self, name: str, batch: pa.Table, batch_id: str, result: dict[str, Any]) -> str:
        """Keep a refused batch and the validation result that refused it."""
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        base = posixpath.join("quarantine", name, batch_id)
        buf = io.BytesIO()
        # A refused batch may break the schema's not-null promises; keep it as it came.
        relaxed = pa.schema([f.with_nullable(True) for f in batch.schema], metadata=batch.schema.metadata)
        pq.write_table(batch.cast(relaxed), buf)
        self.write_bytes(posixpath.join(base, "batch.parquet"), buf.getvalue())
        self.write_json(posixpath.join(base, "validation.json"), result)
        return self.uri(base)


def new_batch_id(prefix: str = "") -> str:
    """A sortable, unique id for one batch: UTC timestamp plus a random suffix."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return f"{prefix}{stamp}-{uuid.uuid4().hex[:8]}"


def _partition_key(dataset: catalog.Dataset, value: Any) -> str:
    if dataset.partition_by is None:
        return ""
    if dataset.partition_by == "year":
        return f"year={value.year:04d}"
    raise ValueError(f"unsupported partitioning {dataset.partition_by!r}")


def _split_by_partition(dataset: catalog.Dataset, table: pa.Table) -> dict[str, pa.Table]:
    import pyarrow as pa
    import pyarrow.compute as pc

    if dataset.partition_by is None:
        return {"": table}
    years = pc.year(table.column(dataset.time_column))
    out = {}
    for year in pc.unique(years).to_pylist():
        out[f"year={year:04d}"] = table.filter(pc.equal(years, pa.scalar(year, years.type)))
    return out


def _partition_keys_for_window(dataset: catalog.Dataset, window: Window) -> Iterable[str]:
    if dataset.partition_by is None:
        return [""]
    return [f"year={y:04d}" for y in range(window.start.year, window.end.year + 1)]


def _pk_mask(existing: pa.Table, batch: pa.Table, key: Sequence[str]) -> pa.Array:
    """True for rows of `existing` whose primary key also appears in `batch`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if batch.num_rows == 0 or existing.num_rows == 0:
        return pa.array([False] * existing.num_rows, pa.bool_())
    if len(key) == 1:
        return pc.is_in(existing.column(key[0]), value_set=batch.column(key[0]))
    marker = "__in_batch__"
    right = batch.select(list(key)).group_by(list(key)).aggregate([])
    right = right.append_column(marker, pa.array([True] * right.num_rows, pa.bool_()))
    left = existing.select(list(key)).append_column("__row__", pa.array(range(existing.num_rows), pa.int64()))
    joined = left.join(right, keys=list(key), join_type="left outer").sort_by("__row__")
    return pc.fill_null(joined.column(marker), False).combine_chunks()
