"""Where a server's time goes when N learners play: the workers' scheduler without browsers.

Run: ``python bench/scheduler.py [--learners 1 12 30] [--workers 2] [--seconds 10] [--fps 30]``.

Each learner is a thread that does what the live view's page does: it seats a playground (the default
set-up, XOR cloud, [4, 2]) on the worker pool and asks for one frame at a time, the next only after the
previous one arrived and at most ``--fps`` a second. Per N it prints every learner's frames and epochs a
second (slowest, median), and from the workers' own counters where each session's time went: training,
making frames, and frames waiting in the queue. It also times making one frame on its own (one process,
no training meanwhile): the CPU a frame costs. No browser: this measures the server's side only
(``bench/classroom.py`` measures the whole class with Chromium).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, no install needed
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from nnviz.playground import frames, workers  # noqa: E402
from nnviz.playground.experiment import Experiment  # noqa: E402
from nnviz.playground.player import Player  # noqa: E402


def frame_cost(repeats: int = 300) -> float:
    """CPU milliseconds to make one frame of the default set-up (data and JSON), in this process."""
    exp = Experiment()
    exp.train(epochs=50)
    start = time.process_time()
    for _ in range(repeats):
        json.dumps(frames.frame(exp, exp.epoch - 1), separators=(",", ":"))
    return (time.process_time() - start) / repeats * 1000


def learner(player: Player, fps: float, stop: threading.Event, out: dict) -> None:
    """Ask for frames as the page does (the next one ``1/fps`` after the last request, once the last frame
    has arrived); count them and the epochs seen."""
    since, count, first, last = -1, 0, None, None
    interval, asked = 1.0 / fps, 0.0
    while not stop.is_set():
        time.sleep(max(0.0, asked + interval - time.monotonic()))
        asked = time.monotonic()
        _, text = player.frame(since).result(60)
        frame = json.loads(text)
        if frame.get("train"):
            since = frame["train"][-1][0]
        count += 1
        first = first or (time.monotonic(), frame["epoch"])
        last = (time.monotonic(), frame["epoch"])
    seconds = last[0] - first[0] if first and last else 0.0
    out["fps"] = (count - 1) / seconds if seconds else 0.0
    out["epochs"] = (last[1] - first[1]) / seconds if seconds else 0.0


def run(n: int, pool: workers.WorkerPool, seconds: float, fps: float) -> None:
    players = [Player(Experiment(), pool=lambda: pool) for _ in range(n)]
    for player in players:
        player.play()
    stop, results, threads = threading.Event(), [{} for _ in players], []
    for player, out in zip(players, results):
        threads.append(threading.Thread(target=learner, args=(player, fps, stop, out), daemon=True))
        threads[-1].start()
    cpu_start = time.process_time()
    time.sleep(seconds)
    stats = pool.stats()
    stop.set()
    for t in threads:
        t.join(60)
    for player in players:
        player.pause()
    rates = sorted(r["fps"] for r in results)
    epochs = sorted(r["epochs"] for r in results)
    seats = [stats[p.key] for p in players if p.key in stats]
    total = sum(s["training"] + s["framing"] for s in seats) or 1.0
    frames_made = sum(s["frames"] for s in seats) or 1
    print(
        f"{n:>3} learners | fps slowest {rates[0]:5.1f} median {statistics.median(rates):5.1f} | "
        f"epochs/s slowest {epochs[0]:7.0f} median {statistics.median(epochs):7.0f} | "
        f"workers' time: training {sum(s['training'] for s in seats) / total:4.0%}, "
        f"frames {sum(s['framing'] for s in seats) / total:4.0%} "
        f"({1000 * sum(s['framing'] for s in seats) / frames_made:.2f} ms each) | "
        f"a frame waited {1000 * sum(s['waiting'] for s in seats) / frames_made:5.2f} ms on average | "
        f"learner threads {100 * (time.process_time() - cpu_start) / seconds:3.0f} % of a core",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 12, 30])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=30.0, help="most frames a learner asks for a second")
    args = parser.parse_args()
    print(f"making one frame (default set-up): {frame_cost():.2f} CPU-ms", flush=True)
    pool = workers.WorkerPool(args.workers)
    try:
        for n in args.learners:
            run(n, pool, args.seconds, args.fps)
    finally:
        pool.close()


if __name__ == "__main__":
    main()
