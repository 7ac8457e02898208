"""The "Risk flags" page on the Airflow api-server, served under /regime-radar.

It shows the current state of each regime, a timeline of flag levels under a price chart of the
AI basket and the broad market, each flag's drivers and evidence, and the data-quality status of
every dataset with its Data Docs (served from the warehouse, so they work on S3 too).

Every route requires a signed-in Airflow user (Airflow's `get_user`: `Authorization: Bearer <jwt>`
or the UI's `_token` cookie). Every Airflow component loads plugins, so this module imports only
`AirflowPlugin`: the FastAPI app, Airflow's auth helpers and the data stack load on the first request.
FastAPI reads the route handlers' annotations at runtime (to inject the `Request`), so this module
does not postpone annotations; the names imported only for type checking are quoted.
"""

import html
import json
import math
import posixpath
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.plugins_manager import AirflowPlugin

if TYPE_CHECKING:
    import duckdb
    from fastapi import FastAPI

    from regime_radar.warehouse import Warehouse

URL_PREFIX = "/regime-radar"
UI_DIR = Path(__file__).resolve().parent / "regime_radar_ui"
DOCS_DIR = "_quality/data_docs"
LEVELS = ("green", "amber", "red")
LEVEL_COLOURS = {"green": "#2b8a3e", "amber": "#e67700", "red": "#c92a2a"}
LEVEL_TINTS = {"amber": "#fff3bf", "red": "#ffe3e3"}
NO_DATA_COLOUR = "#dee2e6"
REGIME_ORDER = ("composite", "ai_capex", "tariff", "macro")
REGIME_TITLES = {"composite": "Composite", "ai_capex": "AI capex", "tariff": "Tariffs", "macro": "Macro"}
DEFAULT_DAYS = 90


