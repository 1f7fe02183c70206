"""External links: syntax always, reachability with ``corpus check --online``.

The network part is careful with other people's servers and with CI time:
a timeout per request, a bounded thread pool, retries with exponential
back-off on 429 and 5xx (honouring ``Retry-After``), ``HEAD`` first and
``GET`` when a server refuses ``HEAD``, and an on-disk cache of good answers
(``.corpus_cache/links.json``) so a second run asks again only after the
cache expires.  Failures are never cached: a dead link is re-checked on every
run, so fixing it (or the site coming back) shows at once.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CACHE_FILE = Path(".corpus_cache") / "links.json"
CACHE_VERSION = 1
USER_AGENT = "Mozilla/5.0 (compatible; corpus-link-check/0.1)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_HOST_LABEL = re.compile(r"^[\w-]+$", re.UNICODE)
_MISSING_COLON = re.compile(r"^(https?)//", re.IGNORECASE)


# ----------------------------------------------------------------------- syntax


def url_problem(url: str) -> str | None:
    """What is wrong with an http(s) URL's syntax, or None.  No network."""
    if any(ch.isspace() for ch in url):
        return f'URL "{url}" contains a space: encode it as %20 or remove it'
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f'URL "{url}" is malformed: {exc}'
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None
    if not parts.netloc:
        return f'URL "{url}" has no host: write {scheme}://host/path'
    host = parts.hostname or ""
    if not host:
        return f'URL "{url}" has no host: write {scheme}://host/path'
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return f'URL "{url}" has an invalid port'
    if parts.netloc.startswith("[") or _is_ipv4(host) or host == "localhost":
        return None
    labels = host.rstrip(".").split(".")
    for label in labels:
        if not label or not _HOST_LABEL.match(label) or label.startswith("-") or label.endswith("-"):
            return f'URL "{url}" has an invalid host name "{host}"'
    if len(labels) < 2:
        return f'URL "{url}" has host "{host}" without a domain: write the full name (e.g. {host}.com)'
    return None


def scheme_typo(target: str) -> str | None:
    """A message when ``target`` looks like a web address with a mistyped scheme."""
    m = _MISSING_COLON.match(target)
    if m:
        return f'"{target}" lacks the ":" after {m.group(1)}: write {m.group(1)}://'
    if target.lower().startswith("www."):
        return f'"{target}" has no scheme, so it is read as a file path: write https://{target}'
    scheme, colon, _rest = target.partition(":")
    if colon and scheme.isalpha() and scheme.lower() not in ("http", "https"):
        close = difflib.get_close_matches(scheme.lower(), ["http", "https"], n=1, cutoff=0.75)
        if close:
            return f'URL "{target}" has the unknown scheme "{scheme}"; did you mean "{close[0]}"?'
    return None


def _is_ipv4(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and 0 <= int(p) <= 255 for p in parts)


# ------------------------------------------------------------------------ model


@dataclass(frozen=True)
class Options:
    timeout: float = 10.0
    concurrency: int = 8
    retries: int = 2
    backoff: float = 0.5  # first retry waits this long, then twice as long...
    max_wait: float = 30.0  # longest Retry-After honoured
    cache_seconds: float = 7 * 24 * 3600.0


@dataclass(frozen=True)
class UrlResult:
    url: str
    ok: bool
    status: int | None = None
    error: str = ""
    checked: float = 0.0

    def describe(self) -> str:
        if self.status is not None:
            import http.client

            reason = http.client.responses.get(self.status, "")
            return f"answered {self.status}{(' ' + reason) if reason else ''}"
        return self.error or "failed"


# ------------------------------------------------------------------------ cache


