"""One frame of the playground's live view as text: the status line (HTML), the picture (SVG) and the
inspected neuron (HTML). No Streamlit here: the page shows frames with Streamlit elements while paused
and through the frame stream (:mod:`nnviz.live`) while playing, and both get them from a
:class:`FrameView`.
"""

from __future__ import annotations

import html
import time
import weakref
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from nnviz import render
from nnviz.core.datasets import FEATURES
from nnviz.state import Frame, Metrics, Playground

GRID_N = 100  # boundary grid (the browser scales it smoothly)
MAP_N = 20  # each neuron's small map
AXES = (FEATURES["x1"][0], FEATURES["x2"][0])
#: Longest uninterruptible training stretch of one frame with a fixed number of epochs per frame.
MAX_TRAIN_SECONDS = 0.25


@dataclass
class ViewOptions:
    """The view toggles and the inspected neuron, read from their widgets."""

    show_test: bool = False
    discretize: bool = False
    log_scale: bool = False
    selected: tuple[int, int] | None = None


def output_range(pg: Playground) -> tuple[float, float]:
    return (0.0, 1.0) if pg.dataset.kind == "classification" else (-1.0, 1.0)


def layer_labels(pg: Playground) -> list[str]:
    return [
        f"{'Output' if i == len(pg.nn.layers) - 1 else f'Hidden {i + 1}'} · {layer.activation.label}"
        for i, layer in enumerate(pg.nn.layers)
    ]


def neuron_choices(pg: Playground) -> dict[str, tuple[int, int] | None]:
    """Names of every neuron (inputs included) → (column, index); ``"none"`` → None."""
    choices: dict[str, tuple[int, int] | None] = {"none": None}
    names = ["Input"] + layer_labels(pg)
    for c, count in enumerate(pg.nn.sizes):
        for k in range(count):
            label = FEATURES[pg.features[k]][0] if c == 0 else f"neuron {k + 1}"
            choices[f"{names[c].split(' · ')[0]} · {label}"] = (c, k)
    return choices


def status_html(m: Metrics, fps: float | None = None, rate: float | None = None) -> str:
    """The status line; its hidden stamp (server time, epoch) lets the benchmark measure lag."""
    parts = [f"<b>Epoch</b> <span class='nnviz-epoch'>{m.epoch:,}</span>"]
    if m.batch:
        parts[0] += f" + {m.batch}/{m.batches_per_epoch} batches"
    parts.append(f"train loss <b>{m.train_loss:.4g}</b>")
    parts.append(f"test loss <b>{m.test_loss:.4g}</b>")
    if m.train_accuracy is not None:
        parts.append(f"accuracy <b>{m.train_accuracy:.1%}</b> train")
        if m.test_accuracy is not None:
            parts[-1] += f", <b>{m.test_accuracy:.1%}</b> test"
    if fps is not None and rate is not None:
        parts.append(f"{rate:,.0f} epochs/s · {fps:.0f} fps")
    stamp = f"<span class='nnviz-frame' data-t='{time.time():.3f}' data-epoch='{m.epoch}'></span>"
    return "<div style='font-size:1.05rem'>" + " &nbsp;·&nbsp; ".join(parts) + stamp + "</div>"


class PaceMeter:
    """Frames and epochs per second while playing, smoothed over the last few frames."""

    def __init__(self) -> None:
        self.fps: float | None = None
        self.rate: float | None = None
        self._last: tuple[float, int] | None = None

    def tick(self, epoch: int) -> None:
        now = time.perf_counter()
        if self._last is not None:
            dt = max(1e-3, now - self._last[0])
            fps, rate = 1.0 / dt, (epoch - self._last[1]) / dt
            self.fps = fps if self.fps is None else 0.85 * self.fps + 0.15 * fps
            self.rate = rate if self.rate is None else 0.85 * self.rate + 0.15 * rate
        self._last = (now, epoch)

    def reset(self) -> None:
        self.fps = self.rate = self._last = None


@dataclass(frozen=True)
class NeuronDetail:
    """The inspected neuron: its name, its map large (SVG), and its incoming weights (HTML table)."""

    name: str
    svg: str
    weights_html: str

    def html(self) -> str:
        """Both side by side, as one piece of HTML (the picture as an ``<img>``)."""
        return (
            "<div style='display:flex;gap:2rem;align-items:flex-start'>"
            f"<figure style='margin:0'><img src='{render.svg_data_uri(self.svg)}' width='320'>"
            f"<figcaption style='text-align:center'>{html.escape(self.name)}</figcaption></figure>"
            f"<div>{self.weights_html}</div></div>"
        )