class AppOnFirstRequest:
    """An ASGI app that builds the real app on its first request (keeps plugin loading cheap)."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable) -> None:
        if self._app is None:
            self._app = self._factory()
        await self._app(scope, receive, send)


def create_app() -> "FastAPI":
    """The FastAPI app behind /regime-radar: the page, the Data Docs and the nav icon, all signed-in only."""
    from airflow.api_fastapi.core_api.security import get_user
    from fastapi import Depends, FastAPI, HTTPException, Query, Request
    from fastapi.exception_handlers import http_exception_handler
    from fastapi.responses import HTMLResponse, Response
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app = FastAPI(
        title="Regime Radar",
        dependencies=[Depends(get_user)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    @app.exception_handler(StarletteHTTPException)
    async def sign_in_hint(request: Request, exc: StarletteHTTPException) -> Response:
        """Refuse as Airflow does (401/403), but give a browser a link to the sign-in page."""
        if exc.status_code in (401, 403) and "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(_sign_in_page(request, exc.status_code), status_code=exc.status_code)
        return await http_exception_handler(request, exc)

    @app.get("/", response_class=HTMLResponse)
    def risk_flags_page(
        request: Request,
        day: str | None = Query(None, alias="date", description="the as-of day, YYYY-MM-DD (default: the latest)"),
        days: int = Query(DEFAULT_DAYS, ge=5, le=1100, description="calendar days of history in the chart"),
    ) -> HTMLResponse:
        asof = None
        if day:
            try:
                asof = date.fromisoformat(day)
            except ValueError:
                raise HTTPException(400, f"date must be YYYY-MM-DD, not {day!r}") from None
        base = request.scope.get("root_path", URL_PREFIX).rstrip("/")
        warehouse_url = ""
        try:
            warehouse = _warehouse()
            warehouse_url = warehouse.url
            page = load_page(warehouse, asof, days, base)
            error = None
        except Exception as exc:  # the page says what went wrong instead of a bare 500
            page, error = PageData(warehouse_url=warehouse_url), f"{type(exc).__name__}: {exc}"
        body = _render("page.html", page=page, error=error, base=base, days=days, chart=_chart_markup(page))
        return HTMLResponse(body, status_code=500 if error else 200)

    @app.get("/data-docs/")
    @app.get("/data-docs/{path:path}")
    def data_docs(path: str = "index.html") -> Response:
        rel = _docs_path(path or "index.html")
        warehouse = _warehouse()
        if rel is None or not warehouse.exists(rel):
            raise HTTPException(404, "no such Data Docs page")
        return Response(warehouse.read_bytes(rel), media_type=_media_type(rel), headers=_NO_SNIFF)

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        files = {p.name: p for p in (UI_DIR / "static").iterdir() if p.is_file()}
        if name not in files:
            raise HTTPException(404, "no such file")
        return Response(files[name].read_bytes(), media_type=_media_type(name), headers=_NO_SNIFF)

    return app


_NO_SNIFF = {"X-Content-Type-Options": "nosniff"}


def _warehouse() -> "Warehouse":
    from regime_radar.config import load_settings
    from regime_radar.warehouse import Warehouse

    return Warehouse.from_settings(load_settings())


def _docs_path(path: str) -> str | None:
    """The warehouse path of a Data Docs file, or None for anything that tries to leave the docs folder."""
    parts = path.split("/")
    if any(p in ("", ".", "..") or p.startswith(".") or "\\" in p for p in parts):
        return None
    return posixpath.join(DOCS_DIR, *parts)


def _media_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _sign_in_page(request: Any, status_code: int) -> str:
    try:
        from airflow.api_fastapi.app import get_auth_manager

        login = get_auth_manager().get_url_login(next_url=str(request.url))
    except Exception:  # no auth manager (a bare test app): a plain refusal is enough
        login = "/"
    return _render("signin.html", status_code=status_code, login=login)


def _render(template: str, **context: Any) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(UI_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pct"] = _pct
    return env.get_template(template).render(colours=LEVEL_COLOURS, titles=REGIME_TITLES, **context)


# -- the data behind the page ------------------------------------------------------------------


@dataclass
class PageData:
    """Everything the page shows, read from the warehouse for one as-of day."""

    warehouse_url: str = ""
    asof: date | None = None
    start: date | None = None
    latest: date | None = None
    regimes: list[dict[str, Any]] = field(default_factory=list)
    flags_today: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    timeline: dict[str, dict[date, dict[str, Any]]] = field(default_factory=dict)
    series: dict[str, dict[date, float]] = field(default_factory=dict)
    quality: list[dict[str, Any]] = field(default_factory=list)
    docs_index: str | None = None
    rule_version: str | None = None


def load_page(warehouse: "Warehouse", asof: date | None, days: int, base: str = URL_PREFIX) -> PageData:
    """Read the regimes, flags, prices and validation results the page shows."""
    from regime_radar import query

    page = PageData(warehouse_url=warehouse.url)
    page.quality, page.docs_index = load_quality(warehouse, base)
    con = query.connect(warehouse)
    try:
        page.latest = _scalar(con, "SELECT max(date) FROM regime_state") or _scalar(
            con, "SELECT max(date) FROM risk_flags"
        )
        if page.latest is None:
            return page
        wanted = asof or page.latest
        page.asof = _scalar(con, "SELECT max(date) FROM risk_flags WHERE date <= ?", [wanted]) or page.latest
        page.start = page.asof - timedelta(days=days)
        window = [page.start, page.asof]
        years = f"year BETWEEN {page.start.year} AND {page.asof.year}"  # prunes the other partitions
        states = _rows(
            con,
            f"SELECT date, regime, state, level FROM regime_state WHERE {years} AND date BETWEEN ? AND ? ORDER BY date",
            window,
        )
        flags = _rows(
            con,
            "SELECT date, regime, flag, level, score, drivers, evidence, rule_version FROM risk_flags "
            f"WHERE {years} AND date BETWEEN ? AND ? ORDER BY date, regime, flag",
            window,
        )
        page.series = _price_series(con, window)
    finally:
        con.close()
    for row in flags:
        row["drivers"] = _drivers(row["drivers"])
        row["evidence"] = _evidence(row["evidence"])
    page.regimes = _regimes(states, page.asof)
    page.flags_today = sorted((r for r in flags if r["date"] == page.asof), key=_flag_order)
    page.events = _level_changes(flags)
    page.rule_version = flags[-1]["rule_version"] if flags else None
    for row in sorted(flags, key=_flag_order):
        page.timeline.setdefault(row["flag"], {})[row["date"]] = row
    page.dates = sorted({r["date"] for r in flags} | {d for s in page.series.values() for d in s})
    return page


def _level_changes(flags: list[dict[str, Any]], limit: int = 60) -> list[dict[str, Any]]:
    """The rows where a flag changed level (a first row counts when it is not green), newest first."""
    previous: dict[str, str] = {}
    changes = []
    for row in flags:
        if row["level"] != previous.get(row["flag"], "green"):
            changes.append({**row, "previous_level": previous.get(row["flag"])})
        previous[row["flag"]] = row["level"]
    changes.sort(key=_flag_order)
    changes.sort(key=lambda row: row["date"], reverse=True)  # stable: within a day, the regime order stays
    return changes[:limit]


def _flag_order(row: dict[str, Any]) -> tuple[int, str, bool, str]:
    """Flags grouped by regime (in REGIME_ORDER), each regime's own summary row first."""
    regime = row["regime"]
    rank = REGIME_ORDER.index(regime) if regime in REGIME_ORDER else len(REGIME_ORDER)
    return (rank, regime, row["flag"] != regime, row["flag"])


