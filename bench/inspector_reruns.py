"""Seconds the model inspector takes to show a big model: the upload's run and the reruns after it.

Drives ``pages/model_inspector.py`` through Streamlit's AppTest with the issue's two models: a valid
2-2048-2048-1 network (33.6 MB) and a 64-layer network of one unit per layer. Each model is uploaded once,
then the page is rerun three times without a change (what every click elsewhere on the page costs).

Usage::

    OPENBLAS_NUM_THREADS=1 python bench/inspector_reruns.py
    OPENBLAS_NUM_THREADS=1 python bench/inspector_reruns.py --root /tmp/nnviz-before   # another checkout
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--root", default=str(Path(__file__).resolve().parents[1]), help="checkout to time")
    parser.add_argument("--reruns", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    from streamlit.testing.v1 import AppTest

    from nnviz.core import Network

    wide = [(2048, True, "tanh"), (2048, True, "tanh"), (1, True, "sigmoid")]
    deep = [(1, True, "tanh")] * 63 + [(1, True, "sigmoid")]
    models = {"2-2048-2048-1": Network(2, wide, seed=0), "64 layers of 1 unit": Network(2, deep, seed=0)}
    for name, nn in models.items():
        nn.metadata = {"dataset": "xor"}
        data = nn.to_bytes()
        page = Path(args.root) / "pages" / "model_inspector.py"
        at = AppTest.from_file(str(page), default_timeout=900).run()
        start = time.perf_counter()
        at.file_uploader(key="insp.file").set_value((f"{name}.nn", data, "application/octet-stream")).run()
        upload = time.perf_counter() - start
        reruns = []
        for _ in range(args.reruns):
            start = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - start)
        problems = [e.value for e in at.error] + [e.message for e in at.exception]
        print(
            f"{name} ({len(data):,} bytes): upload {upload:.2f} s, reruns "
            f"{', '.join(f'{t:.2f}' for t in reruns)} s{'  problems: ' + str(problems) if problems else ''}"
        )


if __name__ == "__main__":
    main()
