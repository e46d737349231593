"""One frame of the playground's live view as text: the status line (HTML), the picture (SVG) and the
inspected neuron (HTML). No Streamlit here: the page shows frames with Streamlit elements while paused
and through the frame stream (:mod:`nnviz.playground.live`) while playing, and both get them from a
:class:`FrameView`.
"""

from __future__ import annotations

import html
import time
import weakref
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from nnviz.core.datasets import FEATURES
from nnviz.drawing.boundary import boundary_overlay, boundary_svg
from nnviz.drawing.loss_curve import loss_curve_svg
from nnviz.drawing.network_diagram import map_range, network_svg
from nnviz.drawing.svg import dashboard_svg, svg_data_uri
from nnviz.playground.experiment import Experiment, FrameArrays, Metrics
from nnviz.playground.player import Player

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


def output_range(exp: Experiment) -> tuple[float, float]:
    """The outputs' colour range: 0–1 for 0/1 labels, -1–1 for regression targets."""
    return (0.0, 1.0) if exp.dataset.kind == "classification" else (-1.0, 1.0)


def layer_labels(exp: Experiment) -> list[str]:
    """A title per layer: ``"Hidden 1 · tanh"``, ..., ``"Output · sigmoid"``."""
    return [
        f"{'Output' if i == len(exp.nn.layers) - 1 else f'Hidden {i + 1}'} · {layer.activation.label}"
        for i, layer in enumerate(exp.nn.layers)
    ]


def neuron_choices(exp: Experiment) -> dict[str, tuple[int, int] | None]:
    """Names of every neuron (inputs included) → (column, index); ``"none"`` → None."""
    choices: dict[str, tuple[int, int] | None] = {"none": None}
    names = ["Input"] + layer_labels(exp)
    for c, count in enumerate(exp.nn.sizes):
        for k in range(count):
            label = FEATURES[exp.features[k]][0] if c == 0 else f"neuron {k + 1}"
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
            f"<figure style='margin:0'><img src='{svg_data_uri(self.svg)}' width='320'>"
            f"<figcaption style='text-align:center'>{html.escape(self.name)}</figcaption></figure>"
            f"<div>{self.weights_html}</div></div>"
        )


def neuron_detail(exp: Experiment, frame: FrameArrays, selected: tuple[int, int]) -> NeuronDetail:
    """The selected neuron's map, large, and its incoming weights."""
    column, k = selected
    d, lo_hi = exp.dataset, output_range(exp)
    maps = frame.maps[column]
    lo, hi = lo_hi if column == len(frame.maps) - 1 else map_range(maps)
    big = boundary_svg(maps[k], d.box, lo, hi, train=(d.X_train, d.y_train), size=320, labels=AXES)
    name = next(n for n, c in neuron_choices(exp).items() if c == selected)
    if column == 0:
        return NeuronDetail(
            name, big, f"<b>{html.escape(name)}</b> is an input: the feature itself over the box."
        )
    w, b = frame.weights[column - 1][k], frame.biases[column - 1]
    sources = (
        [FEATURES[f][0] for f in exp.features] if column == 1 else [f"neuron {i + 1}" for i in range(len(w))]
    )
    rows = [(src, v) for src, v in zip(sources, w)] + ([("bias", b[k])] if b is not None else [])
    cells = "".join(f"<tr><td>{html.escape(src)}</td><td>{v:+.4f}</td></tr>" for src, v in rows)
    table = f"<table><thead><tr><th>from</th><th>weight</th></tr></thead><tbody>{cells}</tbody></table>"
    return NeuronDetail(name, big, f"<p><b>{html.escape(name)}</b>, incoming weights</p>{table}")


class FrameView:
    """Draws the frames of one session's playground, with the view options of the page's last run.

    Holds only a weak reference to the player (the frame stream keeps a view after its session
    may be gone), the static part of the boundary picture (points and axes, made once per dataset
    and toggle) and the pace meter.
    """

    def __init__(self, player: Player) -> None:
        self._player = weakref.ref(player)
        self.opts = ViewOptions()
        self.meter = PaceMeter()
        self._overlay: tuple[Any, str] = (None, "")

    @property
    def player(self) -> Player | None:
        return self._player()

    def overlay(self, exp: Experiment) -> str:
        d, s, show_test = exp.dataset, exp.settings, self.opts.show_test
        key = (s.dataset, s.points, s.noise, s.test_ratio, s.data_seed, show_test)
        if self._overlay[0] != key:
            svg = boundary_overlay(
                d.box,
                *output_range(exp),
                train=(d.X_train, d.y_train),
                test=(d.X_test, d.y_test) if show_test else None,
                labels=AXES,
            )
            self._overlay = (key, svg)
        return self._overlay[1]

    def advance(self, player: Player) -> None:
        """Before a frame: keep a playing run alive (and train its fixed epochs per frame, if set)."""
        if not player.playing:
            self.meter.reset()
            return
        player.watched()
        exp = player.experiment
        if exp.settings.epochs_per_frame:  # a fixed count, but never so long that a click waits
            exp.train(epochs=exp.settings.epochs_per_frame, seconds=MAX_TRAIN_SECONDS)
            if exp.error:  # diverged: stop, the page shows why
                player.pause()
        self.meter.tick(exp.epoch)

    def parts(self, player: Player) -> tuple[str, str, NeuronDetail | None]:
        """The status line (HTML), the picture (SVG) and the inspected neuron of the current state."""
        with player.drawing():  # the training thread steps aside meanwhile
            return self._parts(player.experiment)

    def _parts(self, exp: Experiment) -> tuple[str, str, NeuronDetail | None]:
        opts, frame, lo_hi = self.opts, exp.frame(GRID_N, MAP_N), output_range(exp)
        boundary = boundary_svg(
            frame.grid, exp.dataset.box, *lo_hi, discretize=opts.discretize, overlay=self.overlay(exp)
        )
        curve = loss_curve_svg(frame.train_curve, frame.test_curve, log=opts.log_scale, height=414)
        diagram = network_svg(
            frame.weights,
            frame.biases,
            maps=frame.maps,
            input_labels=[FEATURES[n][0] for n in exp.features],
            layer_labels=layer_labels(exp),
            output_range=lo_hi,
            selected=opts.selected,
        )
        detail = None if opts.selected is None else neuron_detail(exp, frame, opts.selected)
        status = status_html(frame.metrics, self.meter.fps, self.meter.rate)
        return status, dashboard_svg(boundary, curve, diagram), detail

    def next_frame(self) -> dict[str, Any] | Future:
        """The stream's frame maker: a future of :meth:`payload`, made by the training thread."""
        player = self.player
        if player is None:  # the session is gone
            return {"stopped": True}
        player.watched()  # a playing run's thread is (re)started: it makes the frame between two epochs
        return player.between_epochs(self.payload)

    def payload(self) -> dict[str, Any]:
        """The next frame for the stream, JSON-ready; ``stopped`` once the run is no longer playing."""
        player = self.player
        if player is None:  # the session is gone
            return {"stopped": True}
        try:
            self.advance(player)
            status, svg, detail = self.parts(player)
        except Exception as exc:  # a stream's error would only close the socket: stop and say why
            player.pause()
            player.experiment.error = f"The live view stopped: {type(exc).__name__}: {exc}"
            return {"stopped": True}
        return {
            "status": status,
            "svg": svg,
            "detail": "" if detail is None else detail.html(),
            "stopped": not player.playing,
        }