def neuron_detail(pg: Playground, frame: Frame, selected: tuple[int, int]) -> NeuronDetail:
    """The selected neuron's map, large, and its incoming weights."""
    column, k = selected
    d, lo_hi = pg.dataset, output_range(pg)
    maps = frame.maps[column]
    lo, hi = lo_hi if column == len(frame.maps) - 1 else render.map_range(maps)
    big = render.boundary_svg(maps[k], d.box, lo, hi, train=(d.X_train, d.y_train), size=320, labels=AXES)
    name = next(n for n, c in neuron_choices(pg).items() if c == selected)
    if column == 0:
        return NeuronDetail(
            name, big, f"<b>{html.escape(name)}</b> is an input: the feature itself over the box."
        )
    w, b = frame.weights[column - 1][k], frame.biases[column - 1]
    sources = (
        [FEATURES[f][0] for f in pg.features] if column == 1 else [f"neuron {i + 1}" for i in range(len(w))]
    )
    rows = [(src, v) for src, v in zip(sources, w)] + ([("bias", b[k])] if b is not None else [])
    cells = "".join(f"<tr><td>{html.escape(src)}</td><td>{v:+.4f}</td></tr>" for src, v in rows)
    table = f"<table><thead><tr><th>from</th><th>weight</th></tr></thead><tbody>{cells}</tbody></table>"
    return NeuronDetail(name, big, f"<p><b>{html.escape(name)}</b>, incoming weights</p>{table}")


class FrameView:
    """Draws the frames of one session's playground, with the view options of the page's last run.

    Holds only a weak reference to the playground (the frame stream keeps a view after its session
    may be gone), the static part of the boundary picture (points and axes, made once per dataset
    and toggle) and the pace meter.
    """

    def __init__(self, pg: Playground) -> None:
        self._pg = weakref.ref(pg)
        self.opts = ViewOptions()
        self.meter = PaceMeter()
        self._overlay: tuple[Any, str] = (None, "")

    @property
    def playground(self) -> Playground | None:
        return self._pg()

    def overlay(self, pg: Playground) -> str:
        d, s, show_test = pg.dataset, pg.settings, self.opts.show_test
        key = (s.dataset, s.points, s.noise, s.test_ratio, s.data_seed, show_test)
        if self._overlay[0] != key:
            svg = render.boundary_overlay(
                d.box,
                *output_range(pg),
                train=(d.X_train, d.y_train),
                test=(d.X_test, d.y_test) if show_test else None,
                labels=AXES,
            )
            self._overlay = (key, svg)
        return self._overlay[1]

    def advance(self, pg: Playground) -> None:
        """Before a frame: keep a playing run alive (and train its fixed epochs per frame, if set)."""
        if not pg.playing:
            self.meter.reset()
            return
        pg.watched()
        if pg.settings.epochs_per_frame:  # a fixed count, but never so long that a click waits
            pg.train(epochs=pg.settings.epochs_per_frame, seconds=MAX_TRAIN_SECONDS)
        self.meter.tick(pg.epoch)

    def parts(self, pg: Playground) -> tuple[str, str, NeuronDetail | None]:
        """The status line (HTML), the picture (SVG) and the inspected neuron of the current state."""
        with pg.drawing():  # the training thread steps aside meanwhile
            return self._parts(pg)

    def _parts(self, pg: Playground) -> tuple[str, str, NeuronDetail | None]:
        opts, frame, lo_hi = self.opts, pg.frame(GRID_N, MAP_N), output_range(pg)
        boundary = render.boundary_svg(
            frame.grid, pg.dataset.box, *lo_hi, discretize=opts.discretize, overlay=self.overlay(pg)
        )
        curve = render.loss_curve_svg(frame.train_curve, frame.test_curve, log=opts.log_scale, height=414)
        diagram = render.network_svg(
            frame.weights,
            frame.biases,
            frame.maps,
            input_labels=[FEATURES[n][0] for n in pg.features],
            layer_labels=layer_labels(pg),
            output_range=lo_hi,
            selected=opts.selected,
        )
        detail = None if opts.selected is None else neuron_detail(pg, frame, opts.selected)
        status = status_html(frame.metrics, self.meter.fps, self.meter.rate)
        return status, render.dashboard_svg(boundary, curve, diagram), detail

    def next_frame(self) -> dict[str, Any] | Future:
        """The stream's frame maker: a future of :meth:`payload`, made by the training thread."""
        pg = self.playground
        if pg is None:  # the session is gone
            return {"stopped": True}
        pg.watched()  # a playing run's thread is (re)started: it makes the frame between two epochs
        return pg.between_epochs(self.payload)

    def payload(self) -> dict[str, Any]:
        """The next frame for the stream, JSON-ready; ``stopped`` once the run is no longer playing."""
        pg = self.playground
        if pg is None:  # the session is gone
            return {"stopped": True}
        try:
            self.advance(pg)
            status, svg, detail = self.parts(pg)
        except Exception as exc:  # a stream's error would only close the socket: stop and say why
            pg.pause()
            pg.error = f"The live view stopped: {type(exc).__name__}: {exc}"
            return {"stopped": True}
        return {
            "status": status,
            "svg": svg,
            "detail": "" if detail is None else detail.html(),
            "stopped": not pg.playing,
        }