def _price_series(con: "duckdb.DuckDBPyConnection", window: list[date]) -> dict[str, dict[date, float]]:
    """The AI basket and the broad market of the AI-capex rule, each rebased to 100 at the window's start."""
    from regime_radar.flags.engine import load_rules

    cfg = load_rules()["ai_capex_shock"]
    basket, broad = cfg["basket"], list(cfg["broad"])
    basket_label = " ".join("AI" if word == "ai" else word for word in basket.split("_")) + " basket"
    returns = {
        basket_label: _rows(
            con,
            "SELECT date, ret FROM basket_returns WHERE basket = ? AND date BETWEEN ? AND ? ORDER BY date",
            [basket, *window],
        )
    }
    for symbol in broad:
        returns[symbol] = _rows(
            con,
            "SELECT date, ret FROM daily_returns WHERE symbol = ? AND ret IS NOT NULL AND date BETWEEN ? AND ? "
            "ORDER BY date",
            [symbol, *window],
        )
    series = {}
    for label, rows in returns.items():
        level, points = 100.0, {}
        for i, row in enumerate(rows):
            if i:
                level *= 1 + row["ret"]
            points[row["date"]] = level
        if points:
            series[label] = points
    return series


def _regimes(states: list[dict[str, Any]], asof: date) -> list[dict[str, Any]]:
    """Each regime's state on the as-of day and the first day of its current run at that level."""
    by_regime: dict[str, list[dict[str, Any]]] = {}
    for row in states:
        by_regime.setdefault(row["regime"], []).append(row)
    result = []
    for regime in sorted(by_regime, key=lambda r: (REGIME_ORDER.index(r) if r in REGIME_ORDER else 99, r)):
        history = [r for r in by_regime[regime] if r["date"] <= asof]
        if not history or history[-1]["date"] != asof:
            continue
        current = history[-1]
        since, open_ended = current["date"], True
        for row in reversed(history):
            if row["level"] != current["level"]:
                open_ended = False  # the run started after this day: `since` is exact
                break
            since = row["date"]
        result.append({**current, "since": since, "open_ended": open_ended})
    return result


QUALITY_FIELDS = ("dataset", "status", "level", "validated_at", "window", "row_count", "evaluated", "failures", "docs")


def load_quality(warehouse: "Warehouse", base: str = URL_PREFIX) -> tuple[list[dict[str, Any]], str | None]:
    """The latest validation result of each dataset, with a link to its Data Docs page when there is one."""
    from regime_radar import catalog

    results: dict[str, list[str]] = {}
    docs: set[str] = set()
    for rel in warehouse.list("_quality"):
        parts = rel.split("/")
        if len(parts) == 3 and parts[2].endswith(".json"):
            results.setdefault(parts[1], []).append(rel)
        elif rel.startswith(DOCS_DIR + "/"):
            docs.add(rel[len(DOCS_DIR) + 1 :])
    docs_url = f"{base}/data-docs/"
    rows = []
    for name in [*catalog.DATASETS, *sorted(set(results) - set(catalog.DATASETS))]:
        if name not in results:
            rows.append(dict.fromkeys(QUALITY_FIELDS) | {"dataset": name, "status": "no results", "failures": []})
            continue
        latest = max(results[name], key=_batch_order)
        result = warehouse.read_json(latest)
        failures = result.get("failures") or []
        if not result.get("passed"):
            status, level = "failed", "red"
        elif failures:
            status, level = f"{len(failures)} warning{'s' if len(failures) != 1 else ''}", "amber"
        else:
            status, level = "passed", "green"
        page = f"validations/{name}/{result.get('batch_id')}.html"
        link = page if page in docs else ("index.html" if "index.html" in docs else None)
        rows.append(
            {
                "dataset": name,
                "status": status,
                "level": level,
                "validated_at": str(result.get("validated_at") or "")[:19].replace("T", " "),
                "window": result.get("window"),
                "row_count": result.get("row_count"),
                "evaluated": result.get("evaluated"),
                "failures": sorted({f"{f.get('severity')}: {f.get('expectation')}" for f in failures}),
                "docs": docs_url + link if link else None,
            }
        )
    return rows, (docs_url if "index.html" in docs else None)


