"""How fast a seed-lab run's child process ends when its browser tab closes, or when Stop is pressed.

Starts ``streamlit run app.py`` on a free localhost port, opens the seed lab in headless Chromium
(Playwright), chooses a run of several seconds (article 000's set-up, 1000 copies, float64), presses
*Train all copies*, waits until the training child (the server's only process at niceness 10) has run for
a while, then closes the tab (or presses Stop) and measures, by polling ``/proc`` every 5 ms, how long the
child lives on. Prints each trial and the largest time.

Usage::

    python bench/seed_lab_stop.py                 # 5 trials of closing the tab, 5 of pressing Stop
    python bench/seed_lab_stop.py --trials 10
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start")


def niced_processes() -> set[int]:
    """Processes of this user at niceness 10 or more (the training children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[16]) >= 10 and fields[0] not in ("Z", "X"):  # field 19 of stat: nice
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) not in ("Z", "X")
    except OSError:
        return False


def trial(browser, url: str, how: str) -> float:
    before = niced_processes()
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.get_by_role("link", name="Seed robustness lab").click()
    page.get_by_role("button", name="Train all copies").wait_for(timeout=60_000)
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("End")  # 1000 copies
    page.get_by_text("float32 (faster)").click()  # float64: a longer run
    time.sleep(1.0)
    page.get_by_role("button", name="Train all copies").click()
    deadline = time.monotonic() + 30
    child = None
    while child is None and time.monotonic() < deadline:
        new = niced_processes() - before
        child = min(new) if new else None
        time.sleep(0.02)
    if child is None:
        raise RuntimeError("no training child appeared")
    page.get_by_text("training…").wait_for(timeout=30_000)  # progress is being shown
    time.sleep(0.5)
    start = time.monotonic()
    if how == "close":
        page.close()
    else:
        page.get_by_test_id("stBaseButton-secondary").filter(has_text="Stop").click()  # the page's own Stop
    while alive(child):
        time.sleep(0.005)
    took = time.monotonic() - start
    if how != "close":
        page.close()
    return took


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    server, url = start_server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                        args=CHROMIUM_ARGS)  # fmt: skip
            for how in ("close", "stop"):
                times = [trial(browser, url, how) for _ in range(args.trials)]
                shown = ", ".join(f"{t:.2f}" for t in times)
                what = "tab closed" if how == "close" else "Stop pressed"
                print(f"{what}: the child ended after {shown} s (largest {max(times):.2f} s)")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
