"""The one HTTP client every live feed uses: timeouts, retries, rate limits, size caps, redaction."""

from __future__ import annotations

import http.client
import json
import logging
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

import requests
import urllib3.exceptions

from regime_radar.sources.base import Payload, SourceError

log = logging.getLogger("regime_radar.http")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
EXPECTED_KINDS = ("json", "xml", "csv", "xlsx")
REDACTED = "***"

# Query parameters whose values are credentials, compared after lower-casing and dropping "-"/"_".
_SECRET_PARAM_NAMES = frozenset({"apikey", "key", "token", "accesstoken", "password", "secret", "crumb"})
_SECRET_PARAM_SUFFIXES = ("apikey", "token", "secret", "password")
_QUERY_PARAM = re.compile(r"(?<=[?&;])([A-Za-z0-9_.~%\[\]-]+)=([^&#\s'\"<>]*)")
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]*@")
_SNIPPET_CHARS = 200
# urllib3 logs request lines (with query strings) at DEBUG; these loggers get a redacting filter.
_THIRD_PARTY_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.util.retry",
    "urllib3.response",
)


class FetchError(SourceError):
    """A request failed for good; the message names the redacted URL, the attempts and the last cause."""

    def __init__(self, message: str, *, url: str = "", attempts: int = 0, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.attempts = attempts
        self.status = status


class _Retry(Exception):
    """An attempt failed in a way worth retrying; carries the redacted cause."""

    def __init__(self, cause: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.status = status
        self.retry_after = retry_after


class _Fail(Exception):
    """An attempt failed in a way no retry will fix; carries the final message."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class HttpClient:
    """A requests session with the retry, pacing, size and redaction rules every feed shares."""

    def __init__(
        self,
        *,
        user_agent: str = "regime-radar/0.1",
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_bytes: int = 50_000_000,
        rate_limits: Mapping[str, float] | None = None,
        secrets: Iterable[str] = (),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_bytes = max_bytes
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        self._intervals: dict[str, float] = {}
        self._next_slot: dict[str, float] = {}
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        for host, per_second in (rate_limits or {}).items():
            self.set_rate_limit(host, per_second)
        for secret in secrets:
            self.add_secret(secret)
        _LOG_REDACTOR.register(self)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release pooled connections."""
        self.session.close()

    def add_secret(self, value: str) -> None:
        """Redact `value` (and its URL-encoded forms) from every URL, log line and error from now on."""
        if not value or not value.strip():
            return
        forms = {value, quote(value, safe=""), quote_plus(value, safe="")}
        with self._lock:
            self._secrets = tuple(sorted(set(self._secrets) | forms, key=len, reverse=True))

    def set_rate_limit(self, host: str, per_second: float) -> None:
        """Space successive requests to `host` (a hostname, or host:port) at least 1/per_second apart."""
        if per_second <= 0:
            raise ValueError(f"rate limit for {host} must be positive, not {per_second}")
        with self._lock:
            self._intervals[host.lower()] = 1.0 / per_second

    def redact(self, text: str) -> str:
        """Remove registered secrets, credential-like query values and URL passwords from `text`."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _QUERY_PARAM.sub(_redact_param, text)
        return _URL_USERINFO.sub(REDACTED + "@", text)

    def get(
        self,
        url: str,
        *,
        name: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        expect: str | None = None,
    ) -> Payload:
        """Download `url` with retries and return its body as a Payload named `name`."""
        if expect is not None and expect not in EXPECTED_KINDS:
            raise ValueError(f"expect must be one of {EXPECTED_KINDS}, not {expect!r}")
        try:
            full_url = requests.Request("GET", url, params=params).prepare().url or url
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"cannot build a request: {self._describe(exc)}", url=self.redact(url)) from None
        shown = self.redact(full_url)
        failure: FetchError | None = None
        for attempt in range(1, self.max_attempts + 1):
            started = self._clock()
            try:
                status, content_type, body = self._attempt(url, full_url, shown, params, headers)
                if expect is not None:
                    _check_body(expect, body, shown, self.redact)
            except _Retry as retry:
                if attempt == self.max_attempts:
                    log.warning("GET %s: %s; giving up after %d attempts", shown, retry.cause, attempt)
                    failure = FetchError(
                        f"GET {shown} failed after {attempt} attempts; last cause: {retry.cause}",
                        url=shown,
                        attempts=attempt,
                        status=retry.status,
                    )
                    break
                wait = self._backoff(attempt, retry.retry_after)
                log.warning(
                    "GET %s: %s; retrying in %.2f s (attempt %d/%d)",
                    shown,
                    retry.cause,
                    wait,
                    attempt,
                    self.max_attempts,
                )
                self._sleep(wait)
                continue
            except _Fail as fail:
                log.warning("%s (attempt %d/%d, not retried)", fail.message, attempt, self.max_attempts)
                failure = FetchError(fail.message, url=shown, attempts=attempt, status=fail.status)
                break
            log.info(
                "GET %s -> %d, %d bytes in %.2f s (attempt %d/%d)",
                shown,
                status,
                len(body),
                self._clock() - started,
                attempt,
                self.max_attempts,
            )
            return Payload(
                name=name,
                body=body,
                url=shown,
                status=status,
                content_type=content_type,
                fetched_at=datetime.now(UTC),
                meta={},
            )
        assert failure is not None
        # Raised outside any except block so no exception holding the unredacted URL is chained to it.
        raise failure

    def _attempt(
        self,
        url: str,
        full_url: str,
        shown: str,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
    ) -> tuple[int, str | None, bytes]:
        """Send one request and read its body, classifying every failure as retryable or final."""
        self._wait_for_slot(full_url)
        try:
            response = self.session.get(
                url,
                params=params,
                headers=dict(headers or {}),
                stream=True,
                timeout=(self.connect_timeout, self.timeout),
            )
        except requests.exceptions.Timeout as exc:
            raise _Retry(f"timed out ({self._describe(exc)})") from None
        except requests.exceptions.ConnectionError as exc:
            raise _Retry(f"connection failed ({self._describe(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise _Fail(f"GET {shown} could not be sent: {self._describe(exc)}") from None
        with response:
            status = response.status_code
            if status in RETRY_STATUSES:
                snippet = _snippet(_read_prefix(response), self.redact)
                retry_after = _retry_after(response) if status in RETRY_AFTER_STATUSES else None
                raise _Retry(f"HTTP {status} {snippet!r}", status=status, retry_after=retry_after)
            if not 200 <= status < 300:
                snippet = _snippet(_read_prefix(response), self.redact)
                raise _Fail(f"GET {shown} answered HTTP {status} (not retried): {snippet!r}", status=status)
            body = self._read_body(response, shown)
            return status, response.headers.get("Content-Type"), body

    def _read_body(self, response: requests.Response, shown: str) -> bytes:
        """Stream the body, refusing it once it passes max_bytes and retrying when it arrives cut short."""
        declared = _content_length(response)
        if declared is not None and declared > self.max_bytes:
            raise _Fail(
                f"GET {shown} refused: oversized body, Content-Length {declared} exceeds the "
                f"{self.max_bytes}-byte limit"
            )
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=64 * 1024):
                size += len(chunk)
                if size > self.max_bytes:
                    raise _Fail(f"GET {shown} refused: oversized body, more than {self.max_bytes} bytes received")
                chunks.append(chunk)
        except (
            requests.exceptions.ChunkedEncodingError,
            urllib3.exceptions.ProtocolError,
            http.client.IncompleteRead,
        ) as exc:
            raise _Retry(f"truncated body ({self._describe(exc)})", status=response.status_code) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise _Retry(f"body read failed ({self._describe(exc)})", status=response.status_code) from None
        except requests.exceptions.RequestException as exc:
            raise _Fail(f"GET {shown}: unreadable body: {self._describe(exc)}", response.status_code) from None
        body = b"".join(chunks)
        encoded = response.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
        if declared is not None and not encoded and len(body) != declared:
            raise _Retry(f"truncated body ({len(body)} of {declared} declared bytes)", status=response.status_code)
        return body

    def _wait_for_slot(self, full_url: str) -> None:
        """Sleep until this host's rate limit allows another request, and book that slot."""
        parts = urlsplit(full_url)
        host = (parts.hostname or "").lower()
        keys = (f"{host}:{parts.port}", host) if parts.port else (host,)
        with self._lock:
            key = next((k for k in keys if k in self._intervals), None)
            if key is None:
                return
            now = self._clock()
            slot = max(now, self._next_slot.get(key, now))
            self._next_slot[key] = slot + self._intervals[key]
        if slot > now:
            self._sleep(slot - now)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before the next attempt: the server's Retry-After, else full-jitter backoff."""
        if retry_after is not None:
            return min(self.backoff_cap, retry_after)
        return min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)) * self._random.random()

    def _describe(self, exc: BaseException) -> str:
        return self.redact(f"{type(exc).__name__}: {exc}")


