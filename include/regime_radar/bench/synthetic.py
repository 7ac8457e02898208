"""A deterministic synthetic market: daily bars for thousands of symbols over decades, built with numpy.

Every symbol's series comes from its own seeded generator, so a symbol's bars are the same whatever
the universe size or batch size. The watched universe (QQQ, the AI-hardware basket…) comes first so
the flag rules find their symbols even in a tiny universe; the rest are `SYN0001`, `SYN0002`, …
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from regime_radar.sources.base import Payload

SEED = 20250127
END = date(2025, 2, 28)  # the last demo day: the scale history ends where the story does
INGESTED_AT = datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
SOURCE = "synthetic"
BATCH_SYMBOLS = 200
# The symbols the flag rules read, first: QQQ sets the market days, the basket gives the shock.
PRIORITY = ("QQQ", "NVDA", "SMH", "AVGO", "AMD", "SPY")
# Monthly macro series for the as-of query: (series_id, level, monthly noise, revisions after the first print).
MACRO_SERIES = (
    ("PAYEMS", 150_000.0, 150.0, 2),
    ("UNRATE", 4.5, 0.1, 1),
    ("JTSJOL", 7_000.0, 200.0, 1),
    ("ADPMNUSNERSA", 130_000.0, 120.0, 1),
    ("ISM_PMI", 52.0, 1.5, 0),
    ("ISM_NMI", 54.0, 1.5, 0),
    ("ICSA", 230_000.0, 8_000.0, 1),
    ("CPIAUCSL", 250.0, 0.4, 1),
)


def symbols(count: int) -> list[str]:
    """The first `count` symbols of the synthetic universe: the watched symbols, then SYN0001…"""
    from regime_radar import universe

    watched = list(dict.fromkeys([*PRIORITY, *universe.symbols()]))
    if count <= len(watched):
        return watched[:count]
    return watched + [f"SYN{i:04d}" for i in range(1, count - len(watched) + 1)]


def trading_days(years: int, end: date = END) -> np.ndarray:
    """NYSE trading days (datetime64[D]) of the `years` years ending on `end`."""
    import numpy as np

    from regime_radar.sources.market_calendar import nyse_holidays

    start = date(end.year - years, end.month, 1) + timedelta(days=end.day)
    holidays = sorted(d for year in range(start.year, end.year + 1) for d in nyse_holidays(year))
    days = np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)
    return days[np.is_busday(days, holidays=np.array(holidays, dtype="datetime64[D]"))]


def new_york_instants(days: np.ndarray, hour: int, minute: int = 0) -> np.ndarray:
    """A New York wall-clock time on each day, as datetime64[us] UTC (DST-aware)."""
    import numpy as np
    import pandas as pd

    local = pd.DatetimeIndex(days.astype("datetime64[ns]")) + pd.Timedelta(hours=hour, minutes=minute)
    utc = local.tz_localize("America/New_York").tz_convert("UTC").tz_localize(None)
    return np.asarray(utc.to_numpy(), dtype="datetime64[us]")


def bars(index: int, n_days: int) -> dict[str, np.ndarray]:
    """One symbol's open/high/low/close/adj_close/volume over `n_days` sessions (a seeded random walk)."""
    import numpy as np

    rng = np.random.default_rng([SEED, index])
    level = 20.0 + 480.0 * rng.random()
    vol = 0.01 + 0.025 * rng.random()
    log_ret = rng.normal(0.0003, vol, n_days)
    close = level * np.exp(np.cumsum(log_ret))
    gap = np.exp(rng.normal(0.0, vol / 3, n_days))
    open_ = np.concatenate(([close[0]], close[:-1])) * gap
    spread = np.abs(rng.normal(0.0, vol / 2, (2, n_days)))
    high = np.maximum(open_, close) * (1 + spread[0])
    low = np.minimum(open_, close) * (1 - spread[1])
    # Dividends: the adjusted close trails the close by a yield that accrues over the history.
    adjust = np.exp(-rng.uniform(0.0, 0.03) / 252 * np.arange(n_days - 1, -1, -1))
    volume = rng.lognormal(14.0, 1.0, n_days).astype("int64")
    return {
        "open": np.round(open_, 4),
        "high": np.round(high, 4),
        "low": np.round(low, 4),
        "close": np.round(close, 4),
        "adj_close": np.round(close * adjust, 4),
        "volume": volume,
    }


