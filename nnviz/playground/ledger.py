"""The session's runs: every run kept with its settings and loss history, to compare them.

Pure Python (no Streamlit). A *run* begins where training starts afresh (a new network, Reset, Same
start, an upload) and is numbered in the session; when it ends, :class:`Ledger` keeps it as a
:class:`RunRecord` (settings, thinned loss logs, final numbers, and for the newest runs the trained
network, for drawing its boundary). Memory is bounded: at most :data:`MAX_KEPT` records, each history
at most :data:`HISTORY_POINTS` points (thinned like :class:`~nnviz.playground.loss_log.LossLog`), networks
for the newest :data:`MAX_DRAWN` only. The restorable earlier runs (:class:`Run`, "Earlier runs") are
the last :data:`MAX_RUNS` networks replaced by a rebuild.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz.core import Network
from nnviz.core.datasets import Dataset
from nnviz.drawing.boundary import boundary_svg
from nnviz.playground.classes import boundary_grid, boundary_view
from nnviz.playground.loss_log import LossLog
from nnviz.playground.settings import FIELDS, Settings
from nnviz.playground.snapshots import Metrics
from nnviz.playground.wording import difference, layer_text

#: How many earlier (trained) runs a session keeps restorable.
MAX_RUNS = 5
#: Most runs the ledger keeps (the oldest go first), most points of each kept loss history, and how many
#: of the newest runs keep their trained network (to draw its boundary).
MAX_KEPT, HISTORY_POINTS, MAX_DRAWN = 100, 256, 10
#: Most note lines a run keeps about what happened to it besides training.
MAX_NOTES = 4


@dataclass
class RunStart:
    """Where a run began: its number in the session, where its initial weights came from ("seed": the
    weight seed, "file": an uploaded network), the run whose start it shares (Reset, Same start), and
    notes on what besides its settings shaped it (a weight edited, training settings changed midway)."""

    number: int
    origin: str = "seed"
    same_as: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def reproducible(self) -> bool:
        """Whether its settings alone rebuild it: weights from the seed, nothing changed midway."""
        return self.origin == "seed" and not self.notes

    def note(self, text: str) -> None:
        """Remember what happened (the first :data:`MAX_NOTES` notes, each once)."""
        if text not in self.notes and len(self.notes) < MAX_NOTES:
            self.notes.append(text)


@dataclass
class Run:
    """An earlier run, restorable: kept when a rebuild replaced it."""

    label: str
    settings: Settings
    nn: Network
    initial: Network
    epoch: int
    train_log: LossLog
    test_log: LossLog
    start: RunStart = field(default_factory=lambda: RunStart(0))


def thinned(log: LossLog, points: int = HISTORY_POINTS) -> LossLog:
    """A copy of ``log`` of at most about ``points`` points (evenly thinned; the latest point exact)."""
    small = LossLog(points)
    epochs, values = log.arrays()
    for e, v in zip(epochs.tolist(), values.tolist()):
        small.add(int(e), v)
    return small


@dataclass
class RunRecord:
    """A run as the ledger keeps it: its start, settings, length, thinned losses and final numbers."""

    start: RunStart
    settings: Settings
    epochs: int
    train_log: LossLog
    test_log: LossLog
    final: Metrics
    nn: Network | None  # the trained network; None once older than the newest MAX_DRAWN runs

    @property
    def number(self) -> int:
        return self.start.number

    @classmethod
    def of(
        cls, start: RunStart, settings: Settings, logs: tuple[LossLog, LossLog], final: Metrics, nn: Network
    ) -> RunRecord:
        """A record of a run (copies: the run may go on)."""
        start = replace(start, notes=list(start.notes))
        return cls(start, settings, final.epoch, thinned(logs[0]), thinned(logs[1]), final, nn.copy())

    def label(self, current: Settings) -> str:
        """``"#3 · learning rate 0.1"``: the run's number and what it set differently from ``current``."""
        return f"#{self.number} · {difference(self.settings, current)}"