def _redact_param(match: re.Match[str]) -> str:
    name = match.group(1)
    if _is_secret_param(unquote(name)):
        return f"{name}={REDACTED}"
    return match.group(0)


def _is_secret_param(name: str) -> bool:
    folded = re.sub(r"[-_\[\]]", "", name.lower())
    return folded in _SECRET_PARAM_NAMES or folded.endswith(_SECRET_PARAM_SUFFIXES)


def _content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _read_prefix(response: requests.Response, limit: int = 4096) -> bytes:
    """The first bytes of an error body, for the message; failures to read it do not matter."""
    try:
        return response.raw.read(limit, decode_content=True) or b""
    except (OSError, http.client.HTTPException, urllib3.exceptions.HTTPError):
        return b""


def _retry_after(response: requests.Response) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or an HTTP-date), if it said."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _snippet(body: bytes, redact: Callable[[str], str], limit: int = _SNIPPET_CHARS) -> str:
    text = " ".join(body[: limit * 4].decode("utf-8", "replace").split())
    text = redact(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _stripped(body: bytes) -> bytes:
    return body.removeprefix(b"\xef\xbb\xbf").lstrip()


def _looks_like_html(body: bytes) -> bool:
    head = _stripped(body)[:1024].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return True
    # XHTML: an XML prolog followed by an html doctype or root element.
    return head.startswith(b"<?xml") and re.search(rb"<!doctype\s+html|<html[\s>]", head) is not None


def _parses_as_json(body: bytes) -> bool:
    try:
        json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def _what_came_back(body: bytes) -> str:
    head = _stripped(body)
    if not head:
        return "an empty body"
    if _looks_like_html(body):
        return "an HTML page"
    if head.startswith(b"<"):
        return "an XML document"
    if head[:1] in (b"{", b"[") and _parses_as_json(body):
        return "a JSON document"
    if body.startswith(b"PK\x03\x04"):
        return "a ZIP archive"
    return f"{len(body)} bytes of something else"


def _check_body(expect: str, body: bytes, shown: str, redact: Callable[[str], str]) -> None:
    """Refuse a body that is not the kind of document the caller asked for."""
    head = _stripped(body)
    if expect == "json":
        ok = _parses_as_json(body)
    elif expect == "xml":
        ok = head.startswith((b"<?xml", b"<rss", b"<feed")) and not _looks_like_html(body)
    elif expect == "csv":
        ok = bool(head) and not head.startswith(b"<") and not (head[:1] in (b"{", b"[") and _parses_as_json(body))
    else:
        ok = body.startswith(b"PK\x03\x04")
    if not ok:
        label = expect.upper() if expect != "xlsx" else "an XLSX workbook"
        raise _Fail(f"expected {label} from {shown}, got {_what_came_back(body)}: {_snippet(body, redact)!r}")


class _LogRedactor(logging.Filter):
    """Scrubs every live client's secrets from third-party log records (urllib3 logs full URLs)."""

    def __init__(self) -> None:
        super().__init__()
        self._clients: weakref.WeakSet[HttpClient] = weakref.WeakSet()
        self._installed = False
        self._lock = threading.Lock()

    def register(self, client: HttpClient) -> None:
        with self._lock:
            self._clients.add(client)
            if not self._installed:
                for name in _THIRD_PARTY_LOGGERS:
                    logging.getLogger(name).addFilter(self)
                self._installed = True

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for client in list(self._clients):
            message = client.redact(message)
        record.msg, record.args = message, None
        return True


_LOG_REDACTOR = _LogRedactor()
