"""The "Risk flags" page on a real Airflow api-server, driven by headless Chromium (Debian's binary).

The api-server runs on loopback with the project's plugins folder, the simple auth manager and a
known password; the page reads a tiny warehouse built for the test. The screenshot is kept in
test-artifacts/ for CI to upload.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from regime_radar.warehouse import Warehouse
from tests.integration import tiny_warehouse

pytestmark = pytest.mark.browser

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_DIR / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_TIMEOUT_S = 180
REQUEST_TIMEOUT_S = 30
PAGE = "/regime-radar/"


@dataclass(frozen=True)
class ApiServer:
    base: str
    password: str
    warehouse: Warehouse
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def api_server(migrated_airflow: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """`airflow api-server` on a free loopback port with the project's plugin, until the module ends."""
    tmp = tmp_path_factory.mktemp("ui")
    warehouse = tiny_warehouse.build(Warehouse((tmp / "warehouse").as_uri()))
    password = secrets.token_urlsafe(12)
    passwords = tmp / "passwords.json"
    passwords.write_text(json.dumps({"admin": password}))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_DIR / "plugins"),
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
        "AIRFLOW__API__BASE_URL": base,
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "REGIME_RADAR_WAREHOUSE": warehouse.url,
    }
    log = tmp / "api-server.log"
    airflow = str(Path(sys.executable).with_name("airflow"))
    with log.open("wb") as out:
        server = subprocess.Popen(
            [airflow, "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: teardown stops the server and its workers
        )
    try:
        _wait_until_healthy(base, server, log)
        yield ApiServer(base, password, warehouse, log)
    finally:
        _stop(server)


def _wait_until_healthy(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"api-server exited with {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(f"{base}/api/v2/monitor/health", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    pytest.fail(f"api-server not healthy after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-4000:]}")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    """Every Airflow component loads plugins: the app and its data stack must wait for the first request."""
    probe = """
import importlib.util, json, sys
import airflow.plugins_manager
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("regime_radar_plugin", sys.argv[1])
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
print(json.dumps(sorted(set(sys.modules) - before)))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe, str(PROJECT_DIR / "plugins" / "regime_radar_plugin.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
        check=True,
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    heavy = ("pandas", "pyarrow", "duckdb", "fastapi", "regime_radar", "matplotlib")
    assert "regime_radar_plugin" in loaded
    assert [m for m in loaded if m.split(".")[0] in heavy or m.startswith("airflow.api_fastapi")] == []


@pytest.fixture(scope="module")
def token(api_server: ApiServer) -> str:
    response = requests.post(
        f"{api_server.base}/auth/token",
        json={"username": "admin", "password": api_server.password},
        timeout=REQUEST_TIMEOUT_S,
    )
    assert response.status_code == 201, response.text
    return response.json()["access_token"]


def test_anonymous_and_invalid_credentials_are_refused(api_server: ApiServer, token: str) -> None:
    import jwt

    url = api_server.base + PAGE
    anonymous = requests.get(url, timeout=REQUEST_TIMEOUT_S)
    assert anonymous.status_code == 401
    assert "ai_capex_shock" not in anonymous.text
    browser = requests.get(url, headers={"Accept": "text/html"}, timeout=REQUEST_TIMEOUT_S)
    assert browser.status_code == 401
    assert "/auth/login?next=" in browser.text  # a browser is told where to sign in, and is still refused

    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, secrets.token_hex(64), algorithm=jwt.get_unverified_header(token)["alg"])
    for headers, cookies in (
        ({"Authorization": "Bearer not-a-jwt"}, None),
        ({"Authorization": f"Bearer {forged}"}, None),
        (None, {"_token": forged}),
    ):
        response = requests.get(url, headers=headers, cookies=cookies, timeout=REQUEST_TIMEOUT_S)
        assert response.status_code in (401, 403), (headers, cookies, response.status_code)
        assert "ai_capex_shock" not in response.text
    for path in ("/regime-radar/data-docs/index.html", "/regime-radar/static/radar.svg"):
        assert requests.get(api_server.base + path, timeout=REQUEST_TIMEOUT_S).status_code == 401, path

    signed_in = requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S)
    assert signed_in.status_code == 200
    assert "ai_capex_shock" in signed_in.text


