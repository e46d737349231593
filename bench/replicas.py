"""Two replicas behind HAProxy (``deploy/haproxy.cfg``) on this machine: what the load balancer costs, and
what a second replica buys.

Starts two ``streamlit run app.py`` replicas and HAProxy on free localhost ports, exactly as
``tests/test_replicas.py`` does (the same helpers), then measures:

- start-up: both replicas until their health check answers (started side by side), then HAProxy;
- HTTP round trips, straight to replica r1 and through HAProxy pinned to r1 (cookie ``SERVERID=r1``):
  ``/_stcore/health`` and the page's HTML ``/``, each on a new connection; and a WebSocket handshake to
  the frame stream (an unknown token, refused: connect, upgrade request, answer);
- the frame stream in headless Chromium, one learner straight to r1 and one through HAProxy to r1:
  frames a second, epochs a second and the round trip of one frame ("next" sent → frame arrived);
- two learners playing at once, both on r1 versus one on r1 and one on r2 (through HAProxy, pictures
  hidden so that Chromium's painting does not take the cores): frames and epochs a second each;
- each replica's resident memory at the end (with its child processes).

Usage::

    python bench/replicas.py                 # ~1.5 minutes
    python bench/replicas.py --requests 1000 --seconds 15

Browser and servers share this machine's cores: compare the rows with each other, not with a server room.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from conftest import ARTIFACTS, launch_chromium  # noqa: E402
from test_replicas import COUNT_FRAMES, HAProxy, start_replicas  # noqa: E402

HIDE_PICTURES = "[data-testid='stMain'] svg, [data-testid='stMain'] img { display: none !important; }"


def ms(samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    return f"median {1000 * statistics.median(samples):6.2f} ms, p95 {1000 * p95:6.2f} ms"


def get(port: int, path: str, cookie: str | None) -> float:
    """One GET on a new connection (connect, request, whole answer), in seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    t = time.perf_counter()
    conn.request("GET", path, headers={"Cookie": f"SERVERID={cookie}"} if cookie else {})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - t
    conn.close()
    assert response.status == 200, response.status
    return elapsed


def handshake(port: int, cookie: str | None) -> float:
    """A WebSocket handshake to the frame stream with an unknown token (refused), in seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
    headers["Sec-WebSocket-Key"] = base64.b64encode(os.urandom(16)).decode()
    if cookie:
        headers["Cookie"] = f"SERVERID={cookie}"
    t = time.perf_counter()
    conn.request("GET", "/nnviz-live/no-such-token", headers=headers)
    conn.getresponse().read()
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def compare(measure, direct_port: int, lb_port: int, n: int) -> tuple[list[float], list[float]]:
    """``n`` measurements each way, alternating, so that a change of load hits both alike."""
    direct, proxied = [], []
    for _ in range(n):
        direct.append(measure(direct_port, None))
        proxied.append(measure(lb_port, "r1"))
    return direct, proxied


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (a replica may start worker processes)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0])
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError):
            continue
    return total / 1024


def epoch(page) -> int:
    return int(page.locator(".nnviz-epoch").first.inner_text(timeout=10_000).replace(",", ""))


def learners(browser, targets: list[tuple[str, str | None]], seconds: float, hide: bool) -> list[dict]:
    """Open one context per (url, pinned replica), press Play in all, and measure for ``seconds``."""
    contexts, pages = [], []
    for url, pin in targets:
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        context.add_init_script(COUNT_FRAMES)
        if pin:
            context.add_cookies([{"name": "SERVERID", "value": pin, "url": url}])
        page = context.new_page()
        page.goto(url, timeout=60_000)
        page.wait_for_selector(".nnviz-epoch", timeout=60_000)
        contexts.append(context)
        pages.append(page)
    for page in pages:
        page.locator(".st-key-play button").first.click()
    for page in pages:
        page.locator(".st-key-pause button:enabled").first.wait_for(timeout=30_000)
        if hide:
            page.add_style_tag(content=HIDE_PICTURES)
    time.sleep(2)  # warm up
    start = [(time.monotonic(), page.evaluate("window.__live.frames"), epoch(page)) for page in pages]
    time.sleep(seconds)
    results = []
    for page, (t0, f0, e0) in zip(pages, start):
        t1, state, e1 = time.monotonic(), page.evaluate("window.__live"), epoch(page)
        rtt = state["rtt"][len(state["rtt"]) // 3 :]  # after the warm-up
        results.append(
            {
                "fps": (state["frames"] - f0) / (t1 - t0),
                "epochs/s": (e1 - e0) / (t1 - t0),
                "rtt ms": statistics.median(rtt) if rtt else float("nan"),
            }
        )
    for page in pages:
        page.locator(".st-key-pause button").first.click()
    for context in contexts:
        context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="HTTP requests per row")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds measured per browser row")
    args = parser.parse_args()
    ARTIFACTS.mkdir(exist_ok=True)

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    t0 = time.monotonic()
    replicas = start_replicas(2)
    t1 = time.monotonic()
    lb = HAProxy([f"127.0.0.1:{r.port}" for r in replicas])
    t2 = time.monotonic()
    print(f"start-up: two replicas side by side {t1 - t0:.2f} s; HAProxy {1000 * (t2 - t1):.0f} ms")
    r1 = replicas[0]
    try:
        n = args.requests
        for path in ("/_stcore/health", "/"):
            direct, proxied = compare(lambda port, cookie, p=path: get(port, p, cookie), r1.port, lb.port, n)
            print(f"GET {path:25} direct {ms(direct)} | HAProxy {ms(proxied)}")
        direct, proxied = compare(handshake, r1.port, lb.port, n)
        print(f"WebSocket handshake (refused) direct {ms(direct)} | HAProxy {ms(proxied)}")

        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = launch_chromium(p)
            # Each set-up twice, in the order A B B A, so that a drift of the machine's load hits both alike.
            direct, proxied = ("direct to r1", r1.url), ("HAProxy → r1", lb.url)
            for label, url in (direct, proxied, proxied, direct):
                (one,) = learners(browser, [(url, "r1" if url == lb.url else None)], args.seconds, hide=False)
                print(
                    f"1 learner, {label:13} {one['fps']:5.1f} fps, {one['epochs/s']:6.0f} epochs/s, "
                    f"frame round trip median {one['rtt ms']:.1f} ms"
                )
            same, split = ("both on r1", ["r1", "r1"]), ("r1 and r2 ", ["r1", "r2"])
            for label, pins in (same, split, split, same):
                rows = learners(browser, [(lb.url, pin) for pin in pins], args.seconds, hide=True)
                shown = ", ".join(f"{r['fps']:5.1f} fps {r['epochs/s']:6.0f} epochs/s" for r in rows)
                print(f"2 learners (pictures hidden), {label}: {shown}")
            browser.close()
        memory = ", ".join(f"{rss_mb(r.process.pid):.0f} MB" for r in replicas)
        print(f"replica memory (RSS, with child processes): {memory}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        lb.stop()
        for r in replicas:
            r.stop()


if __name__ == "__main__":
    main()
