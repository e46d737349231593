"""Shared fixtures: a real ``streamlit run app.py`` server on a free localhost port, headless Chromium, and a
threaded worker pool for the live view's tests.

The browser fixtures skip (with the reason) when Playwright or a ``chromium`` executable is missing.
Every browser context a test opens through :func:`new_context` is watched: an uncaught page error or a
console error in any of its pages fails the test at teardown, with the messages.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """``streamlit run`` of a page on a free port; :meth:`stop` ends it (and only it)."""

    def __init__(self, page: str = "app.py", deadline: float = 60.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")
        self.log = open(ARTIFACTS / f"streamlit-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                page,
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within {deadline:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def launch_chromium(playwright):
    """Debian's chromium, headless, with the flags this machine's closed network needs."""
    return playwright.chromium.launch(
        executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
    )


class BrowserProblems:
    """Collects uncaught page errors and console errors from every page of the contexts it watches.

    Nothing is filtered. Open the app's pages through its sidebar navigation, not by a deep link: a deep
    link such as ``/Activation_lab`` makes Streamlit's own front end probe ``/Activation_lab/_stcore/health``
    and ``/Activation_lab/_stcore/host-config`` first, and their two 404s are console errors.
    """

    def __init__(self) -> None:
        self.messages: list[str] = []

    def watch(self, context) -> None:
        """Watch every page opened in ``context`` from now on (``new_page`` included)."""
        context.on("page", self.watch_page)

    def watch_page(self, page) -> None:
        page.on("pageerror", lambda error: self.messages.append(f"page error at {page.url}: {error}"))
        page.on("console", lambda message: self._console(page, message))

    def _console(self, page, message) -> None:
        if message.type == "error":
            where = message.location.get("url") or page.url
            self.messages.append(f"console error at {where}: {message.text}")


@pytest.fixture
def new_context(browser):
    """``new_context(**options)``: a browser context whose pages are watched by :class:`BrowserProblems`;
    at teardown the test fails if any page error or console error occurred, then the contexts close."""
    from playwright.sync_api import Error as PlaywrightError

    problems = BrowserProblems()
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        problems.watch(context)
        contexts.append(context)
        return context

    yield make
    try:
        # The sync API hands over browser events only while it talks to the browser: one round trip
        # to each open page delivers every event that page sent before it.
        for context in contexts:
            for page in context.pages:
                try:
                    page.evaluate("0")
                except PlaywrightError as exc:  # a crashed or closed page says so
                    problems.messages.append(f"page {page.url} did not answer: {exc}")
        if problems.messages:
            pytest.fail(
                f"{len(problems.messages)} browser error(s):\n" + "\n".join(problems.messages), pytrace=False
            )
    finally:
        for context in contexts:
            context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def playwright_api():
    missing = None
    try:
        from playwright import sync_api
    except ImportError:
        missing = "playwright is not installed (tests/install.sh installs it)"
    if shutil.which("chromium") is None:
        missing = "no chromium executable on PATH (tests/install.sh installs Debian's chromium)"
    if missing:
        if os.environ.get("CI"):  # CI installs both: a missing browser there is a failure, not a skip
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_api):
    b = launch_chromium(playwright_api)
    yield b
    b.close()


@pytest.fixture(scope="session")
def server(artifacts, playwright_api) -> Iterator[StreamlitServer]:
    s = StreamlitServer()
    yield s
    s.stop()


@pytest.fixture
def threaded():
    """One scheduler in a thread of this process (what NNVIZ_WORKERS=0 gives): no worker processes."""
    from nnviz.playground import workers

    pool = workers.WorkerPool(0)
    yield pool
    pool.close()