class LinkCache:
    """Good answers by URL, with the time they were seen; a JSON file.

    A missing, unreadable or corrupt file is an empty cache (never an error):
    the cache only saves time.
    """

    def __init__(self, path: Path | None, max_age: float):
        self.path = path
        self.max_age = max_age
        self.entries: dict[str, dict[str, Any]] = {}
        self.dirty = False
        self._lock = threading.Lock()
        if path is not None:
            self.entries = _read_cache(path)

    def get(self, url: str, now: float | None = None) -> UrlResult | None:
        entry = self.entries.get(url)
        if entry is None:
            return None
        now = time.time() if now is None else now
        checked = entry.get("checked")
        if not isinstance(checked, (int, float)) or now - checked > self.max_age or checked > now + 60:
            return None
        status = entry.get("status")
        return UrlResult(url, True, status if isinstance(status, int) else None, "", float(checked))

    def put(self, result: UrlResult) -> None:
        if not result.ok:
            with self._lock:
                if self.entries.pop(result.url, None) is not None:
                    self.dirty = True
            return
        with self._lock:
            self.entries[result.url] = {"status": result.status, "checked": result.checked}
            self.dirty = True

    def save(self) -> None:
        """Write atomically (temporary file + rename); a failure to write is ignored."""
        if self.path is None or not self.dirty:
            return
        now = time.time()
        fresh = {u: e for u, e in self.entries.items()
                 if isinstance(e.get("checked"), (int, float)) and now - e["checked"] <= self.max_age}
        data = json.dumps({"version": CACHE_VERSION, "entries": fresh}, ensure_ascii=False, indent=1, sort_keys=True)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.path.parent / ".gitignore"
            if not ignore.exists():  # the cache never belongs in version control
                ignore.write_text("# Created by corpus: nothing here belongs in version control.\n*\n",
                                  encoding="ascii")
            import tempfile

            fd, tmp = tempfile.mkstemp(prefix=".links.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(data)
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return
        self.dirty = False


def _read_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    entries = data.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {str(k): v for k, v in entries.items() if isinstance(v, dict)}


# ---------------------------------------------------------------------- network


# The network modules load on first use: an offline check (the default)
# never needs them, and they cost a pre-commit run ~15 ms of imports.
@functools.cache
def _opener() -> Any:
    import urllib.request

    class NoRedirectBody(urllib.request.HTTPRedirectHandler):
        """Follow redirects, keeping HEAD as HEAD (older Pythons turned it into GET)."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            new = super().redirect_request(req, fp, code, msg, headers, newurl)
            if new is not None and req.get_method() == "HEAD":
                new.method = "HEAD"
            return new

    return urllib.request.build_opener(NoRedirectBody())


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def _request(url: str, method: str, timeout: float) -> tuple[int | None, str, str | None]:
    """(status, error, Retry-After header) of one request."""
    import http.client
    import socket
    import urllib.error
    import urllib.request

    req = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
    try:
        with _opener().open(req, timeout=timeout) as resp:
            if method == "GET":
                resp.read(1024)  # enough to know the body starts; never download it all
            return resp.status, "", None
    except urllib.error.HTTPError as exc:
        retry_after = exc.headers.get("Retry-After") if exc.headers else None
        exc.close()
        return exc.code, "", retry_after
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return None, f"timed out after {timeout:g}s", None
        if isinstance(reason, ConnectionRefusedError):
            return None, "could not connect: connection refused", None
        if isinstance(reason, socket.gaierror):
            return None, "could not resolve the host name", None
        return None, f"could not connect: {reason}", None
    except TimeoutError:
        return None, f"timed out after {timeout:g}s", None
    except (http.client.HTTPException, ConnectionError, OSError, ValueError) as exc:
        return None, f"could not fetch: {exc.__class__.__name__}: {exc}".rstrip(": "), None


def check_url(url: str, options: Options, *, sleep: Callable[[float], None] = time.sleep,
              request: Callable[[str, str, float], tuple[int | None, str, str | None]] = _request) -> UrlResult:
    """Check one URL: HEAD, with retries on 429/5xx; then GET if HEAD did not say yes."""
    status: int | None = None
    error = ""
    for method in ("HEAD", "GET"):
        for attempt in range(options.retries + 1):
            status, error, retry_after = request(url, method, options.timeout)
            if status is not None and 200 <= status < 400:
                return UrlResult(url, True, status, "", time.time())
            if status not in RETRY_STATUSES or attempt == options.retries:
                break
            wait = _retry_after(retry_after, time.time())
            if wait is None:
                wait = options.backoff * (2 ** attempt)
            sleep(min(wait, options.max_wait))
        if status is None and error.startswith(("could not resolve", "could not connect: connection refused")):
            break  # GET cannot reach a host HEAD could not reach
        if status == 429:
            break  # still rate-limited after the retries: asking again with GET only adds load
    return UrlResult(url, False, status, error, time.time())


class OnlineChecker:
    """Checks URLs once per run (results shared by every note) and keeps the cache."""

    def __init__(self, options: Options, cache: LinkCache,
                 check: Callable[[str, Options], UrlResult] | None = None):
        self.options = options
        self.cache = cache
        self.results: dict[str, UrlResult] = {}
        self._check = check or (lambda url, opts: check_url(url, opts))

    def check(self, urls: Iterable[str]) -> dict[str, UrlResult]:
        wanted = list(dict.fromkeys(urls))
        todo: list[str] = []
        for url in wanted:
            if url in self.results:
                continue
            cached = self.cache.get(url)
            if cached is not None:
                self.results[url] = cached
            else:
                todo.append(url)
        if todo:
            from concurrent.futures import ThreadPoolExecutor

            workers = max(1, min(self.options.concurrency, len(todo)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="corpus-link") as pool:
                for url, result in zip(todo, pool.map(lambda u: self._check(u, self.options), todo), strict=True):
                    self.results[url] = result
                    self.cache.put(result)
            self.cache.save()
        return {url: self.results[url] for url in wanted}
