"""Tariff policy as data: policy documents to structured actions (`extract`), actions to a daily state (`state`)."""
