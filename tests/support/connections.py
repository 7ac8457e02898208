"""Airflow JSON connections for tests, in exactly the shapes docker-compose.yaml defines.

tests/deploy/test_compose.py checks that these shapes and the compose file's
AIRFLOW_CONN_REGIME_RADAR_WAREHOUSE / AIRFLOW_CONN_REGIME_RADAR_SMTP stay the same.
"""

from __future__ import annotations

import json


def aws_conn_json(endpoint_url: str, key: str, secret: str, region: str = "us-east-1") -> str:
    """Build the warehouse connection (conn_type aws) for an S3 server at endpoint_url."""
    return json.dumps(
        {
            "conn_type": "aws",
            "login": key,
            "password": secret,
            "extra": {"endpoint_url": endpoint_url, "region_name": region},
        }
    )


def smtp_conn_json(
    host: str,
    port: int,
    from_email: str = "regime-radar@example.com",
    *,
    timeout: int = 30,
    retry_limit: int = 5,
) -> str:
    """Build the mail connection (conn_type smtp, no login, TLS and SSL off) for a plain SMTP server.

    timeout and retry_limit keep the compose file's values unless a test wants to fail faster.
    """
    return json.dumps(
        {
            "conn_type": "smtp",
            "host": host,
            "port": port,
            "login": "",
            "password": "",
            "extra": {
                "from_email": from_email,
                "disable_tls": True,
                "disable_ssl": True,
                "timeout": timeout,
                "retry_limit": retry_limit,
            },
        }
    )
