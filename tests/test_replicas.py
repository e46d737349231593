"""Two replicas of the app behind HAProxy (``deploy/haproxy.cfg``, run as it is), each session on its own.

A session lives in one replica's memory: its Streamlit state, its training, its media files and its
frame-stream token. The load balancer's cookie must send every request of a browser session to that
replica: the page, Streamlit's WebSocket, a file upload, a download and the live view's frame stream. Two
browser contexts (two cookie jars, like two learners) open the app through HAProxy and land on different
replicas. Each uploads a .nn model, plays, pauses and downloads the model. The test then checks, from the
pages, from the replicas and from HAProxy's log, that each session's requests all went to its own replica.

Without affinity (the ``cookie`` line dropped from the config) the test fails at once (no SERVERID
cookie), and learners would see uploads fail with "400 Invalid session_id" and frame streams refused
(HTTP 403 at the handshake) for the requests that reach the other replica (docs/deploy.md).
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ARTIFACTS, ROOT, StreamlitServer, free_port

from nnviz.core import Network

pytestmark = pytest.mark.browser

CONFIG = ROOT / "deploy" / "haproxy.cfg"
NO_EXCEPTION = '[data-testid="stException"]'
#: The playground's model upload (key "upload"; the sidebar has Your data's CSV upload too).
MODEL_UPLOAD = '.st-key-upload [data-testid="stFileUploaderDropzoneInput"]'

# Counts the messages of every frame stream (/nnviz-live/<token>) the page opens, and the time from each
# "next" sent to the frame that answers it.
COUNT_FRAMES = """
(() => {
  const Native = window.WebSocket;
  const live = (window.__live = { urls: [], frames: 0, closes: [], rtt: [] });
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      const address = String(url);
      if (!address.includes("/nnviz-live/")) return;
      live.urls.push(address);
      let sent = null;
      const send = this.send.bind(this);
      this.send = (data) => { sent = performance.now(); send(data); };
      this.addEventListener("message", () => {
        live.frames += 1;
        if (sent !== null) live.rtt.push(performance.now() - sent);
        sent = null;
      });
      this.addEventListener("close", (event) => live.closes.push(event.code));
    }
  };
})();
"""


def haproxy_executable() -> str:
    path = shutil.which("haproxy")
    if path is None:
        reason = "no haproxy executable on PATH (tests/install.sh installs Debian's haproxy)"
        if os.environ.get("CI"):  # CI installs it: missing there is a failure, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@dataclass
class Request:
    """One line of HAProxy's log (``option httplog``): who served what, and which cookie came with it."""

    server: str
    status: int
    cookie: str | None  # the SERVERID the browser sent, None when it sent none
    method: str
    path: str


LOG_LINE = re.compile(
    r"^\S+ \[[^\]]+\] \S+ [^/\s]+/(?P<server>\S+) \S+ (?P<status>-?\d+) \S+ (?P<cookie>\S+) \S+ \S{4} "
    r'\S+ \S+ "(?P<method>[A-Z]+) (?P<path>\S+)'
)


class HAProxy:
    """``haproxy -f <config> -db`` on a free localhost port in front of ``replicas``; :meth:`stop` ends it.

    The config reads its addresses from ``NNVIZ_LB_BIND`` and ``NNVIZ_REPLICA_<n>``: the test runs the
    documented file itself, not a copy.
    """

    def __init__(self, replicas: list[str], config: Path = CONFIG, deadline: float = 15.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, NNVIZ_LB_BIND=f"127.0.0.1:{self.port}")
        env.update({f"NNVIZ_REPLICA_{i}": address for i, address in enumerate(replicas, 1)})
        self.log_path = ARTIFACTS / f"haproxy-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [haproxy_executable(), "-f", str(config), "-db"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        end = time.monotonic() + deadline
        while time.monotonic() < end:  # a bare TCP connect: no request, so the round robin is untouched
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {self.process.returncode}; see {self.log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"haproxy did not listen within {deadline:.0f} s; see {self.log_path}")

    def requests(self) -> list[Request]:
        found = []
        for line in self.log_path.read_text().splitlines():
            m = LOG_LINE.match(line)
            if m:
                cookie = None if m["cookie"] == "-" else m["cookie"].removeprefix("SERVERID=")
                found.append(Request(m["server"], int(m["status"]), cookie, m["method"], m["path"]))
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


def start_replicas(n: int) -> list[StreamlitServer]:
    """``n`` replicas started side by side (each waits for its own health check)."""
    with ThreadPoolExecutor(n) as pool:
        futures = [pool.submit(StreamlitServer) for _ in range(n)]
    started = [f.result() for f in futures if f.exception() is None]
    failed = [f.exception() for f in futures if f.exception() is not None]
    if failed:
        for s in started:
            s.stop()
        raise failed[0]
    return started


@pytest.fixture(scope="module")
def farm(artifacts, playwright_api):
    haproxy_executable()
    t0 = time.monotonic()
    replicas = start_replicas(2)
    t1 = time.monotonic()
    try:
        lb = HAProxy([f"127.0.0.1:{r.port}" for r in replicas])
    except Exception:
        for r in replicas:
            r.stop()
        raise
    t2 = time.monotonic()
    yield replicas, lb
    lb.stop()
    for r in replicas:
        r.stop()
    print(f"\nstart-up: 2 replicas {t1 - t0:.1f} s, haproxy {1000 * (t2 - t1):.0f} ms")