class Ledger:
    """The session's ended runs, oldest first, bounded (see the module docstring)."""

    def __init__(self, most: int = MAX_KEPT, drawn: int = MAX_DRAWN) -> None:
        self.records: list[RunRecord] = []
        self.most, self.drawn = most, drawn
        self.numbered = 0

    def new_number(self) -> int:
        """The next run's number (1, 2, ...)."""
        self.numbered += 1
        return self.numbered

    def keep(self, record: RunRecord) -> None:
        """Keep ``record`` as the newest (replacing an older record of the same run)."""
        self.take(record.number)
        self.records.append(record)
        del self.records[: max(0, len(self.records) - self.most)]
        for old in self.records[: -self.drawn]:
            old.nn = None

    def take(self, number: int) -> RunRecord | None:
        """Remove and return the record of run ``number`` (None if it is not kept)."""
        for i, record in enumerate(self.records):
            if record.number == number:
                return self.records.pop(i)
        return None

    def get(self, number: int) -> RunRecord | None:
        return next((r for r in self.records if r.number == number), None)


# --- reading the ledger ---------------------------------------------------------------------------

#: The CSV's columns besides one per setting of :data:`~nnviz.playground.settings.FIELDS`.
RUN_COLUMNS = ("run", "current", "initial weights", "same start as")
LAYER_COLUMNS = ("hidden layers", "output")
RESULT_COLUMNS = ("epochs", "train loss", "test loss", "train accuracy", "test accuracy", "notes")


def _cell(value: object) -> object:
    if isinstance(value, tuple):
        return " ".join(map(str, value))
    if isinstance(value, float):
        return "" if not np.isfinite(value) else repr(value)
    return "" if value is None else value


def run_row(record: RunRecord, current: bool = False) -> dict[str, object]:
    """One run as a row: its number, settings (one column per field), layers, length and final numbers."""
    s, m = record.settings, record.final
    row: dict[str, object] = {
        "run": record.number,
        "current": "yes" if current else "",
        "initial weights": "uploaded file" if record.start.origin == "file" else f"seed {s.weight_seed}",
        "same start as": record.start.same_as,
    }
    row.update({name: getattr(s, name) for name in FIELDS})
    row["hidden layers"] = "; ".join(layer_text(layer) for layer in s.hidden)
    row["output"] = layer_text(s.output, size=False)
    row.update(
        {
            "epochs": record.epochs,
            "train loss": m.train_loss,
            "test loss": m.test_loss,
            "train accuracy": m.train_accuracy,
            "test accuracy": m.test_accuracy,
            "notes": "; ".join(record.start.notes),
        }
    )
    return {key: _cell(value) for key, value in row.items()}


def summary_rows(records: list[RunRecord], current: RunRecord) -> list[dict[str, object]]:
    """The runs as the page's table shows them, the current one first, then the newest: what each set
    differently from the current run, its start, its length and its final numbers."""
    rows = []
    for record in [current, *reversed(records)]:
        this, m = record is current, record.final
        same = record.start.same_as
        rows.append(
            {
                "run": f"#{record.number}" + (" (this one)" if this else ""),
                "set differently": "" if this else difference(record.settings, current.settings),
                "initial weights": run_row(record)["initial weights"] + (f", as #{same}" if same else ""),
                "epochs": record.epochs,
                "train loss": m.train_loss,
                "test loss": m.test_loss,
                "test accuracy": m.test_accuracy,
            }
        )
    return rows


def ledger_csv(records: list[RunRecord], current: int | None = None) -> str:
    """The runs as CSV text, one row per run (``current``: the number of the run still going on)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*RUN_COLUMNS, *FIELDS, *LAYER_COLUMNS, *RESULT_COLUMNS])
    writer.writeheader()
    for record in records:
        writer.writerow(run_row(record, record.number == current))
    return out.getvalue()


def boundary_picture(nn: Network, dataset: Dataset, features: tuple[str, ...], size: int = 340) -> str:
    """A run's decision boundary over its training points, as SVG (drawn on the server, once per click)."""
    with np.errstate(all="ignore"):  # huge weights may overflow: drawn as mid
        grid = boundary_grid(nn, dataset.box, 100, list(features))
    return boundary_svg(grid, boundary_view(dataset), size=size)


__all__ = [
    "MAX_RUNS",
    "Ledger",
    "Run",
    "RunRecord",
    "RunStart",
    "boundary_picture",
    "ledger_csv",
    "run_row",
    "summary_rows",
    "thinned",
]
