"""Render alerts as e-mails: a subject, a plain-text part and an HTML part with every feed value escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from regime_radar.alerts.model import Alert, alert_id
from regime_radar.config import Settings, load_yaml

if TYPE_CHECKING:
    import pandas as pd

MINUS = "\u2212"
ARROW = "\u2192"
# A symbol's return in a flag's drivers, e.g. "NVDA_ret"; lower-case names such as "basket_ret" are not symbols.
_SYMBOL_RETURN = re.compile(r"^(?P<symbol>[A-Z0-9][A-Z0-9.^=-]*)_(?:ret|return)(?:_1d)?$")
_FRACTION_SUFFIXES = ("_ret", "_return", "_ret_1d", "_vol", "_pct_change", "_change_pct")
_FR_DOCUMENT = re.compile(r"^\d{4}-\d{5}$")
_SAFE_SCHEMES = ("http", "https", "mailto")


def _config() -> dict[str, Any]:
    return load_yaml("alerts.yaml")


# -- small formatting helpers ------------------------------------------------------------------


def esc(value: Any) -> str:
    """Text safe to place in HTML element content or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def one_line(text: str) -> str:
    """Collapse whitespace (including newlines, which would break a header) into single spaces."""
    return " ".join(str(text).split())


def display_name(flag: str) -> str:
    """The human name of a flag or regime id (alerts.yaml `flag_names`, else the id humanised)."""
    cfg = _config()
    names: dict[str, str] = cfg.get("flag_names") or {}
    if flag in names:
        return names[flag]
    acronyms = {str(a).lower() for a in cfg.get("acronyms") or []}
    words = [w.upper() if w.lower() in acronyms else w for w in flag.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def level_rank(level: str) -> int:
    """Severity order of a level (green < amber < red); unknown levels rank lowest."""
    levels: dict[str, dict[str, Any]] = _config()["levels"]
    return int(levels.get(str(level), {}).get("rank", -1))


def _level_colour(level: str) -> str:
    return str(_config()["levels"].get(str(level), {}).get("colour", "#616161"))


def format_pct(fraction: float, digits: int = 1) -> str:
    """A fractional return as a signed percentage with a true minus sign: -0.17 -> '−17.0%'."""
    value = fraction * 100.0
    text = f"{abs(value):.{digits}f}%"
    if round(value, digits) == 0:
        return text
    return (MINUS if value < 0 else "+") + text


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value  # not NaN


def format_value(key: str, value: Any) -> str:
    """A driver value for people: returns as percentages, floats to 4 significant digits, the rest as JSON."""
    if _is_number(value):
        if key.endswith(_FRACTION_SUFFIXES):
            return format_pct(float(value))
        if isinstance(value, float):
            return f"{value:.4g}".replace("-", MINUS)
        return str(value)
    if value is None or isinstance(value, str):
        return "" if value is None else value
    return json.dumps(value, default=str, ensure_ascii=False)


def parse_json(value: Any, empty: Any) -> Any:
    """A drivers/evidence cell as Python: JSON strings decoded, objects kept, undecodable text kept as text."""
    if value is None or (isinstance(value, float) and value != value):
        return empty
    if isinstance(value, (dict, list)):
        return value
    text = str(value).strip()
    if not text:
        return empty
    try:
        return json.loads(text)
    except ValueError:
        return text


def safe_url(url: Any) -> str | None:
    """The URL if it is an absolute http(s) or mailto link, else None (no javascript:, data: or relative)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in _SAFE_SCHEMES or any(c in url for c in "\r\n\t "):
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    return url


def evidence_items(evidence: Any) -> list[tuple[str, str | None]]:
    """Evidence as (label, safe URL or None) pairs from a list of {"label","url"} dicts or strings."""
    data = parse_json(evidence, [])
    if isinstance(data, (str, dict)):
        data = [data]
    items: list[tuple[str, str | None]] = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict):
            url = item.get("url") or item.get("href")
            label = item.get("label") or item.get("title") or item.get("document_number") or url or ""
            items.append((str(label), safe_url(url)))
        elif item is not None:
            text = str(item)
            items.append((text, safe_url(text)))
    return items


def _evidence_html(items: Sequence[tuple[str, str | None]]) -> str:
    if not items:
        return ""
    entries = []
    for label, url in items:
        if url:
            entries.append(f'<li><a href="{esc(url)}">{esc(label)}</a></li>')
        else:
            entries.append(f"<li>{esc(label)}</li>")
    return '<ul style="margin:0;padding-left:16px">' + "".join(entries) + "</ul>"


def _evidence_text(items: Sequence[tuple[str, str | None]]) -> list[str]:
    return [f"{label} <{url}>" if url and url != label else label for label, url in items]


def _drivers_html(drivers: Any) -> str:
    if not drivers:
        return ""
    if isinstance(drivers, dict):
        rows = "".join(
            f'<tr><td style="padding:0 8px 0 0;color:#555">{esc(k)}</td><td>{esc(format_value(k, v))}</td></tr>'
            for k, v in drivers.items()
        )
        return f'<table style="border-collapse:collapse;font-size:12px">{rows}</table>'
    return esc(format_value("", drivers))


def _drivers_text(drivers: Any) -> str:
    if isinstance(drivers, dict):
        return ", ".join(f"{k} {format_value(k, v)}" for k, v in drivers.items())
    return format_value("", drivers)


def _links(settings: Settings, dag_id: str | None, run_id: str | None) -> list[tuple[str, str]]:
    """(label, URL) of the Regime Radar UI page and of the DAG run (or the DAG's runs) in Airflow."""
    links_cfg: dict[str, Any] = _config()["links"]
    base = settings.ui_base_url.rstrip("/")
    links = [("Regime Radar in Airflow", base + "/" + str(links_cfg["plugin_path"]).strip("/") + "/")]
    if dag_id:
        if run_id:
            links.append((f"DAG run {run_id}", f"{base}/dags/{quote(dag_id)}/runs/{quote(run_id, safe=':')}"))
        else:
            links.append((f"DAG {dag_id}", f"{base}/dags/{quote(dag_id)}/runs"))
    return links


def _links_html(links: Iterable[tuple[str, str]]) -> str:
    anchors = " · ".join(f'<a href="{esc(url)}">{esc(label)}</a>' for label, url in links)
    return f'<p style="font-size:13px">{anchors}</p>'


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title></head>\n"
        '<body style="font-family:Helvetica,Arial,sans-serif;color:#212121;max-width:860px">\n'
        f"{body}\n"
        '<p style="font-size:11px;color:#757575">Sent by Regime Radar. '
        "Levels and thresholds come from the versioned rules file.</p>\n"
        "</body></html>\n"
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An HTML table; cells are already-escaped HTML fragments."""
    cell = 'style="border:1px solid #ddd;padding:6px;vertical-align:top;text-align:left"'
    head = "".join(f'<th {cell} bgcolor="#f5f5f5">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td {cell}>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table style="border-collapse:collapse;font-size:13px">\n<tr>{head}</tr>\n{body}\n</table>'


def _badge(level: str) -> str:
    return (
        f'<span style="background:{esc(_level_colour(level))};color:#fff;padding:1px 6px;'
        f'border-radius:3px;font-weight:bold">{esc(str(level).upper())}</span>'
    )


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


# -- flag-change digest ------------------------------------------------------------------------


def returns_headline(drivers: Any) -> str | None:
    """'NVDA −17.0%, SMH −9.8% vs QQQ −2.9%' from `<SYMBOL>_ret` drivers; None when there are none."""
    if not isinstance(drivers, dict):
        return None
    chart_cfg: dict[str, Any] = _config()["chart"]
    benchmarks = set(chart_cfg["benchmarks"])
    returns: list[tuple[str, float]] = []
    for key, value in drivers.items():
        match = _SYMBOL_RETURN.match(str(key))
        if match and _is_number(value):
            returns.append((match.group("symbol"), float(value)))
    returns.sort(key=lambda item: -abs(item[1]))  # the biggest moves lead
    movers = [f"{s} {format_pct(r)}" for s, r in returns if s not in benchmarks][: int(chart_cfg["headline_returns"])]
    versus = [f"{s} {format_pct(r)}" for s, r in returns if s in benchmarks][:2]
    if movers and versus:
        return f"{', '.join(movers)} vs {', '.join(versus)}"
    if movers or versus:
        return ", ".join(movers or versus)
    return None


def flag_headline(flag: str, day: date, level: str, previous_level: str | None, drivers: Any) -> str:
    """A one-line headline: the flag's name, the day and its deciding numbers (or its level move)."""
    detail = returns_headline(drivers)
    if detail is None and isinstance(drivers, dict):
        for key in ("headline", "summary"):
            if isinstance(drivers.get(key), str) and drivers[key].strip():
                detail = drivers[key]
                break
    if detail is None and isinstance(drivers, dict):
        numbers = [(k, v) for k, v in drivers.items() if _is_number(v)][:3]
        if numbers:
            detail = ", ".join(f"{k} {format_value(k, v)}" for k, v in numbers)
    if detail is None:
        detail = f"{previous_level or 'new'} {ARROW} {level}"
    return one_line(f"{display_name(flag)} {day.isoformat()}: {detail}")


def _previous_level(record: dict[str, Any]) -> str | None:
    value = record.get("previous_level")
    return None if _is_missing(value) else str(value)


def _ordered(changes: pd.DataFrame) -> pd.DataFrame:
    """Worst level first; within a level, a regime's own flags before composites, then by score magnitude."""
    import pandas as pd

    order = pd.DataFrame(
        {
            "rank": [-level_rank(lv) for lv in changes["level"]],
            "composite": [str(r) == "composite" for r in changes.get("regime", pd.Series([""] * len(changes)))],
            "score": [
                0.0 if _is_missing(s) else -abs(float(s))
                for s in changes.get("score", pd.Series([None] * len(changes)))
            ],
            "flag": list(changes["flag"]),
        },
        index=changes.index,
    )
    return changes.loc[order.sort_values(["rank", "composite", "score", "flag"], kind="mergesort").index]


def flag_digest(
    changes_for_day: pd.DataFrame,
    prices: pd.DataFrame,
    settings: Settings,
    *,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> Alert:
    """One e-mail for one risk day listing every flag whose level changed, with drivers, evidence and a chart."""
    import pandas as pd

    from regime_radar.alerts.chart import basket_chart

    if changes_for_day.empty:
        raise ValueError("flag_digest needs at least one changed flag")
    days = set(pd.to_datetime(changes_for_day["date"]).dt.date)
    if len(days) != 1:
        raise ValueError(f"flag_digest covers one risk day, got {sorted(days)}")
    day = days.pop()
    cfg = _config()
    rows = _ordered(changes_for_day)
    records = rows.to_dict("records")
    top = records[0]
    worst = str(top["level"])
    headline = flag_headline(str(top["flag"]), day, worst, _previous_level(top), parse_json(top.get("drivers"), {}))
    more = f" (+{len(records) - 1} more)" if len(records) > 1 else ""
    subject = one_line(cfg["subjects"]["flag_change"].format(level=worst.upper(), headline=headline, more=more))
    dag_id = dag_id or cfg["links"]["risk_dag_id"]
    links = _links(settings, dag_id, run_id)

    table_rows, text_rows, flags_meta = [], [], []
    for record in records:
        flag, level, before = str(record["flag"]), str(record["level"]), _previous_level(record)
        drivers = parse_json(record.get("drivers"), {})
        evidence = evidence_items(record.get("evidence"))
        score = record.get("score")
        score_text = "" if _is_missing(score) else f"{float(score):.2f}"
        regime = "" if _is_missing(record.get("regime")) else str(record["regime"])
        move_html = (f"{esc(before)} {ARROW} " if before else "new ") + _badge(level)
        table_rows.append(
            [
                f"<b>{esc(display_name(flag))}</b><br><small>{esc(flag)}</small>",
                esc(display_name(regime)) if regime else "",
                move_html,
                esc(score_text),
                _drivers_html(drivers),
                _evidence_html(evidence),
            ]
        )
        move_text = f"{before} {ARROW} {level.upper()}" if before else f"new: {level.upper()}"
        lines = [
            f"* {display_name(flag)} ({regime or flag}): {move_text}" + (f", score {score_text}" if score_text else "")
        ]
        if drivers:
            lines.append(f"    drivers: {_drivers_text(drivers)}")
        lines += [f"    evidence: {item}" for item in _evidence_text(evidence)]
        text_rows.append("\n".join(lines))
        flags_meta.append({"flag": flag, "regime": regime, "level": level, "previous_level": before, "score": score})

    sessions = int(cfg["chart"]["sessions"])
    png = basket_chart(prices, day, sessions=sessions) if prices is not None else None
    cid = f"basket-chart-{day.isoformat()}@regime-radar"
    images = {cid: png} if png else {}
    chart_html = (
        f'<p><img src="cid:{esc(cid)}" alt="AI-hardware basket vs broad market, last {sessions} sessions" '
        'width="800" style="max-width:100%"></p>'
        if png
        else "<p><i>No price history available for the chart.</i></p>"
    )
    count = f"{len(records)} flag{'s' if len(records) != 1 else ''} changed level on {day.isoformat()}"
    body = (
        f'<h2 style="margin-bottom:4px">{_badge(worst)} {esc(headline)}</h2>\n'
        f"<p>{esc(count)}.</p>\n"
        + _table(["Flag", "Regime", "Level", "Score", "Drivers", "Evidence"], table_rows)
        + "\n"
        + chart_html
        + "\n"
        + _links_html(links)
    )
    text = (
        f"{subject}\n\n{count}:\n\n"
        + "\n\n".join(text_rows)
        + ("\n\nChart: AI-hardware basket vs broad market, inline in the HTML version.\n" if png else "\n")
        + "\n"
        + "\n".join(f"{label}: {url}" for label, url in links)
        + "\n"
    )
    flags_key = "+".join(sorted(m["flag"] for m in flags_meta))
    return Alert(
        alert_id=alert_id("flag_change", flags_key, worst, day),
        kind="flag_change",
        subject=subject,
        text=text,
        html=_page(subject, body),
        images=images,
        meta={"date": day.isoformat(), "level": worst, "flags": flags_meta, "dag_id": dag_id, "run_id": run_id},
    )


def flag_digests(
    changes: pd.DataFrame,
    prices: pd.DataFrame,
    settings: Settings,
    *,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> list[Alert]:
    """One digest per risk day present in `changes` (the output of `changes.level_changes`), oldest first."""
    import pandas as pd

    if changes.empty:
        return []
    days = pd.to_datetime(changes["date"]).dt.date
    return [
        flag_digest(changes[days == day], prices, settings, dag_id=dag_id, run_id=run_id) for day in sorted(set(days))
    ]


# -- data quality ------------------------------------------------------------------------------


def quality_alert(
    dataset: str,
    window: Any,
    failed: list[dict[str, Any]],
    docs_url: str | None,
    settings: Settings,
    *,
    quarantined_at: str | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> Alert:
    """An e-mail saying a batch was quarantined: dataset, window, each failed expectation, the Data Docs link."""
    cfg = _config()
    window_text = str(window)
    critical = [f for f in failed if str(f.get("severity") or "critical") == "critical"]
    severity = "critical" if critical or not failed else "warning"
    subject = one_line(
        cfg["subjects"]["data_quality"].format(dataset=dataset, window=window_text, n_failed=len(failed))
    )
    table_rows, text_rows = [], []
    for failure in failed:
        expectation = failure.get("expectation") or failure.get("type") or failure.get("expectation_type") or "?"
        column = failure.get("column")
        column_text = (
            ", ".join(map(str, column))
            if isinstance(column, (list, tuple))
            else ("" if column is None else str(column))
        )
        unexpected = failure.get("unexpected_count")
        sample = failure.get("sample") or []
        sample_text = json.dumps(sample, default=str, ensure_ascii=False) if sample else ""
        note = " ".join(str(failure[k]) for k in ("description", "error") if failure.get(k))
        table_rows.append(
            [
                esc(expectation),
                esc(column_text),
                esc(failure.get("severity") or "critical"),
                esc("" if unexpected is None else unexpected),
                esc(sample_text),
                esc(note),
            ]
        )
        text_rows.append(
            f"* {failure.get('severity') or 'critical'}: {expectation}"
            + (f" on {column_text}" if column_text else "")
            + (f", {unexpected} unexpected" if unexpected is not None else "")
            + (f", e.g. {sample_text}" if sample_text else "")
            + (f" ({note})" if note else "")
        )
    docs = safe_url(docs_url)
    links = ([("Data Docs", docs)] if docs else []) + _links(settings, dag_id, run_id)
    body = (
        f"<h2>{_badge('red' if severity == 'critical' else 'amber')} {esc(dataset)} batch quarantined</h2>\n"
        f"<p>Window <b>{esc(window_text)}</b>: {len(failed)} expectation(s) failed; "
        "the batch was kept in quarantine and silver was not changed.</p>\n"
        + (f"<p>Quarantined batch: <code>{esc(quarantined_at)}</code></p>\n" if quarantined_at else "")
        + _table(["Expectation", "Column", "Severity", "Unexpected", "Sample", "Details"], table_rows)
        + "\n"
        + _links_html(links)
    )
    text = (
        f"{subject}\n\nDataset {dataset}, window {window_text}: the batch was kept in quarantine and silver "
        "was not changed.\n"
        + (f"Quarantined batch: {quarantined_at}\n" if quarantined_at else "")
        + "\n"
        + "\n".join(text_rows)
        + "\n\n"
        + "\n".join(f"{label}: {url}" for label, url in links)
        + "\n"
    )
    return Alert(
        alert_id=alert_id("data_quality", dataset, severity, window_text),
        kind="data_quality",
        subject=subject,
        text=text,
        html=_page(subject, body),
        meta={
            "dataset": dataset,
            "window": window_text,
            "severity": severity,
            "failed": failed,
            "docs_url": docs,
            "quarantined_at": quarantined_at,
        },
    )


# -- tariff pause expiry -----------------------------------------------------------------------


def _action_link(action_ref: str) -> str | None:
    """A link for a tariff action reference: the URL itself, or a Federal Register document number's page."""
    url = safe_url(action_ref)
    if url:
        return url
    if _FR_DOCUMENT.match(action_ref.strip()):
        return f"https://www.federalregister.gov/d/{action_ref.strip()}"
    return None


def pause_expiry(
    partner: str,
    scope: str,
    pause_ends: date,
    rate_pct: float | None,
    action_ref: str,
    asof: date,
    settings: Settings,
) -> Alert:
    """A reminder that a paused tariff takes effect soon: who, what, which rate, when, and the source action."""
    cfg = _config()
    partner_name = (cfg.get("partner_names") or {}).get(partner, partner)
    days = (pause_ends - asof).days
    days_left = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days" if days > 1 else "passed"
    rate = "the paused tariff" if _is_missing(rate_pct) else f"{float(rate_pct):g}%"
    subject = one_line(
        cfg["subjects"]["pause_expiry"].format(
            partner=partner,
            partner_name=partner_name,
            scope=scope,
            rate=rate,
            pause_ends=pause_ends.isoformat(),
            days_left=days_left,
        )
    )
    link = _action_link(str(action_ref))
    action_html = f'<a href="{esc(link)}">{esc(action_ref)}</a>' if link else esc(action_ref)
    links = _links(settings, None, None)
    facts = [
        ("Partner", f"{partner_name} ({partner})"),
        ("Scope", scope),
        ("Rate when the pause ends", rate),
        ("Pause ends", f"{pause_ends.isoformat()} ({days_left})"),
        ("As of", asof.isoformat()),
    ]
    body = (
        f"<h2>{_badge('amber')} Tariff pause on {esc(partner_name)} ends {esc(pause_ends.isoformat())}</h2>\n"
        + _table(["Fact", "Value"], [[esc(k), esc(v)] for k, v in facts] + [["Source action", action_html]])
        + "\n<p>The pause only defers the risk: unless it is extended, the tariff takes effect on that day.</p>\n"
        + _links_html(links)
    )
    text = (
        f"{subject}\n\n"
        + "\n".join(f"{k}: {v}" for k, v in facts)
        + f"\nSource action: {action_ref}"
        + (f" <{link}>" if link and link != action_ref else "")
        + "\n\nThe pause only defers the risk: unless it is extended, the tariff takes effect on that day.\n\n"
        + "\n".join(f"{label}: {url}" for label, url in links)
        + "\n"
    )
    return Alert(
        alert_id=alert_id("pause_expiry", f"{partner}-{scope}", "reminder", pause_ends),
        kind="pause_expiry",
        subject=subject,
        text=text,
        html=_page(subject, body),
        meta={
            "partner": partner,
            "scope": scope,
            "rate_pct": None if _is_missing(rate_pct) else float(rate_pct),
            "pause_ends": pause_ends.isoformat(),
            "asof": asof.isoformat(),
            "action_ref": action_ref,
        },
    )