def test_the_plugin_adds_the_nav_link_and_serves_data_docs(api_server: ApiServer, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    plugins = requests.get(f"{api_server.base}/api/v2/plugins", headers=auth, timeout=REQUEST_TIMEOUT_S).json()
    ours = next(p for p in plugins["plugins"] if p["name"] == "regime_radar")
    assert ours["fastapi_apps"][0]["url_prefix"] == "/regime-radar"
    view = ours["external_views"][0]
    assert (view["name"], view["href"], view["destination"]) == ("Risk flags", PAGE, "nav")

    docs = requests.get(f"{api_server.base}/regime-radar/data-docs/index.html", headers=auth, timeout=30)
    assert docs.status_code == 200 and "Data Docs for the tiny warehouse" in docs.text
    assert docs.headers["content-type"].startswith("text/html")
    escape = requests.get(
        f"{api_server.base}/regime-radar/data-docs/%2e%2e/%2e%2e/gold/risk_flags/year=2025/part-0.parquet",
        headers=auth,
        timeout=REQUEST_TIMEOUT_S,
    )
    assert escape.status_code == 404


def test_the_risk_flags_page_in_chromium(api_server: ApiServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (the test never downloads a browser)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900})
            page.set_default_timeout(30_000)

            # Sign in through Airflow's own login form; it sends us on to the page.
            page.goto(f"{api_server.base}/auth/login?next={api_server.base}{PAGE}")
            page.locator("input[name=username]").fill("admin")
            page.locator("input[name=password]").fill(api_server.password)
            page.locator("button[type=submit]").click()
            page.wait_for_url(f"{api_server.base}{PAGE}*")

            expect(page.locator("h1")).to_have_text("Risk flags")
            expect(page.locator("#asof")).to_have_text(tiny_warehouse.LAST_DAY.isoformat())
            levels = {
                r: page.locator(f".regime[data-regime={r}]").get_attribute("data-level")
                for r in ("composite", "ai_capex", "tariff")
            }
            assert levels == {"composite": "amber", "ai_capex": "green", "tariff": "amber"}

            shock = page.locator("#events tr[data-flag=ai_capex_shock][data-date='2025-01-27']")
            expect(shock).to_have_attribute("data-level", "red")
            expect(shock.locator(".pill.was")).to_have_text("green")  # the change: green → red
            expect(shock.locator(".pill:not(.was)")).to_have_text("red")
            expect(shock.locator(".drivers")).to_contain_text("NVDA_ret")
            expect(shock.locator(".drivers")).to_contain_text("-16.97%")
            evidence = shock.locator(".evidence a")
            expect(evidence).to_have_text("DeepSeek R1 <open weights> & prices")  # escaped, shown as text
            expect(evidence).to_have_attribute("href", tiny_warehouse.EVIDENCE_URL)
            assert page.locator("script").count() == 0 and page.locator("open").count() == 0

            cell = page.locator("svg.chart rect[data-flag=ai_capex_shock][data-date='2025-01-27']")
            expect(cell).to_have_attribute("data-level", "red")
            assert page.locator("svg.chart polyline").count() == 2  # the AI basket and QQQ

            quality = {
                name: page.locator(f"#quality [data-dataset={name}]").get_attribute("data-status")
                for name in ("prices_daily", "risk_flags", "tariff_actions", "market_series")
            }
            assert quality == {
                "prices_daily": "passed",
                "risk_flags": "1 warning",
                "tariff_actions": "failed",
                "market_series": "no results",
            }
            docs_link = page.locator("#quality tr[data-dataset=prices_daily] a")
            expect(docs_link).to_have_text("Data Docs")
            docs = page.request.get(api_server.base + docs_link.get_attribute("href"))
            assert docs.status == 200 and "Data Docs for the tiny warehouse" in docs.text()

            page.screenshot(path=str(ARTIFACTS / "ui-risk-flags.png"), full_page=True)

            # The shock day itself: the AI-capex regime was in shock.
            page.goto(f"{api_server.base}{PAGE}?date=2025-01-27")
            expect(page.locator(".regime[data-regime=ai_capex]")).to_have_attribute("data-level", "red")
            expect(page.locator("#today tr[data-flag=ai_capex_shock]")).to_contain_text("relative_ret")

            # The nav link in Airflow's own UI opens the page inside Airflow.
            page.goto(f"{api_server.base}/")
            page.get_by_role("link", name="Risk flags").first.click()
            frame = page.frame_locator("iframe").first
            expect(frame.locator("h1")).to_have_text("Risk flags")
            page.screenshot(path=str(ARTIFACTS / "ui-risk-flags-in-airflow.png"))
        finally:
            browser.close()
