"""A whole class on one server (issue 11): N learners playing the playground at once against one server.

Usage::

    python bench/classroom.py                          # N = 1, 12 and 30 learners, 15 s windows
    python bench/classroom.py --learners 1 4 --seconds 10
    python bench/classroom.py --learners 30 --memory-minutes 10   # memory of a class playing for 10 min
    python bench/classroom.py --app /tmp/old-checkout   # serve another checkout (e.g. from `git archive`)

The benchmark starts one ``streamlit run app.py --server.headless true --server.port P
--server.address 127.0.0.1`` as the README starts it (no extra environment: ``app.py`` sets its BLAS
threads itself), its log in a temporary file. For each N it opens N learners, each its own browser context
in ONE headless Chromium (the flags of ``tests/conftest.py``), one after another: a learner opens the home
page, waits for the Play button, and is reported (not waited for) when it does not start. Then Play is
pressed in all of them at once, the main area's pictures (``svg``, ``img``, ``canvas``) are hidden with
CSS so that frames are parsed but not painted (this measures the server, not Chromium's painting on the
same two cores), and after a warm-up it measures over a window:

- fps: messages received per second on the learner's WebSockets other than Streamlit's own
  (``/_stcore/stream``), counted in the page by wrapping ``window.WebSocket`` in an init script;
- kB per frame: those messages' payloads as the page receives them (UTF-8 bytes of text, ``byteLength``
  of binary data; what the socket carries as long as Streamlit's ``server.enableWebsocketCompression``
  stays off, its default), 1 kB = 1000 bytes, averaged over all frames;
- epochs/s: the rise of the page's epoch counter (the ``.nnviz-epoch`` element's text);
- server CPU: utime + stime (+ reaped children) from ``/proc/<pid>/stat`` of the server's whole process
  tree (the server and every descendant, found through the parents in ``/proc/*/stat``), as % of one core
  and per delivered frame (training included);
- server RSS: the sum of ``VmRSS`` over the same process tree at the end of the window, and its growth
  per learner over the RSS after one warm-up learner played and left (shared pages of forked workers
  count once per process: an upper bound).

The CPU the server spends making one frame on its own cannot be told apart from training from outside
the server: that figure comes from the server-side micro-benchmark, not from here. Each learner is
paused and its context closed after the window, and the server is left to settle before the next N.
Figures depend on what else runs on the machine: each row also gives the CPU of Chromium (with
Playwright) and of everything else during the window.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: As tests/conftest.py launches Chromium.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1500, "height": 1200}
PLAY = ".st-key-play button"
PAUSE = ".st-key-pause button"
#: Streamlit's main area (1.67: ``<main data-testid="stMain">``; older releases: ``section.main``).
MAIN_AREAS = ('[data-testid="stMain"]', "section.main")
PICTURES = ("svg", "img", "canvas")
HIDDEN = " {display: none !important}"
HIDE_IN_MAIN = ", ".join(f"{area} {tag}" for area in MAIN_AREAS for tag in PICTURES) + HIDDEN
HIDE_ALL = ", ".join(PICTURES) + HIDDEN
TICKS = os.sysconf("SC_CLK_TCK")

#: From issue 11: learners → (each learner's fps, each learner's epochs/s).
PACE_TARGETS = {1: (25.0, 1000.0), 12: (20.0, 57.5), 30: (10.0, 25.0)}
FRAME_KB_TARGET = 8.0
RSS_PER_LEARNER_TARGET_MB = 5.0

# Runs in every page and frame before the page's own scripts: counts the messages of every WebSocket
# that is not Streamlit's own, and their sizes.
COUNT_FRAMES = """
(() => {
  const Native = window.WebSocket;
  const stats = (window.__nnvizBench = { frames: 0, bytes: 0 });
  const utf8 = new TextEncoder();
  const size = (data) =>
    typeof data === "string" ? utf8.encode(data).length : data.byteLength ?? data.size ?? 0;
  class CountingWebSocket extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes("/_stcore/stream")) return;
      this.addEventListener("message", (event) => {
        stats.frames += 1;
        stats.bytes += size(event.data);
      });
    }
  }
  window.WebSocket = CountingWebSocket;
})();
"""

# The counters and the epoch shown (looked for in open shadow roots too), with the page's clock.
READ_COUNTERS = """
() => {
  const find = (root) => {
    const hit = root.querySelector(".nnviz-epoch");
    if (hit) return hit;
    for (const el of root.querySelectorAll("*")) {
      const inner = el.shadowRoot && find(el.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const stats = window.__nnvizBench || { frames: 0, bytes: 0 };
  const epoch = find(document);
  return { t: performance.now(), frames: stats.frames, bytes: stats.bytes,
           epoch: epoch ? epoch.textContent : null };
}
"""

# Hides the pictures: in the top page those of the main area (and in its open shadow roots), in a
# component's frame all of them.
HIDE_PICTURES = """
([areas, inMain, all]) => {
  const add = (root, css) => {
    const style = document.createElement("style");
    style.textContent = css;
    root.appendChild(style);
  };
  if (window !== window.top) { add(document.head, all); return true; }
  const area = document.querySelector(areas);
  if (!area) return false;
  add(document.head, inMain);
  for (const el of area.querySelectorAll("*")) if (el.shadowRoot) add(el.shadowRoot, all);
  return true;
}
"""


# --- the server's process tree ------------------------------------------------------------------


def proc_stat(pid: int) -> list[str] | None:
    """Fields 3.. of ``/proc/<pid>/stat`` (after the command name), or None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := proc_stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """CPU time of these processes and of their children that ended (fields 14–17 of stat)."""
    total = 0
    for pid in pids:
        if (fields := proc_stat(pid)) is not None:
            total += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return total / TICKS


def rss_mb(pids: list[int]) -> float:
    total_kb = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        if match := re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE):
            total_kb += int(match.group(1))
    return total_kb / 1024


def machine_busy_seconds() -> float:
    """CPU time all cores spent not idle since boot (``/proc/stat``)."""
    user, nice, system, idle, iowait, *rest = (int(v) for v in Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + sum(rest)) / TICKS


@dataclass(frozen=True)
class CpuSample:
    wall: float
    server: float
    browser: float  # Chromium and Playwright's driver: every other descendant of this benchmark
    machine: float


def sample_cpu(server_pid: int) -> CpuSample:
    server_tree = process_tree(server_pid)
    ours = [p for p in process_tree(os.getpid()) if p != os.getpid() and p not in set(server_tree)]
    return CpuSample(time.monotonic(), cpu_seconds(server_tree), cpu_seconds(ours), machine_busy_seconds())


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(app_dir: Path, log) -> tuple[subprocess.Popen, str]:
    """``streamlit run app.py`` headless on a free port, in its own process group; its URL once healthy."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=app_dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("streamlit did not answer within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    """End the server and anything it started (its process group)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def settle(server_pid: int, limit: float = 30.0) -> bool:
    """Wait until the server uses under 10 % of a core over a second (sessions closed, training stopped)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        before = cpu_seconds(process_tree(server_pid))
        time.sleep(1.0)
        if cpu_seconds(process_tree(server_pid)) - before < 0.1:
            return True
    return False


# --- learners -----------------------------------------------------------------------------------


@dataclass
class Learner:
    number: int
    context: object
    page: object
    error: str | None = None


@dataclass(frozen=True)
class Counters:
    t_ms: float  # the page's clock
    frames: int
    bytes: int
    epoch: int | None


def open_learner(browser, url: str, number: int, timeout_s: float) -> Learner:
    """A new browser context on the home page, its Play button ready; ``error`` set when it did not start."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(COUNT_FRAMES)
    learner = Learner(number, context, context.new_page())
    try:
        learner.page.goto(url, timeout=timeout_s * 1000)
        learner.page.locator(f"{PLAY}:not([disabled])").first.wait_for(timeout=timeout_s * 1000)
        learner.page.locator(".nnviz-epoch").first.wait_for(timeout=timeout_s * 1000)
    except Exception as exc:  # a timeout or a crashed page: report it, do not hang
        learner.error = f"did not load: {first_line(exc)}"
    return learner


def first_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def open_learners(browser, url: str, n: int, timeout_s: float, server: subprocess.Popen) -> list[Learner]:
    """N learners one after another; gives up on the rest after three failures in a row."""
    learners: list[Learner] = []
    failures_in_a_row = 0
    for number in range(1, n + 1):
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {server.returncode} while learners opened")
        if failures_in_a_row >= 3:
            learners.append(Learner(number, None, None, "not opened: three learners before it failed"))
            continue
        learner = open_learner(browser, url, number, timeout_s)
        failures_in_a_row = failures_in_a_row + 1 if learner.error else 0
        learners.append(learner)
    return learners


def click(page, selector: str) -> None:
    """A click from the page's own script: immediate, without Playwright's waits, for N pages at once."""
    page.evaluate("(sel) => document.querySelector(sel).click()", selector)


def press_play(learners: list[Learner], timeout_s: float) -> None:
    """Play in every learner at once, then wait (one shared deadline) for each to play; hide the pictures."""
    for learner in ready(learners):
        try:
            click(learner.page, PLAY)
        except Exception as exc:
            learner.error = f"Play failed: {first_line(exc)}"
    deadline = time.monotonic() + timeout_s
    for learner in ready(learners):
        remaining_ms = max(1000.0, (deadline - time.monotonic()) * 1000)
        try:
            learner.page.locator(f"{PAUSE}:not([disabled])").first.wait_for(timeout=remaining_ms)
        except Exception as exc:
            learner.error = f"did not start playing: {first_line(exc)}"
            continue
        if not hide_pictures(learner.page):
            learner.error = "main area not found: pictures not hidden (update MAIN_AREAS)"


def hide_pictures(page) -> bool:
    """Hide the main area's pictures in the page and in its component frames; False if no main area."""
    args = [", ".join(MAIN_AREAS), HIDE_IN_MAIN, HIDE_ALL]
    found = page.evaluate(HIDE_PICTURES, args)
    for frame in page.frames[1:]:
        frame.evaluate(HIDE_PICTURES, args)
    return found


def read_counters(page) -> Counters:
    """Frames and bytes over the page and its frames, the epoch shown, the page's clock."""
    readings = [frame.evaluate(READ_COUNTERS) for frame in page.frames]
    shown = next((r["epoch"] for r in readings if r["epoch"] is not None), None)
    digits = re.sub(r"\D", "", shown or "")
    return Counters(
        t_ms=readings[0]["t"],
        frames=sum(r["frames"] for r in readings),
        bytes=sum(r["bytes"] for r in readings),
        epoch=int(digits) if digits else None,
    )


def ready(learners: list[Learner]) -> list[Learner]:
    return [learner for learner in learners if learner.error is None]


def pause_and_close(learners: list[Learner], timeout_s: float = 10.0) -> None:
    """Pause every learner, give the pauses up to ``timeout_s`` to land, close every context."""
    paused = []
    for learner in learners:
        if learner.page is not None:
            try:
                click(learner.page, PAUSE)
                paused.append(learner)
            except Exception:
                pass  # the page may be gone; closing the context ends its session anyway
    deadline = time.monotonic() + timeout_s
    for learner in paused:
        remaining_ms = max(100.0, (deadline - time.monotonic()) * 1000)
        try:
            learner.page.locator(f"{PLAY}:not([disabled])").first.wait_for(timeout=remaining_ms)
        except Exception:
            pass  # still playing: closing its context ends the session, and its training soon after
    for learner in learners:
        if learner.context is not None:
            try:
                learner.context.close()
            except Exception:
                pass


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Window:
    """One measurement window over the learners that play."""

    seconds: float
    fps: list[float]
    epochs_per_s: list[float]
    kb_per_frame: float
    server_cpu_pct: float
    browser_cpu_pct: float
    other_cpu_pct: float
    cpu_ms_per_frame: float
    rss_mb: float
    processes: int  # in the server's tree at the end of the window


def read_all(learners: list[Learner]) -> dict[int, Counters]:
    counters = {}
    for learner in ready(learners):
        try:
            counters[learner.number] = read_counters(learner.page)
        except Exception as exc:
            learner.error = f"page could not be read: {first_line(exc)}"
    return counters


def per_second(before: Counters, after: Counters) -> tuple[float, float | None, int, int]:
    """fps, epochs/s (None without an epoch counter on the page), frames and bytes between two readings."""
    seconds = max(1e-3, (after.t_ms - before.t_ms) / 1000)
    frames, size = after.frames - before.frames, after.bytes - before.bytes
    if before.epoch is None or after.epoch is None:
        return frames / seconds, None, frames, size
    return frames / seconds, (after.epoch - before.epoch) / seconds, frames, size


def measure_window(learners: list[Learner], server_pid: int, seconds: float) -> Window:
    before = read_all(learners)
    cpu0 = sample_cpu(server_pid)
    time.sleep(seconds)
    cpu1 = sample_cpu(server_pid)
    after = read_all(learners)
    rates = [per_second(before[k], after[k]) for k in before if k in after]
    fps = [r[0] for r in rates]
    frames, size = sum(r[2] for r in rates), sum(r[3] for r in rates)
    wall = cpu1.wall - cpu0.wall
    server, browser = cpu1.server - cpu0.server, cpu1.browser - cpu0.browser
    other = max(0.0, (cpu1.machine - cpu0.machine) - server - browser)
    delivered = sum(fps) * wall  # frames delivered over the CPU window, from each learner's rate
    return Window(
        seconds=wall,
        fps=fps,
        epochs_per_s=[r[1] for r in rates if r[1] is not None],
        kb_per_frame=size / frames / 1000 if frames else float("nan"),
        server_cpu_pct=100 * server / wall,
        browser_cpu_pct=100 * browser / wall,
        other_cpu_pct=100 * other / wall,
        cpu_ms_per_frame=1000 * server / delivered if delivered else float("nan"),
        rss_mb=rss_mb(tree := process_tree(server_pid)),
        processes=len(tree),
    )


@dataclass
class ClassRun:
    """N learners: the windows measured while they played, and what went wrong with which learner."""

    learners: int
    failures: list[str]
    windows: list[Window]
    load_before: float

    @property
    def last(self) -> Window | None:
        return self.windows[-1] if self.windows else None


def run_class(
    browser, url: str, server: subprocess.Popen, n: int, args, windows: int, window_s: float, on_window=None
) -> ClassRun:
    """Open N learners, play them all, warm up, measure ``windows`` windows (each passed to ``on_window``);
    always pause and close them."""
    load = os.getloadavg()[0]
    learners = open_learners(browser, url, n, args.load_timeout, server)
    try:
        press_play(learners, args.load_timeout)
        time.sleep(args.warmup)
        measured = []
        for index in range(windows):
            measured.append(measure_window(learners, server.pid, window_s))
            if on_window is not None:
                on_window(index + 1, measured[-1])
            if server.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {server.returncode} while learners played")
    finally:
        pause_and_close(learners)
    failures = [f"learner {x.number} of {n}: {x.error}" for x in learners if x.error is not None]
    return ClassRun(n, failures, measured, load)


def warm_up_server(browser, url: str, server: subprocess.Popen, args) -> float:
    """One learner opens, plays two seconds and leaves (imports, caches); the server's RSS after that."""
    learners = open_learners(browser, url, 1, args.load_timeout, server)
    try:
        if learners[0].error:
            raise RuntimeError(f"the warm-up learner failed: {learners[0].error}")
        press_play(learners, args.load_timeout)
        time.sleep(2.0)
    finally:
        pause_and_close(learners)
    settle(server.pid)
    return rss_mb(process_tree(server.pid))


# --- report -------------------------------------------------------------------------------------

COLUMNS = (
    "learners (playing)", "slowest fps", "median fps", "slowest epochs/s", "median epochs/s", "kB per frame",
    "server CPU % of a core", "server CPU-ms per frame", "server RSS MB", "RSS MB more per learner",
)  # fmt: skip


def learners_text(n: int) -> str:
    return f"{n} learner" + ("" if n == 1 else "s")


def slowest(values: list[float], digits: int) -> str:
    return f"{min(values):.{digits}f}" if values else "—"


def median(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f}" if values else "—"


def rss_growth(w: Window, baseline_mb: float) -> float:
    """Server RSS above the baseline, per learner playing."""
    return (w.rss_mb - baseline_mb) / max(1, len(w.fps))


def table_row(run: ClassRun, baseline_mb: float) -> str:
    w = run.last
    if w is None or not w.fps:
        return f"| {run.learners} (0) |" + " — |" * (len(COLUMNS) - 1)
    cells = [
        f"{run.learners} ({len(w.fps)})",
        slowest(w.fps, 1),
        median(w.fps, 1),
        slowest(w.epochs_per_s, 0),
        median(w.epochs_per_s, 0),
        f"{w.kb_per_frame:.1f}",
        f"{w.server_cpu_pct:.0f}",
        f"{w.cpu_ms_per_frame:.1f}",
        f"{w.rss_mb:.0f}",
        f"{rss_growth(w, baseline_mb):+.1f}",
    ]
    return "| " + " | ".join(cells) + " |"


def machine_line(run: ClassRun) -> str:
    w = run.last
    head = f"  {learners_text(run.learners)}: load average before {run.load_before:.1f}"
    if w is None:
        return head
    return (
        f"{head}; CPU over the {w.seconds:.0f} s window, % of one core (2 cores = 200): "
        f"server {w.server_cpu_pct:.0f} ({w.processes} process{'es' if w.processes > 1 else ''}), "
        f"Chromium + Playwright "
        f"{w.browser_cpu_pct:.0f}, everything else {w.other_cpu_pct:.0f}"
    )


def print_memory_line(minute: int, w: Window) -> None:
    print(
        f"  minute {minute:3d}: server RSS {w.rss_mb:7.1f} MB · fps slowest {slowest(w.fps, 1)}, "
        f"median {median(w.fps, 1)} · server CPU {w.server_cpu_pct:.0f} % · "
        f"everything else {w.other_cpu_pct:.0f} % of one core",
        flush=True,
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def pace_lines(run: ClassRun) -> list[str]:
    """The fps and epochs/s targets for this N, if the issue sets them; a learner that did not play fails."""
    if run.learners not in PACE_TARGETS:
        return []
    fps_goal, rate_goal = PACE_TARGETS[run.learners]
    w = run.last
    fps = w.fps if w else []
    rates = w.epochs_per_s if w else []
    short = "" if len(fps) == run.learners else f" ({run.learners - len(fps)} did not play)"
    who = learners_text(run.learners)
    return [
        f"  {who}: each ≥ {fps_goal:g} fps: slowest {slowest(fps, 1)}{short} → "
        f"{verdict(len(fps) == run.learners and min(fps) >= fps_goal)}",
        f"  {who}: each ≥ {rate_goal:g} epochs/s: slowest {slowest(rates, 0)}{short} → "
        f"{verdict(len(rates) == run.learners and min(rates) >= rate_goal)}",
    ]


def size_and_memory_lines(run: ClassRun, baseline_mb: float) -> list[str]:
    w = run.last
    if w is None or not w.fps:
        return []
    growth = rss_growth(w, baseline_mb)
    return [
        f"  {learners_text(run.learners)}: ≤ {FRAME_KB_TARGET:g} kB per frame on average: "
        f"{w.kb_per_frame:.1f} kB → {verdict(w.kb_per_frame <= FRAME_KB_TARGET)}",
        f"  {learners_text(run.learners)}: server memory ≤ {RSS_PER_LEARNER_TARGET_MB:g} MB more per playing "
        f"learner: {growth:+.1f} MB → {verdict(growth <= RSS_PER_LEARNER_TARGET_MB)}",
    ]


def print_report(runs: list[ClassRun], baseline_mb: float, args) -> None:
    window = f"{args.seconds:g} s" if not args.memory_minutes else "60 s (the last minute's)"
    print(
        f"\nWarm-up {args.warmup:g} s, then a {window} window per N. Server figures are sums over the "
        "server's process tree (the server and all its descendants, e.g. training workers). "
        f"RSS MB more per learner = (RSS while playing − {baseline_mb:.0f} MB after one warm-up learner) "
        "/ learners playing. 1 kB = 1000 bytes of WebSocket message as the page receives it."
    )
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + "---:|" * len(COLUMNS))
    for run in runs:
        print(table_row(run, baseline_mb))
    print("\nThe machine during each window:")
    for run in runs:
        print(machine_line(run))
    print("\nTargets (issue 11):")
    for run in runs:
        for line in pace_lines(run) + size_and_memory_lines(run, baseline_mb):
            print(line)
    print(
        "\nServer CPU-ms to make one frame (without the training between frames) cannot be told apart from "
        "outside the server: it is measured by the server-side micro-benchmark. 'server CPU-ms per frame' "
        "above is all the server's CPU (training included) per frame delivered."
    )
    failures = [f for run in runs for f in run.failures]
    if failures:
        print("\nLearners that did not play (to the end):")
        for failure in failures:
            print("  " + failure)


def print_memory_summary(run: ClassRun) -> None:
    rss = [w.rss_mb for w in run.windows]
    if rss:
        print(
            f"  {learners_text(run.learners)} over {len(rss)} min: "
            f"server RSS {rss[0]:.0f} → {rss[-1]:.0f} MB "
            f"({rss[-1] - rss[0]:+.1f} MB from the first minute to the last; highest {max(rss):.0f})",
            flush=True,
        )


# --- main ---------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 12, 30], help="N to measure (1 12 30)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measurement window per N (default 15)")
    parser.add_argument("--warmup", type=float, default=5.0, help="playing time before the window (5)")
    parser.add_argument("--app", type=Path, default=ROOT, help="the checkout to serve (default: this one)")
    parser.add_argument("--load-timeout", type=float, default=60.0, help="per page load and start (60 s)")
    parser.add_argument(
        "--memory-minutes",
        type=float,
        default=0.0,
        help="instead of the table: play each N for this many minutes, RSS every minute",
    )
    return parser.parse_args()


def measure_classes(browser, url: str, server: subprocess.Popen, args) -> None:
    baseline = warm_up_server(browser, url, server, args)
    print(f"server RSS after one warm-up learner: {baseline:.0f} MB", flush=True)
    runs = []
    for n in args.learners:
        print(f"{learners_text(n)}: opening, playing, measuring…", flush=True)
        if args.memory_minutes:
            minutes = max(1, round(args.memory_minutes))
            run = run_class(browser, url, server, n, args, minutes, 60.0, on_window=print_memory_line)
            print_memory_summary(run)
        else:
            run = run_class(browser, url, server, n, args, 1, args.seconds)
        runs.append(run)
        if not settle(server.pid):
            print("  (the server was still busy 30 s after the learners left)")
    print_report(runs, baseline, args)


def main() -> None:
    args = parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium on PATH")
    log = tempfile.NamedTemporaryFile("w", prefix="classroom-streamlit-", suffix=".log", delete=False)  # noqa: SIM115
    server = None
    ok = False
    try:
        server, url = start_server(args.app, log)
        print(
            f"streamlit run app.py in {args.app} (pid {server.pid}) at {url}; "
            f"load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            try:
                measure_classes(browser, url, server, args)
            finally:
                browser.close()
        ok = True
    finally:
        if server is not None:
            stop_server(server)
        log.close()
        if ok:
            os.unlink(log.name)
        else:
            print(f"the server's log: {log.name}", file=sys.stderr)


if __name__ == "__main__":
    main()
