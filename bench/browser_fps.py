"""Frames drawn per second, epochs per second and lag of the playing playground, in headless Chromium.

Starts ``streamlit run app.py`` on a free localhost port, opens the page in Debian's chromium through
Playwright, presses Play and samples the page on every animation frame:

- fps shown: boundary pictures the page drew per second (each a ``putImageData`` of the output grid, counted
  by wrapping the canvas API in an init script);
- frames received: frames that arrived on the live view's WebSocket per second (a frame arriving while the
  previous one is still being drawn is drawn only if it is the latest: received ≥ shown);
- epochs/s: the Epoch counter's rise per second;
- lag: from a frame's arrival to the drawing that follows it (the page's clock);
- memory: the server's RSS and the page's JS heap at the start and the end of the run.

Usage::

    python bench/browser_fps.py                     # XOR [4,2] and spiral, 20 s each
    python bench/browser_fps.py --seconds 600 --only xor   # ten minutes: memory over time

A set-up is picked with the page's ``?preset=`` address parameter; ``xor`` is the page's default
(XOR cloud, 4-2 tanh, batch 10, learning rate 0.03: TensorFlow Playground's set-up on its XOR data).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "xor": "",  # the page's default set-up
    "spiral": "Spiral: 8-8-8 tanh, Adam",
    "circle": "TensorFlow Playground default",
}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
TF_PLAYGROUND_EPOCHS_PER_S = 57  # one epoch per animation frame, measured on XOR with [4, 2]

#: The grid's side in a frame (``nnviz/playground/frames.py``'s ``GRID_N``): how the boundary's heat image
#: is told apart from the neuron maps among the page's canvas writes.
GRID_N = 64

# Installed before the page's own scripts: counts the frames the live view receives (its WebSocket, not
# Streamlit's) and the boundary pictures it draws (each a ``putImageData`` of a GRID_N × GRID_N image),
# and for each drawing how long after the latest frame's arrival it happened.
SAMPLER = """
(() => {
  const s = (window.__nn = { received: [], drawn: [], lags: [] });
  const Native = window.WebSocket;
  let arrived = null;
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes("/_stcore/stream")) return;
      this.addEventListener("message", () => { arrived = performance.now(); s.received.push(arrived); });
    }
  };
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (image, ...rest) {
    if (image.width === GRID && arrived !== null) {
      const now = performance.now();
      s.drawn.push(now);
      s.lags.push(now - arrived);
    }
    return put.call(this, image, ...rest);
  };
})();
""".replace("GRID", str(GRID_N))

EPOCH = """
() => {
  const find = (root) => root.querySelector(".nnviz-epoch")
    || [...root.querySelectorAll("*")].map((el) => el.shadowRoot && find(el.shadowRoot)).find(Boolean);
  const shown = find(document);
  return [performance.now(), shown ? parseInt(shown.textContent.replace(/\\D/g, "")) : NaN];
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("streamlit did not start within 60 s")


def measure(browser, url: str, preset: str, seconds: float, pid: int, every: float) -> dict:
    page = browser.new_page(viewport={"width": 1500, "height": 1200})
    page.add_init_script(SAMPLER)
    if preset:
        url += "/?preset=" + urllib.parse.quote(preset)
    page.goto(url, timeout=60_000)
    page.wait_for_selector(".nnviz-epoch", timeout=60_000)
    page.locator(".st-key-play button").first.click()
    page.locator(".st-key-pause button:not([disabled])").first.wait_for(timeout=30_000)
    time.sleep(1.0)  # let the loop settle
    page.evaluate("() => { window.__nn.received = []; window.__nn.drawn = []; window.__nn.lags = []; }")
    first = page.evaluate(EPOCH)
    heap0 = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize / 1048576 : NaN")
    memory = [(0.0, rss_mb(pid), heap0)]
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        time.sleep(min(every, seconds - elapsed))
        heap = page.evaluate("() => performance.memory ? performance.memory.usedJSHeapSize / 1048576 : NaN")
        memory.append((time.monotonic() - start, rss_mb(pid), heap))
    data = page.evaluate("() => window.__nn")
    last = page.evaluate(EPOCH)
    page.locator(".st-key-pause button").first.click()
    page.close()
    span = (last[0] - first[0]) / 1000
    lags = sorted(data["lags"]) or [float("nan")]
    return {
        "fps": len(data["drawn"]) / span,
        "received_fps": len(data["received"]) / span,
        "epochs_per_s": (last[1] - first[1]) / span,
        "lag_median": statistics.median(lags) / 1000,
        "lag_p95": lags[int(0.95 * (len(lags) - 1))] / 1000,
        "memory": memory,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="playing time per set-up (default 20)")
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append", help="set-ups to run")
    parser.add_argument("--every", type=float, default=5.0, help="memory sampling interval in seconds")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium on PATH")
    proc, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores shared with the browser)")
            for name in args.only or ["xor", "spiral"]:
                r = measure(browser, url, SCENARIOS[name], args.seconds, proc.pid, args.every)
                mem = r["memory"]
                rate, lag, p95 = r["epochs_per_s"], r["lag_median"] * 1000, r["lag_p95"] * 1000
                print(
                    f"{name:7s} fps shown {r['fps']:5.1f} · frames received {r['received_fps']:5.1f}/s · "
                    f"epochs/s {rate:7.0f} ({rate / TF_PLAYGROUND_EPOCHS_PER_S:.1f}× TF Playground) · "
                    f"lag median {lag:.0f} ms, p95 {p95:.0f} ms"
                )
                print(
                    f"        server RSS {mem[0][1]:.0f} → {mem[-1][1]:.0f} MB, JS heap {mem[0][2]:.0f} → "
                    f"{mem[-1][2]:.0f} MB over {args.seconds:.0f} s"
                )
                if len(mem) > 3:
                    print(
                        "        t/s, RSS MB, heap MB: "
                        + "; ".join(f"{t:.0f}, {a:.0f}, {b:.0f}" for t, a, b in mem)
                    )
            print(f"load average after: {os.getloadavg()[0]:.2f}")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