def price_batches(n_symbols: int, years: int, batch_symbols: int = BATCH_SYMBOLS) -> Iterator[pa.RecordBatch]:
    """The universe's bars as canonical prices_daily record batches, `batch_symbols` symbols at a time."""
    import numpy as np
    import pyarrow as pa

    from regime_radar import catalog

    schema = catalog.get("prices_daily").arrow_schema()
    names = symbols(n_symbols)
    days = trading_days(years)
    n = len(days)
    available = new_york_instants(days, 16)
    for first in range(0, len(names), batch_symbols):
        chunk = names[first : first + batch_symbols]
        series = [bars(first + k, n) for k in range(len(chunk))]
        rows = len(chunk) * n
        symbol = pa.DictionaryArray.from_arrays(
            pa.array(np.repeat(np.arange(len(chunk), dtype="int32"), n)), pa.array(chunk)
        ).cast(pa.string())
        columns = {
            "symbol": symbol,
            "date": pa.array(np.tile(days, len(chunk)), pa.date32()),
            **{key: pa.array(np.concatenate([s[key] for s in series])) for key in series[0]},
            "currency": pa.array(["USD"] * rows, pa.string()),
            "source": pa.array([SOURCE] * rows, pa.string()),
            "available_at": pa.array(np.tile(available, len(chunk)), pa.timestamp("us", tz="UTC")),
            "ingested_at": pa.array(np.full(rows, np.datetime64(INGESTED_AT.replace(tzinfo=None), "us"))).cast(
                pa.timestamp("us", tz="UTC")
            ),
        }
        yield pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)


def write_prices(path: Path, n_symbols: int, years: int) -> int:
    """Write the universe as one uncompressed Arrow IPC file (cheap to memory-map); return the row count."""
    import pyarrow as pa

    from regime_radar import catalog

    rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, catalog.get("prices_daily").arrow_schema()) as out:
        for batch in price_batches(n_symbols, years):
            out.write_batch(batch)
            rows += batch.num_rows
    return rows


def read_prices(path: Path) -> pa.Table:
    """The universe written by `write_prices`, memory-mapped."""
    import pyarrow as pa

    with pa.memory_map(str(path), "r") as source:
        return pa.ipc.open_file(source).read_all()


def yahoo_payloads(n_symbols: int, years: int) -> list[Payload]:
    """The first `n_symbols` symbols' bars as Yahoo chart API v8 JSON payloads (what the live feed receives)."""
    import json

    from regime_radar.sources.base import Payload

    days = trading_days(years)
    opens = new_york_instants(days, 9, 30).astype("datetime64[s]").astype("int64").tolist()
    payloads = []
    for index, symbol in enumerate(symbols(n_symbols)):
        series = {key: values.tolist() for key, values in bars(index, len(days)).items()}
        document = {
            "chart": {
                "result": [
                    {
                        "meta": {
                            "currency": "USD",
                            "symbol": symbol,
                            "exchangeTimezoneName": "America/New_York",
                            "gmtoffset": -18000,
                        },
                        "timestamp": opens,
                        "indicators": {
                            "quote": [{k: series[k] for k in ("open", "high", "low", "close", "volume")}],
                            "adjclose": [{"adjclose": series["adj_close"]}],
                        },
                    }
                ],
                "error": None,
            }
        }
        body = json.dumps(document, separators=(",", ":")).encode()
        url = f"https://query2.finance.yahoo.com/v8/finance/chart/{symbol}"
        payloads.append(Payload(name=f"{symbol}.json", body=body, url=url, meta={"symbol": symbol}))
    return payloads


def macro_observations(years: int) -> pa.Table:
    """Monthly macro series with first prints and revisions (vintages) over `years` years, canonical."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from regime_radar import catalog

    periods = pd.date_range(end=pd.Timestamp(END).replace(day=1), periods=12 * years, freq="MS")
    frames = []
    for index, (series_id, level, noise, revisions) in enumerate(MACRO_SERIES):
        rng = np.random.default_rng([SEED, 10_000 + index])
        values = level + np.cumsum(rng.normal(0.0, noise, len(periods)))
        for vintage in range(revisions + 1):
            # First print early in the next month, each revision a month later, at 08:30 New York.
            released = (periods + pd.offsets.MonthBegin(1 + vintage) + pd.Timedelta(days=4)).normalize()
            frames.append(
                pd.DataFrame(
                    {
                        "series_id": series_id,
                        "period": periods.date,
                        "value": values + (rng.normal(0.0, noise / 4, len(periods)) if vintage else 0.0),
                        "vintage_date": released.date,
                        "is_first_print": vintage == 0,
                        "source": SOURCE,
                        "available_at": new_york_instants(released.to_numpy().astype("datetime64[D]"), 8, 30),
                        "ingested_at": INGESTED_AT,
                    }
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["vintage_date"] <= END]
    frame["available_at"] = pd.to_datetime(frame["available_at"]).dt.tz_localize("UTC")
    return catalog.conform("macro_observations", pa.Table.from_pandas(frame, preserve_index=False))
