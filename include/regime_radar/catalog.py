"""The datasets: name, layer, columns with Arrow types, partitioning, primary key and time column.

Columns are declared as Arrow type strings so that DAG files can read the catalog without
importing pyarrow; `Dataset.arrow_schema()` builds the real schema on demand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

UTC_TS = "timestamp[us, tz=UTC]"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True


@dataclass(frozen=True)
class Dataset:
    """One canonical dataset in the warehouse."""

    name: str
    layer: str  # "silver" or "gold"
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    time_column: str  # the column a window selects on
    partition_by: str | None = "year"  # Hive partition derived from time_column; None = one file
    scope_column: str | None = None  # a batch replaces rows only for the scope values it carries
    expect_rows: bool = False  # an empty batch is refused (a feed that answers nothing is broken)
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def arrow_schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema([pa.field(c.name, _arrow_type(c.type), nullable=c.nullable) for c in self.columns])

    @property
    def asset_uri(self) -> str:
        return f"regime-radar://{self.layer}/{self.name}"


def _arrow_type(spec: str) -> pa.DataType:
    import pyarrow as pa

    simple = {
        "string": pa.string(),
        "float64": pa.float64(),
        "int64": pa.int64(),
        "int32": pa.int32(),
        "bool": pa.bool_(),
        "date32": pa.date32(),
        UTC_TS: pa.timestamp("us", tz="UTC"),
    }
    if spec not in simple:
        raise ValueError(f"unsupported column type {spec!r}")
    return simple[spec]


def _cols(*specs: tuple[Any, ...]) -> tuple[Column, ...]:
    return tuple(Column(*spec) for spec in specs)


_PROVENANCE = (("available_at", UTC_TS, False), ("ingested_at", UTC_TS, False))

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            name="prices_daily",
            layer="silver",
            expect_rows=True,
            columns=_cols(
                ("symbol", "string", False),
                ("date", "date32", False),
                ("open", "float64"),
                ("high", "float64"),
                ("low", "float64"),
                ("close", "float64", False),
                ("adj_close", "float64", False),
                ("volume", "int64"),
                ("currency", "string"),
                ("source", "string", False),
                *_PROVENANCE,
            ),
            primary_key=("symbol", "date"),
            time_column="date",
            scope_column="symbol",
            description="Daily bars per symbol; available at the 16:00 America/New_York close.",
        ),
        Dataset(
            name="market_series",
            layer="silver",
            expect_rows=True,
            columns=_cols(
                ("series_id", "string", False),
                ("date", "date32", False),
                ("value", "float64"),
                ("source", "string", False),
                *_PROVENANCE,
            ),
            primary_key=("series_id", "date"),
            time_column="date",
            scope_column="series_id",
            description="Daily market series from FRED (indices, VIX, yields, FX); null value = missing.",
        ),
        Dataset(
            name="capex_quarterly",
            layer="silver",
            columns=_cols(
                ("ticker", "string", False),
                ("cik", "string", False),
                ("fiscal_year", "int32", False),
                ("fiscal_period", "string", False),
                ("period_start", "date32", False),
                ("period_end", "date32", False),
                ("capex_usd", "float64", False),
                ("form", "string"),
                ("accession", "string"),
                ("tag", "string"),
                *_PROVENANCE,
            ),
            primary_key=("ticker", "period_end"),
            time_column="period_end",
            scope_column="ticker",
            partition_by=None,
            description="Hyperscaler capital expenditure per fiscal quarter (year-to-date values differenced).",
        ),
        Dataset(
            name="tech_events",
            layer="silver",
            columns=_cols(
                ("date", "date32", False),
                ("kind", "string", False),
                ("title", "string", False),
                ("url", "string"),
                ("company", "string"),
                *_PROVENANCE,
            ),
            primary_key=("date", "title"),
            time_column="date",
            partition_by=None,
            description="User-maintained dated events: AI model releases, capex guidance changes.",
        ),
        Dataset(
            name="macro_observations",
            layer="silver",
            columns=_cols(
                ("series_id", "string", False),
                ("period", "date32", False),
                ("value", "float64"),
                ("vintage_date", "date32", False),
                ("is_first_print", "bool", False),
                ("source", "string"),
                *_PROVENANCE,
            ),
            primary_key=("series_id", "period", "vintage_date"),
            time_column="vintage_date",
            scope_column="series_id",
            description="Every vintage of every macro observation (ALFRED, DBnomics); first prints flagged.",
        ),
        Dataset(
            name="release_calendar",
            layer="silver",
            columns=_cols(
                ("release", "string", False),
                ("release_date", "date32", False),
                ("released_at", UTC_TS, False),
                ("source_release_id", "string"),
                *_PROVENANCE,
            ),
            primary_key=("release", "release_date"),
            time_column="release_date",
            scope_column="release",
            partition_by=None,
            description="Macro release dates with their standard release times.",
        ),
        Dataset(
            name="macro_consensus",
            layer="silver",
            columns=_cols(
                ("release", "string", False),
                ("period", "date32", False),
                ("consensus", "float64", False),
                ("source", "string"),
                *_PROVENANCE,
            ),
            primary_key=("release", "period"),
            time_column="period",
            partition_by=None,
            description="User-maintained consensus forecasts per release and period.",
        ),
        Dataset(
            name="macro_releases",
            layer="gold",
            columns=_cols(
                ("release", "string", False),
                ("period", "date32", False),
                ("actual", "float64"),
                ("consensus", "float64"),
                ("surprise", "float64"),
                ("surprise_z", "float64"),
                ("prior", "float64"),
                ("prior_revised", "float64"),
                ("released_at", UTC_TS, False),
                ("available_at", UTC_TS, False),
            ),
            primary_key=("release", "period"),
            time_column="period",
            partition_by=None,
            description="One row per macro release: first print, consensus, surprise, prior and its revision.",
        ),
        Dataset(
            name="policy_documents",
            layer="silver",
            columns=_cols(
                ("doc_id", "string", False),
                ("feed", "string", False),
                ("document_number", "string"),
                ("eo_number", "string"),
                ("title", "string", False),
                ("doc_type", "string"),
                ("signed_on", "date32"),
                ("published_on", "date32", False),
                ("url", "string"),
                ("body_text", "string"),
                *_PROVENANCE,
            ),
            primary_key=("doc_id",),
            time_column="published_on",
            scope_column="feed",
            partition_by=None,
            description="Policy documents as published by each feed (Federal Register, White House actions).",
        ),
        Dataset(
            name="tariff_actions",
            layer="gold",
            columns=_cols(
                ("action_id", "string", False),
                ("document_number", "string"),
                ("eo_number", "string"),
                ("title", "string"),
                ("action", "string", False),
                ("partner", "string", False),
                ("scope", "string", False),
                ("rate_pct", "float64"),
                ("signed_on", "date32"),
                ("published_on", "date32"),
                ("effective_at", UTC_TS),
                ("expires_at", UTC_TS),
                ("authority", "string"),
                ("modifies", "string"),
                ("source_url", "string"),
                ("evidence", "string"),
                ("confidence", "float64"),
                *_PROVENANCE,
            ),
            primary_key=("action_id",),
            time_column="signed_on",
            partition_by=None,
            description="Structured tariff actions extracted from policy documents.",
        ),
        Dataset(
            name="tariff_state",
            layer="gold",
            columns=_cols(
                ("date", "date32", False),
                ("partner", "string", False),
                ("scope", "string", False),
                ("status", "string", False),
                ("rate_pct", "float64"),
                ("pause_ends", "date32"),
                ("action_id", "string"),
            ),
            primary_key=("date", "partner", "scope"),
            time_column="date",
            description="Tariff status per day, partner and scope, with the rate in force.",
        ),
        Dataset(
            name="policy_uncertainty",
            layer="silver",
            columns=_cols(
                ("index_name", "string", False),
                ("date", "date32", False),
                ("value", "float64"),
                ("source", "string"),
                *_PROVENANCE,
            ),
            primary_key=("index_name", "date"),
            time_column="date",
            scope_column="index_name",
            description="Trade-policy uncertainty indices (Caldara–Iacoviello TPU, EPU trade).",
        ),
        Dataset(
            name="risk_flags",
            layer="gold",
            columns=_cols(
                ("date", "date32", False),
                ("regime", "string", False),
                ("flag", "string", False),
                ("level", "string", False),
                ("score", "float64"),
                ("drivers", "string", False),
                ("evidence", "string", False),
                ("rule_version", "string", False),
                ("computed_at", UTC_TS, False),
            ),
            primary_key=("date", "flag"),
            time_column="date",
            description="Daily explainable risk flags; drivers and evidence are JSON strings.",
        ),
        Dataset(
            name="regime_state",
            layer="gold",
            columns=_cols(
                ("date", "date32", False),
                ("regime", "string", False),
                ("state", "string", False),
                ("level", "string", False),
            ),
            primary_key=("date", "regime"),
            time_column="date",
            description="Per-day state and level of each regime.",
        ),
    ]
}


def get(name: str) -> Dataset:
    """Look up a dataset by name with an error that lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(sorted(DATASETS))}") from None