def handshake(port: int, path: str) -> int:
    """The HTTP status of a WebSocket handshake sent straight to one replica (101 = accepted)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
    conn.request("GET", path, headers=headers | {"Sec-WebSocket-Key": key})
    status = conn.getresponse().status
    conn.close()
    return status


def wait_until(condition, deadline: float = 30.0, what: str = "condition"):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")


def epoch(page) -> int:
    return int(page.locator(".nnviz-epoch").first.inner_text(timeout=10_000).replace(",", ""))


def button(page, key: str):
    return page.locator(f".st-key-{key} button").first


def live(page) -> dict:
    return page.evaluate("window.__live")


def test_two_replicas_behind_haproxy_each_session_on_its_own(farm, browser, tmp_path):
    replicas, lb = farm
    port_of = {f"r{i}": r.port for i, r in enumerate(replicas, 1)}  # the config's server names
    model = tmp_path / "replica-test.nn"
    model.write_bytes(Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=1).to_bytes())

    contexts, pages = [], []
    try:
        for _ in range(2):  # two cookie jars: two learners
            context = browser.new_context(viewport={"width": 1400, "height": 1100})
            context.add_init_script(COUNT_FRAMES)
            contexts.append(context)
            page = context.new_page()
            page.goto(lb.url, timeout=60_000)
            page.wait_for_selector(".nnviz-epoch", timeout=60_000)
            pages.append(page)

        # 1. HAProxy pinned each browser to a replica with its cookie, a different one for each.
        served_by = []
        for context in contexts:
            cookies = {c["name"]: c["value"] for c in context.cookies()}
            assert cookies.get("SERVERID") in port_of, f"no SERVERID cookie from HAProxy: {cookies}"
            served_by.append(cookies["SERVERID"])
        assert sorted(served_by) == ["r1", "r2"], f"both sessions on one replica: {served_by}"

        # 2. An upload (HTTP PUT with the session's id) reaches the replica that holds the session.
        for page in pages:
            page.locator(MODEL_UPLOAD).first.set_input_files(str(model))
        for page in pages:
            page.get_by_text("Loaded a model").wait_for(timeout=30_000)
            assert page.get_by_text("Could not load").count() == 0
            assert page.locator(NO_EXCEPTION).count() == 0

        # 3. Both play: the epoch rises and frames arrive on each page's own frame stream.
        for page in pages:
            button(page, "play").click()
        for page in pages:
            wait_until(lambda p=page: button(p, "pause").is_enabled(), what="Pause to be enabled")
            wait_until(lambda p=page: epoch(p) > 20, what="the epoch to rise")
        counted = [live(page)["frames"] for page in pages]
        for page, before in zip(pages, counted):
            wait_until(lambda p=page, b=before: live(p)["frames"] >= b + 5, deadline=10, what="5 more frames")
        seen = [epoch(page) for page in pages]
        for page, before in zip(pages, seen):
            wait_until(lambda p=page, b=before: epoch(p) > b, what="the epoch to keep rising")

        # 4. The frame stream's token exists only on the session's own replica: straight to that replica
        #    the handshake is accepted, straight to the other one it is refused.
        tokens = []
        for page, server in zip(pages, served_by):
            state = live(page)
            assert state["urls"] and all(code in (1000, 1005) for code in state["closes"]), state
            paths = {url.removeprefix(lb.url.replace("http", "ws")) for url in state["urls"]}
            assert len(paths) == 1 and next(iter(paths)).startswith("/nnviz-live/"), state["urls"]
            (path,) = paths
            tokens.append(path)
            other = next(name for name in port_of if name != server)
            assert handshake(port_of[server], path) == 101
            assert handshake(port_of[other], path) == 403  # the replica's answer to an unknown token
        counted = [live(page)["frames"] for page in pages]
        for page, before in zip(pages, counted):
            wait_until(lambda p=page, b=before: live(p)["frames"] >= b + 3, deadline=10, what="frames after")

        for page in pages:
            button(page, "pause").click()
        for page in pages:
            wait_until(lambda p=page: button(p, "play").is_enabled(), what="Play to be enabled again")
            assert page.locator(NO_EXCEPTION).count() == 0
        for page, server in zip(pages, served_by):
            state = live(page)
            rtt = sorted(state["rtt"]) or [float("nan")]
            print(f"\n{server}: {state['frames']} frames, round trip median {rtt[len(rtt) // 2]:.1f} ms")

        # 5. A download (a media file, /media/..., kept by the replica that holds the session) is the model
        #    uploaded to that replica and trained there.
        for i, page in enumerate(pages):
            with page.expect_download(timeout=30_000) as info:
                button(page, "download_nn").click()
            saved = tmp_path / f"download-{i}.nn"
            info.value.save_as(saved)
            nn = Network.from_bytes(saved.read_bytes())
            assert nn.sizes == [2, 3, 1] and nn.metadata["epoch"] > 20, (nn.sizes, nn.metadata)

        # 6. HAProxy's log: every request that carried a cookie went to the replica it names, and each
        #    session's Streamlit socket, upload, frame stream and download went to its own replica.
        requests = lb.requests()
        misrouted = [r for r in requests if r.cookie is not None and r.cookie != r.server]
        assert not misrouted, misrouted
        for server, path in zip(served_by, tokens):
            mine = [r for r in requests if r.cookie == server]
            assert {(r.server, r.status) for r in requests if r.path == path} == {(server, 101)}
            assert any(r.path.startswith("/_stcore/stream") and r.status == 101 for r in mine)
            uploads = [r for r in mine if r.path.startswith("/_stcore/upload_file/") and r.method == "PUT"]
            assert uploads and all(r.status in (200, 204) for r in uploads), uploads
            media = [r for r in mine if r.path.startswith("/media/")]
            assert media and all(r.status == 200 for r in media), media
        refused = [r for r in requests if r.status in (400, 403) or r.status >= 500]
        assert not refused, refused
    finally:
        for context in contexts:
            context.close()
