"""One session's experiment: the data, network, trainer and loss logs that the settings build.

Pure Python over :mod:`nnviz.core` (no Streamlit, no threads), so every rule here is unit-tested:
:class:`Experiment` owns one session's dataset, network, trainer, loss logs and earlier runs. The
settings it applies are in :mod:`nnviz.playground.settings`; :mod:`nnviz.playground.player` trains it
in the background while the page plays.

What a change resets: a change in the *data* or *architecture* groups rebuilds the network (the
trained one is kept in :attr:`Experiment.runs`); a change in the *training* group keeps the weights
and the epoch count (the learning rate alone even keeps the optimizer's state); *speed* changes
nothing but the pace. Every run that ends is kept in :attr:`Experiment.ledger` (:mod:`.ledger`).
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from nnviz.core import Network, Trainer, activation_from
from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import Dataset, apply_features, make_dataset
from nnviz.core.errors import DivergedError, NNVizError, SpecError
from nnviz.model_file import ModelRecord
from nnviz.playground import your_data
from nnviz.playground.classes import output_units
from nnviz.playground.ledger import MAX_RUNS, Ledger, Run, RunRecord, RunStart
from nnviz.playground.loss_log import LossLog
from nnviz.playground.settings import (
    CUSTOM,
    FIELDS,
    REBUILDS,
    LayerSettings,
    Settings,
    SettingsError,
    changed_groups,
    describe,
    field_errors,
    layer_paths,
    settings_from_network,
    settings_to_dict,
)
from nnviz.playground.snapshots import FrameArrays, Metrics, TrainingState, frame_arrays, metrics_of
from nnviz.playground.wording import divergence_message, explosion_warning

DataMaker = Callable[..., Dataset]


class Experiment:
    """One session's experiment: data, network, trainer, loss logs, earlier runs.

    Attributes read by other pages: ``nn`` (the :class:`Network`), ``features`` (input feature names),
    ``dataset`` (:class:`~nnviz.core.datasets.Dataset`), ``X_train`` and ``settings``.

    Parameters
    ----------
    settings : Settings, optional
    make_data : callable, default :func:`nnviz.core.datasets.make_dataset`
        ``make_data(name, n, noise, test_ratio, seed) -> Dataset``; the app passes a cached one.
    own : Dataset, optional
        "Your data" (:mod:`.your_data`; default: an empty canvas), the data while ``settings.dataset`` is
        "custom" (:meth:`set_data`); it stays for the session.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        make_data: DataMaker = make_dataset,
        own: Dataset | None = None,
    ) -> None:
        self._make_data = make_data
        self.own = own if own is not None else your_data.empty()
        self.lock = threading.RLock()  # training (the player's thread) vs. drawing, clicks and downloads
        self.error: str | None = None  # why training stopped (divergence)
        self.notice: str | None = None  # what the last change did
        self.runs: list[Run] = []
        self.ledger = Ledger()
        self.epochs_per_second = 0.0
        self._activations: dict[str, Any] = {}
        settings = settings or Settings()
        self.check(settings)
        self.settings = settings
        self._build_data()
        self._build_network()

    # -- building --------------------------------------------------------------------------------

    @property
    def features(self) -> list[str]:
        return list(self.settings.features)

    def activation(self, layer: LayerSettings):
        """The layer's activation, parsed once per session per formula."""
        key = layer.fn
        if key not in self._activations:
            self._activations[key] = activation_from(key)
        return self._activations[key]

    def check(self, settings: Settings, own: Dataset | None = None) -> None:
        """Raise :class:`SettingsError` naming every bad field (formulas are parsed here); ``own``: the Your
        data the settings are for, if not :attr:`own`."""
        errors = field_errors(settings, own or self.own)
        for path, layer in layer_paths(settings):
            if f"{path}.activation" in errors:
                continue
            try:
                self.activation(layer)
            except NNVizError as exc:
                errors[f"{path}.formula" if layer.activation == CUSTOM else f"{path}.activation"] = str(exc)
        if errors:
            raise SettingsError(errors)

    def data_of(self, settings: Settings) -> Dataset:
        """The dataset that ``settings`` make (the app's maker caches it)."""
        s = settings
        if s.dataset == YOUR_DATA:
            return self.own
        return self._make_data(s.dataset, s.points, s.noise, s.test_ratio, s.data_seed)

    def _build_data(self) -> None:
        self.dataset: Dataset = self.data_of(self.settings)

    def _featurise(self) -> None:
        d, names = self.dataset, self.features
        self.X_train, self.X_test = apply_features(d.X_train, names), apply_features(d.X_test, names)

    def _make_network(self) -> Network:
        s = self.settings
        specs = [(h.size, h.bias, self.activation(h)) for h in s.hidden]
        specs.append((output_units(self.dataset.classes), s.output.bias, self.activation(s.output)))
        return Network(len(s.features), specs, init=s.init, seed=s.weight_seed)

    def _build_network(self, nn: Network | None = None) -> None:
        self._featurise()
        self.nn = nn if nn is not None else self._make_network()
        self.initial = self.nn.copy()
        self._start_fresh(RunStart(self.ledger.new_number(), "seed" if nn is None else "file"))

    def _start_fresh(self, start: RunStart) -> None:
        self.start = start
        self.epoch = 0
        self.batch = 0
        self.train_log, self.test_log = LossLog(), LossLog()
        self.error = None
        self._build_trainer()
        self._record(train=True)

    def _build_trainer(self) -> None:
        s, X, y = self.settings, self.X_train, self.dataset.y_train
        if not len(X):  # no points yet (an empty canvas): a trainer that is never run (see train)
            X, y = np.zeros((1, X.shape[1])), np.zeros((1, 1))
        batch = s.batch_size if s.batch_size > 0 else len(X)  # 0: full batch
        reg = {kind: s.reg_rate if s.regularization == kind else 0.0 for kind in ("l1", "l2")}
        options = dict(loss=s.loss, optimizer=s.optimizer, lr=s.lr, shuffle=s.shuffle, seed=s.data_seed)
        self.trainer = Trainer(self.nn, X, y, batch_size=batch, **options, **reg)
        self.batch = 0

    # -- changing settings -----------------------------------------------------------------------

    def apply(self, settings: Settings, *, rebuild: bool = False) -> str:
        """Switch to ``settings``; returns what happened: "rebuilt", "trainer", "lr" or "none".

        Raises :class:`SettingsError` (and changes nothing) for invalid settings.
        """
        self.check(settings)
        groups = changed_groups(self.settings, settings)
        with self.lock:
            old = self.settings
            if rebuild or groups & REBUILDS:
                self._archive()
                self.settings = settings
                data_fields = [n for n, f in FIELDS.items() if f.group == "data"]
                if rebuild or any(getattr(old, n) != getattr(settings, n) for n in data_fields):
                    self._build_data()
                self._build_network()
                self.notice = f"New network: {describe(settings)}"
                return "rebuilt"
            self.settings = settings
            if "training" not in groups:
                return "none"
            only_lr = all(
                getattr(old, n) == getattr(settings, n)
                for n, f in FIELDS.items()
                if f.group == "training" and n != "lr"
            )
            if self.epoch or self.batch:
                self.start.note(f"training settings changed at epoch {self.epoch}")
            if only_lr:
                self.trainer.optimizer.lr = settings.lr
                return "lr"
            self._build_trainer()
            self.notice = "Training settings changed; the weights and the epoch count are kept."
            return "trainer"

    def _archive(self) -> None:
        """Keep the run that a rebuild replaces: in the ledger, and restorable (:attr:`runs`)."""
        if self.epoch == 0:
            return
        self.ledger.keep(self.record())
        label = f"{describe(self.settings)} · epoch {self.epoch}"
        if self.train_log.last:
            label += f" · loss {self.train_log.last[1]:.4g}"
        logs = (self.train_log, self.test_log)
        self.runs.insert(0, Run(label, self.settings, self.nn, self.initial, self.epoch, *logs, self.start))
        del self.runs[MAX_RUNS:]

    def record(self) -> RunRecord:
        """The current run as the ledger keeps it."""
        with self.lock:
            logs = (self.train_log, self.test_log)
            return RunRecord.of(self.start, self.settings, logs, self.metrics(), self.nn)

    def restore(self, index: int) -> Settings:
        """Bring back earlier run ``index`` (the current one is kept in its place); returns its settings."""
        with self.lock:
            run = self.runs.pop(index)
            self._archive()
            self.settings = run.settings
            self._build_data()
            self._featurise()
            self.nn, self.initial, self.start = run.nn, run.initial, run.start
            self.epoch, self.train_log, self.test_log = run.epoch, run.train_log, run.test_log
            self.ledger.take(run.start.number)  # it goes on: no longer an ended run
            self.error = None
            self._build_trainer()
            self.notice = f"Restored {run.label}"
            return run.settings

    def reset(self) -> None:
        """Back to the same initial weights, epoch 0: a new run from the same start (runs stay comparable)."""
        self._restart(self.settings)

    def same_start(self, settings: Settings) -> None:
        """A new run from this run's initial weights and data with other training settings (a fair
        comparison). Raises :class:`SettingsError`, changing nothing, for invalid settings or for a
        change of the data or the network."""
        other = changed_groups(self.settings, settings) - {"training", "speed"}
        if other:
            message = "Same start keeps the data and the network: change training settings only"
            raise SettingsError(dict.fromkeys(sorted(other), message))
        self.check(settings)
        self._restart(settings)

    def _restart(self, settings: Settings) -> None:
        with self.lock:
            start = RunStart(self.start.number, self.start.origin, self.start.same_as)
            if self.epoch:  # the trained run ends (kept in the ledger); the next shares its start
                self.ledger.keep(self.record())
                start = RunStart(self.ledger.new_number(), start.origin, start.same_as or start.number)
            self.settings = settings
            self.nn = self.initial.copy()
            self._start_fresh(start)

    def set_data(self, own: Dataset) -> None:
        """Train on ``own`` as "Your data" from now on, keeping the weights and the epoch count (a click)."""
        with self.lock:
            self.own, self.settings = own, replace(self.settings, dataset=YOUR_DATA)
            self._build_data()
            self._featurise()
            self._build_trainer()
            if self.epoch or self.batch:
                self.start.note(f"the data changed at epoch {self.epoch}")
            if not len(self.X_test):  # no test points now: the old ones' curve would mislead
                self.test_log = LossLog()
            self._record(train=True)

    def new_weights(self) -> Settings:
        """Fresh initial weights (the next weight seed); returns the new settings."""
        settings = replace(self.settings, weight_seed=(self.settings.weight_seed + 1) % 2**31)
        self.apply(settings)
        return settings

    # -- training --------------------------------------------------------------------------------

    def _drain(self) -> None:
        """Move the trainer's new epoch losses into the bounded log (the trainer's list is emptied)."""
        history = self.trainer.history
        for value in history:
            self.epoch += 1
            self.train_log.add(self.epoch, value)
        if history:
            self.batch = 0
        del history[:]

    def _record(self, train: bool = False) -> None:
        loss = self.settings.loss
        if train and len(self.X_train):
            self.train_log.add(self.epoch, self.nn.loss(self.X_train, self.dataset.y_train, loss))
        if len(self.X_test):
            self.test_log.add(self.epoch, self.nn.loss(self.X_test, self.dataset.y_test, loss))

    def _diverged(self) -> None:
        """Say what happened, after the trainer's finished epochs are counted (:meth:`_drain`)."""
        self.batch = 0
        self.error = divergence_message(self.epoch, self.train_log.last)

    @property
    def warning(self) -> str | None:
        """A warning while the loss explodes (before it overflows): it has grown over a thousandfold."""
        return explosion_warning(*self.train_log.arrays())

    def train(
        self, epochs: int | None = None, seconds: float | None = None, until: Callable[[], bool] | None = None
    ) -> int:
        """Train ``epochs`` epochs, or whole epochs for ``seconds`` (at least one), whichever ends first;
        ``until()`` is also asked after each epoch whether to stop; none without training points.

        Returns the number of epochs done. A divergence sets :attr:`error` (and stops a player).
        """
        done = 0
        start = time.perf_counter()
        deadline = start + seconds if seconds is not None else math.inf
        limit = (epochs if epochs is not None else math.inf) if len(self.X_train) else 0
        with self._training():
            while done < limit:
                self.trainer.epoch()
                done += 1
                if time.perf_counter() >= deadline or (until is not None and until()):
                    break
        elapsed = time.perf_counter() - start
        if done and elapsed > 0:
            self.epochs_per_second = done / elapsed
        return done

    def step_batch(self) -> None:
        """Train on one batch (an epoch ends after the last batch); nothing without training points."""
        with self._training():
            if len(self.X_train):
                self.trainer.step()
                self.batch += 1

    @contextlib.contextmanager
    def _training(self) -> Iterator[None]:
        """Train under the lock; then count the finished epochs, and say so if the run diverged."""
        with self.lock, np.errstate(all="ignore"):  # a divergence is caught here, not warned about
            try:
                yield
            except DivergedError:
                self._drain()
                self._record()
                self._diverged()
            else:
                self._drain()
                self._record()

    # -- moving the run to another process and back ----------------------------------------------

    def training_state(self) -> TrainingState:
        """A copy of where the run stands (see :class:`TrainingState`)."""
        with self.lock:
            model = self.nn.copy()
            model.metadata = {}
            logs = (self.train_log.copy(), self.test_log.copy())
            place = (self.trainer.state(), self.epoch, self.batch)
            return TrainingState(model.to_bytes(), *place, *logs, self.error, self.epochs_per_second)

    def load_training(self, state: TrainingState) -> None:
        """Continue from ``state`` (made by an experiment with the same settings and data)."""
        nn = Network.from_bytes(state.model)
        with self.lock:
            nn.metadata = self.nn.metadata
            self.nn = nn
            self._build_trainer()
            self.trainer.load_state(state.trainer)
            self.epoch, self.batch = state.epoch, state.batch
            self.train_log, self.test_log = state.train_log.copy(), state.test_log.copy()
            self.error, self.epochs_per_second = state.error, state.epochs_per_second

    @classmethod
    def resumed(cls, settings: Settings, dataset: Dataset, state: TrainingState) -> Experiment:
        """An experiment on ``dataset`` that continues ``state`` (what a worker process plays)."""
        exp = cls(settings, make_data=lambda *args: dataset, own=dataset)
        exp.load_training(state)
        return exp

    # -- reading ---------------------------------------------------------------------------------

    def metrics(self) -> Metrics:
        """Current losses and accuracies on the training and test sets (:func:`.snapshots.metrics_of`)."""
        return metrics_of(self)

    def frame(self, n: int = 100, map_n: int = 24) -> FrameArrays:
        """The arrays of one drawn frame (:func:`.snapshots.frame_arrays`): output grid ``(n, n)``, ..."""
        return frame_arrays(self, n, map_n)

    def set_weight(self, layer: int, neuron: int, source: int | None, value: float) -> None:
        """Set one weight (``source`` = input index) or a bias (``source`` None) to ``value``."""
        if not math.isfinite(value):
            raise SpecError(f"a weight must be a finite number, got {value!r}")
        with self.lock:
            target = self.nn.layers[layer]
            if source is None:
                if target.bias is None:
                    raise SpecError(f"layer {layer + 1} has no bias")
                target.bias[neuron] = value
            else:
                target.weights[neuron, source] = value
            self.start.note(f"a weight edited at epoch {self.epoch}")
            self._record(train=True)

    # -- files -----------------------------------------------------------------------------------

    def model_bytes(self) -> bytes:
        """The current network as ``.nn`` bytes, its metadata filled in (settings, data, epoch, losses)."""
        with self.lock:
            nn = self.nn.copy()
            nn.metadata = ModelRecord(
                dataset=self.settings.dataset,
                epoch=self.epoch,
                train_loss=self.train_log.to_curve(),
                test_loss=self.test_log.to_curve(),
                settings=settings_to_dict(self.settings),
                features=tuple(self.features),
            ).to_metadata()
            nn.dataset = self.dataset  # a downloaded model carries its data (.nn format 2)
        return nn.to_bytes()

    def load_model(self, data: bytes) -> Settings:
        """Continue from an uploaded ``.nn`` file and the data it carries; returns the settings it implies.

        Raises :class:`~nnviz.core.errors.NNVizError` (``NNFormatError`` for a bad file, ``SpecError``
        for a network this page cannot train) and changes nothing then.
        """
        nn = Network.from_bytes(bytes(data))
        settings = settings_from_network(nn, self.settings)
        own = your_data.carried(nn.dataset, self.data_of(settings))
        settings = replace(settings, dataset=YOUR_DATA) if own is not None else settings
        self.check(settings, own)
        with self.lock:
            self._archive()
            self.settings, self.own = settings, own if own is not None else self.own
            self._build_data()
            self._build_network(nn)
            record = ModelRecord.from_metadata(nn.metadata)
            if record.epoch is not None:
                self.epoch = record.epoch
                self.train_log = LossLog.from_curve(record.train_loss)
                self.test_log = LossLog.from_curve(record.test_loss)  # its last point is now's loss
            self.notice = f"Loaded a model: {describe(settings)}, epoch {self.epoch}."
        return settings


__all__ = ["Experiment", "Run"]