def conform(name: str, data: Any, extra: Mapping[str, Any] | None = None) -> pa.Table:
    """Cast a DataFrame or Arrow table to the dataset's schema: canonical column order and types.

    Missing nullable columns are filled with nulls; unknown columns are an error, so schema drift
    is caught at the edge rather than written to the warehouse.
    """
    import pyarrow as pa

    dataset = get(name)
    schema = dataset.arrow_schema()
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    for key, value in (extra or {}).items():
        if key not in table.column_names:
            table = table.append_column(key, pa.array([value] * table.num_rows))
    unknown = sorted(set(table.column_names) - set(schema.names))
    if unknown:
        raise ValueError(f"{name}: unknown columns {unknown}; expected {schema.names}")
    columns = []
    for field in schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            if pa.types.is_timestamp(column.type) and column.type.tz is None and getattr(field.type, "tz", None):
                raise ValueError(f"{name}.{field.name}: timestamps without a time zone; give them a UTC offset")
            try:
                columns.append(column.cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ValueError(f"{name}.{field.name}: cannot cast {column.type} to {field.type}: {exc}") from exc
        elif field.nullable:
            columns.append(pa.nulls(table.num_rows, type=field.type))
        else:
            raise ValueError(f"{name}: required column {field.name!r} is missing")
    return pa.Table.from_arrays(columns, schema=schema)
