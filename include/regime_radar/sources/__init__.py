"""Feeds: one module per source, the shared HTTP client, replay and the registry."""