def _batch_order(rel: str) -> tuple[str, str]:
    """Batch ids carry a UTC stamp after a source prefix (`yahoo_chart-20250127T...`): order by the stamp."""
    stamp = re.search(r"\d{8}T\d{6}", posixpath.basename(rel))
    return (stamp.group(0) if stamp else "", rel)


def _scalar(con: "duckdb.DuckDBPyConnection", sql: str, params: list[Any] | None = None) -> Any:
    row = con.execute(sql, params or []).fetchone()
    return row[0] if row else None


def _rows(con: "duckdb.DuckDBPyConnection", sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _drivers(text: str | None) -> list[tuple[str, str]]:
    """A flag's drivers as (name, formatted value) pairs: returns as percentages, the rest as numbers."""
    try:
        drivers = json.loads(text or "{}")
    except ValueError:
        return [("drivers", str(text))]
    if not isinstance(drivers, dict):
        return [("drivers", str(drivers))]
    return [(str(key), _driver_value(str(key), value)) for key, value in drivers.items()]


_SIGNED_PCT = re.compile(r"(^|_)(ret|return|drawdown)(_|$)")
_PCT = re.compile(r"(^|_)vol(_|$)")


def _driver_value(key: str, value: Any) -> str:
    """One driver for people: returns and drawdowns as signed percentages, nested values inline."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float) and _SIGNED_PCT.search(key):
        return _pct(value)
    if isinstance(value, float) and _PCT.search(key):
        return f"{value * 100:.2f}%"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, dict):
        return " · ".join(f"{k} {_driver_value(str(k), v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_driver_value(key, v) for v in value)
    return str(value)


def _pct(value: float | None) -> str:
    return "" if value is None or not math.isfinite(value) else f"{value * 100:+.2f}%"


def _evidence(text: str | None) -> list[dict[str, str | None]]:
    """Evidence items as (label, link) with only http(s) links kept."""
    try:
        items = json.loads(text or "[]")
    except ValueError:
        items = [text]
    if not isinstance(items, list):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, dict):
            url = item.get("url") or item.get("html_url") or item.get("source_url")
            label = item.get("label") or item.get("title") or item.get("document_number") or url or json.dumps(item)
        else:
            url, label = (item if isinstance(item, str) and item.startswith("http") else None), item
        safe = str(url) if isinstance(url, str) and re.match(r"^https?://", url) else None
        out.append({"label": str(label), "url": safe})
    return out


# -- the chart: prices above, flag levels below, one shared date axis ------------------------------


def _chart_markup(page: PageData) -> Any:
    from markupsafe import Markup

    return Markup(chart_svg(page.dates, page.series, page.timeline, page.asof)) if page.dates else None


SERIES_COLOURS = ("#5f3dc4", "#1971c2", "#868e96", "#0c8599")


def chart_svg(
    dates: list[date],
    series: dict[str, dict[date, float]],
    timeline: dict[str, dict[date, dict[str, Any]]],
    asof: date | None = None,
    width: int = 1080,
) -> str:
    """An inline SVG: rebased price lines (tinted on non-green days) above one row of level cells per flag."""
    esc = html.escape
    longest = max((len(flag) for flag in timeline), default=0)
    left, right, top, price_h, gap, row_h = max(90, 20 + round(7.3 * longest)), 40, 34, 230, 14, 22
    plot_w = width - left - right
    step = plot_w / max(len(dates), 1)
    rows_top = top + price_h + gap
    height = rows_top + row_h * max(len(timeline), 1) + 34
    x = {d: left + (i + 0.5) * step for i, d in enumerate(dates)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="Prices and flag levels" class="chart" font-family="inherit" font-size="12">'
    ]
    # Tint the price panel on days when any flag was amber or red.
    for d in dates:
        worst = max((row[d]["level"] for row in timeline.values() if d in row), key=LEVELS.index, default="green")
        if worst in LEVEL_TINTS:
            out.append(
                f'<rect x="{x[d] - step / 2:.1f}" y="{top}" width="{step:.1f}" height="{price_h}" '
                f'fill="{LEVEL_TINTS[worst]}"/>'
            )
    values = [v for s in series.values() for v in s.values()]
    if values:
        low, high = min(values), max(values)
        pad = (high - low) * 0.08 or 1.0
        low, high = low - pad, high + pad

        def y(v: float) -> float:
            return top + price_h - (v - low) / (high - low) * price_h

        for tick in _ticks(low, high):
            out.append(
                f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" class="grid"/>'
                f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end" class="axis">{tick:g}</text>'
            )
        legend_x = left + 10
        for i, (label, points) in enumerate(series.items()):
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            coords = " ".join(f"{x[d]:.1f},{y(v):.1f}" for d, v in sorted(points.items()) if d in x)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.2" '
                f'stroke-linejoin="round"><title>{esc(label)}</title></polyline>'
            )
            out.append(
                f'<line x1="{legend_x}" x2="{legend_x + 22}" y1="14" y2="14" stroke="{colour}" stroke-width="3"/>'
                f'<text x="{legend_x + 28}" y="18" class="legend">{esc(label)}</text>'
            )
            legend_x += 28 + 7 * len(label) + 28
    out.append(f'<text x="{left - 8}" y="{top - 10}" text-anchor="end" class="axis">index</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{plot_w}" height="{price_h}" class="frame"/>')
    # One row of cells per flag.
    for r, (flag, cells) in enumerate(timeline.items()):
        ry = rows_top + r * row_h
        out.append(
            f'<text x="{left - 8}" y="{ry + row_h / 2 + 4:.1f}" text-anchor="end" class="flag">{esc(flag)}</text>'
        )
        for d in dates:
            cell = cells.get(d)
            level = cell["level"] if cell else None
            colour = LEVEL_COLOURS.get(level or "", NO_DATA_COLOUR)
            tip = f"{d.isoformat()} {flag}: {level or 'no data'}"
            if cell and cell.get("score") is not None:
                tip += f" (score {cell['score']:.2f})"
            out.append(
                f'<rect x="{x[d] - step / 2 + 0.5:.1f}" y="{ry + 3}" width="{max(step - 1, 1):.1f}" '
                f'height="{row_h - 6}" rx="2" fill="{colour}" data-date="{d.isoformat()}" data-flag="{esc(flag)}" '
                f'data-level="{esc(level or "")}"><title>{esc(tip)}</title></rect>'
            )
    # Date labels under the rows, and a marker on the as-of day.
    axis_y = rows_top + row_h * max(len(timeline), 1) + 16
    every = max(1, math.ceil(len(dates) / 12))
    for i, d in enumerate(dates):
        if i % every == 0:
            out.append(
                f'<text x="{x[d]:.1f}" y="{axis_y}" text-anchor="middle" class="axis">{d.strftime("%b %d")}</text>'
            )
    if asof in x:
        out.append(f'<line x1="{x[asof]:.1f}" x2="{x[asof]:.1f}" y1="{top}" y2="{axis_y - 12}" class="asof"/>')
    out.append("</svg>")
    return "".join(out)


def _ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round gridline values between low and high."""
    raw = (high - low) / target
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 6) for i in range(int((high - first) / step) + 1)]


class RegimeRadarPlugin(AirflowPlugin):
    """Mounts the page on the api-server and adds "Risk flags" to the Airflow navigation."""

    name = "regime_radar"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [
        {"app": AppOnFirstRequest(create_app), "url_prefix": URL_PREFIX, "name": "Regime Radar"}
    ]
    external_views: ClassVar[list[dict[str, Any]]] = [
        {
            "name": "Risk flags",
            "href": f"{URL_PREFIX}/",
            "url_route": "risk-flags",
            "destination": "nav",
            "nav_top_level": True,
            "icon": f"{URL_PREFIX}/static/radar.svg",
        }
    ]
