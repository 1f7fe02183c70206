"""External links: syntax offline, and the network checker against a local server.

The server is http.server on 127.0.0.1 in a thread; no test leaves this machine.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.online import (
    CACHE_FILE,
    LinkCache,
    OnlineChecker,
    Options,
    UrlResult,
    check_url,
    scheme_typo,
    url_problem,
)

FAST = Options(timeout=2.0, concurrency=4, retries=2, backoff=0.01, max_wait=5.0)


class Handler(BaseHTTPRequestHandler):
    hits: Counter[tuple[str, str]] = Counter()
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - http.server's signature
        pass

    def _answer(self, method: str) -> None:
        with self.lock:
            self.hits[(method, self.path)] += 1
            count = self.hits[(method, self.path)]
        status, headers = 200, dict[str, str]()
        if self.path == "/missing":
            status = 404
        elif self.path == "/flaky":  # rate-limited once, then fine
            status, headers = (429, {"Retry-After": "1"}) if count == 1 else (200, {})
        elif self.path == "/error":
            status = 500
        elif self.path == "/slow":
            time.sleep(1.5)
        elif self.path == "/nohead" and method == "HEAD":
            status = 405
        elif self.path == "/redirect":
            status, headers = 301, {"Location": "/ok"}
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if method == "GET":
            self.wfile.write(b"ok")

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._answer("HEAD")

    def do_GET(self) -> None:  # noqa: N802
        self._answer("GET")


@pytest.fixture()
def server() -> Iterator[str]:
    Handler.hits = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


# ------------------------------------------------------------------ syntax


@pytest.mark.parametrize(("url", "problem"), [
    ("https://arxiv.org/abs/2103.00020", None),
    ("http://localhost:8000/x", None),
    ("http://127.0.0.1:9/", None),
    ("https://[::1]:8080/", None),
    ("https://例子.测试/路径", None),
    ("https:/arxiv.org", "has no host"),
    ("https:///x", "has no host"),
    ("https://exa mple.com", "contains a space"),
    ("https://arxiv/abs", "without a domain"),
    ("http://bad!host.com", "invalid host name"),
    ("http://example.com:99999", "invalid port"),
    ("http://[::1/", "malformed"),
])
def test_url_problem(url: str, problem: str | None) -> None:
    found = url_problem(url)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_scheme_typo() -> None:
    assert "https" in (scheme_typo("htps://x.org") or "")
    assert ":" in (scheme_typo("https//x.org") or "")
    assert "https://www.x.org" in (scheme_typo("www.x.org") or "")
    assert scheme_typo("mailto:a@b.c") is None
    assert scheme_typo("./a.md") is None


# ------------------------------------------------------------------ network


def test_ok_missing_redirect(server: str) -> None:
    assert check_url(f"{server}/ok", FAST).ok
    assert check_url(f"{server}/redirect", FAST).ok
    missing = check_url(f"{server}/missing", FAST)
    assert not missing.ok and missing.status == 404 and missing.describe() == "answered 404 Not Found"
    # HEAD said 404, so GET was asked too before giving up.
    assert Handler.hits[("HEAD", "/missing")] == 1 and Handler.hits[("GET", "/missing")] == 1


def test_head_refused_falls_back_to_get(server: str) -> None:
    result = check_url(f"{server}/nohead", FAST)
    assert result.ok and result.status == 200
    assert Handler.hits[("HEAD", "/nohead")] == 1 and Handler.hits[("GET", "/nohead")] == 1


def test_429_is_retried_after_retry_after(server: str) -> None:
    waits: list[float] = []
    result = check_url(f"{server}/flaky", FAST, sleep=waits.append)
    assert result.ok
    assert waits == [1.0]  # the server's Retry-After, not the back-off
    assert Handler.hits[("HEAD", "/flaky")] == 2


def test_5xx_backs_off_exponentially_then_fails(server: str) -> None:
    waits: list[float] = []
    result = check_url(f"{server}/error", FAST, sleep=waits.append)
    assert not result.ok and result.status == 500
    assert waits == [0.01, 0.02, 0.01, 0.02]  # HEAD: 2 retries, then GET: 2 retries
    assert Handler.hits[("HEAD", "/error")] == 3 and Handler.hits[("GET", "/error")] == 3


def test_slow_server_times_out(server: str) -> None:
    result = check_url(f"{server}/slow", Options(timeout=0.3, retries=0))
    assert not result.ok and result.status is None and "timed out" in result.error


def test_refused_connection_is_not_retried() -> None:
    waits: list[float] = []
    result = check_url("http://127.0.0.1:9/", FAST, sleep=waits.append)
    assert not result.ok and "refused" in result.error and waits == []


def test_concurrency_is_bounded(server: str) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def fake(url: str, options: Options) -> UrlResult:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return UrlResult(url, True, 200, "", time.time())

    checker = OnlineChecker(Options(concurrency=3), LinkCache(None, 3600), check=fake)
    results = checker.check(f"{server}/{i}" for i in range(12))
    assert len(results) == 12 and peak <= 3


# ------------------------------------------------------------------ cache


def test_cache_round_trip_expiry_and_atomic_write(tmp_path: Path) -> None:
    path = tmp_path / CACHE_FILE
    cache = LinkCache(path, max_age=3600)
    now = time.time()
    cache.put(UrlResult("https://a.example.com", True, 200, "", now))
    cache.put(UrlResult("https://b.example.com", False, 404, "", now))  # failures are not kept
    cache.save()
    assert sorted(p.name for p in path.parent.iterdir()) == [".gitignore", "links.json"]  # no temp file left
    again = LinkCache(path, max_age=3600)
    assert again.get("https://a.example.com") is not None
    assert again.get("https://b.example.com") is None
    assert again.get("https://a.example.com", now=now + 7200) is None  # expired
    assert LinkCache(path, max_age=0).get("https://a.example.com", now=now + 1) is None


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": 99, "entries": {}}',
                                     '{"version": 1, "entries": []}', '{"version": 1, "entries": {"u": 3}}'])
def test_corrupt_cache_is_ignored(tmp_path: Path, content: str) -> None:
    path = tmp_path / "links.json"
    path.write_text(content, encoding="utf-8")
    cache = LinkCache(path, max_age=3600)
    assert cache.get("u") is None
    cache.put(UrlResult("https://a.example.com", True, 200, "", time.time()))
    cache.save()
    assert "https://a.example.com" in json.loads(path.read_text(encoding="utf-8"))["entries"]


def test_cached_answers_skip_the_network(tmp_path: Path, server: str) -> None:
    cache = LinkCache(tmp_path / "links.json", 3600)
    OnlineChecker(FAST, cache).check([f"{server}/ok"])
    assert Handler.hits[("HEAD", "/ok")] == 1
    OnlineChecker(FAST, LinkCache(tmp_path / "links.json", 3600)).check([f"{server}/ok"])
    assert Handler.hits[("HEAD", "/ok")] == 1


# ------------------------------------------------------------------ CLI


def test_check_online_flag(tmp_path: Path, server: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "."\n\n[tool.corpus.links]\nretries = 0\n',
                                             encoding="utf-8")
    note = tmp_path / "note.md"
    note.write_text(f"# N\n\n[ok]({server}/ok) [gone]({server}/missing#x) [gone again]({server}/missing)\n",
                    encoding="utf-8")
    args = ["check", str(note), "--config", str(tmp_path / "pyproject.toml"), "--select", "LNK014"]
    assert main(args) == 0  # offline: nothing is requested
    assert not Handler.hits
    capsys.readouterr()
    assert main([*args, "--online", "--exit-zero"]) == 0
    out = capsys.readouterr().out
    assert out.count("LNK014") == 2 and "answered 404 Not Found" in out
    assert Handler.hits[("HEAD", "/missing")] == 1  # asked once for both links
    cached = json.loads((tmp_path / CACHE_FILE).read_text(encoding="utf-8"))["entries"]
    assert list(cached) == [f"{server}/ok"]


def test_a_large_online_run_asks_each_url_once(tmp_path: Path, server: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # Enough notes that the cross-file phase would be forked. Every URL must
    # still be requested once: /shared appears only in notes past the first
    # ones the main process finishes, so forked workers would each ask.
    from pipeline.runner import PARALLEL_THRESHOLD

    (tmp_path / "pyproject.toml").write_text('[tool.corpus]\nroot = "."\n\n[tool.corpus.links]\nretries = 0\n',
                                             encoding="utf-8")
    count = 5 * PARALLEL_THRESHOLD
    for i in range(count):
        shared = f" [shared]({server}/shared)" if i >= 2 * PARALLEL_THRESHOLD else ""
        (tmp_path / f"n{i:03d}.md").write_text(f"# N{i}\n\n[own]({server}/page{i}){shared}\n", encoding="utf-8")
    args = ["check", str(tmp_path), "--config", str(tmp_path / "pyproject.toml"), "--select", "LNK014",
            "--online", "--jobs", "2"]
    assert main(args) == 0
    capsys.readouterr()
    assert Handler.hits[("HEAD", "/shared")] == 1
    assert sum(Handler.hits.values()) == count + 1
