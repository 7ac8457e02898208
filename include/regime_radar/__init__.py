"""Regime Radar: flags for the AI-capex and tariff regimes, computed from an Airflow-fed Parquet warehouse."""

__version__ = "0.1.0"
