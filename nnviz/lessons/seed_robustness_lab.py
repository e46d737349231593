"""The seed-robustness lab: how often does an architecture solve a dataset from random starts?

The set-ups include the XOR set-ups of the articles (:mod:`nnviz.articles`); :func:`run_lab` trains N
copies at once with :class:`~nnviz.core.ensemble_trainer.EnsembleTrainer` and names why each failed copy
failed. Nothing here imports Streamlit: the page draws what these functions return.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from nnviz.articles import ARTICLES, ArticleSetup
from nnviz.core import Ensemble, EnsembleReport, EnsembleTrainer, diagnose
from nnviz.core.datasets import apply_features, make_dataset
from nnviz.core.errors import SpecError
from nnviz.core.grid import decision_grid
from nnviz.core.layer import Layer
from nnviz.core.network import Network
from nnviz.playground.experiment import Experiment

#: Most copies and epochs the lab offers (the engine accepts more copies), and most sequential steps
#: (epochs × batches per epoch) a run may take: per-sample steps cannot be vectorised across samples.
LAB_MAX_COPIES, LAB_MAX_EPOCHS, LAB_MAX_STEPS = 1000, 50_000, 100_000


@dataclass(frozen=True)
class LabConfig:
    """A set-up to train from many seeds.

    Attributes
    ----------
    layers : tuple of (units, bias, activation)
        Hidden and output layers, as ``Network`` layer specs.
    batch_size : int or None
        1 is per-sample SGD (the articles' loop over samples); None is full batch.
    reference : str
        The solve rate the issue reports for this set-up, for comparison ("" if none).
    """

    label: str
    layers: tuple[tuple[int, bool, str], ...]
    loss: str = "mse"
    lr: float = 0.1
    batch_size: int | None = None
    epochs: int = 2000
    init: str = "he"
    dataset: str = "xor_table"
    inputs: int = 2
    reference: str = ""
    note: str = ""

    def describe(self) -> str:
        arch = "-".join([str(self.inputs)] + [str(n) for n, _, _ in self.layers])
        acts = "/".join(dict.fromkeys(fn for _, _, fn in self.layers))
        batch = (
            "per-sample"
            if self.batch_size == 1
            else "full batch"
            if self.batch_size is None
            else (f"batches of {self.batch_size}")
        )
        return (
            f"{arch} {acts}, {self.loss}, {batch} SGD lr {self.lr:g}, {self.init} init, {self.epochs} epochs"
        )


def from_article(article: ArticleSetup) -> LabConfig:
    """An article's set-up (:mod:`nnviz.articles`) as a lab set-up on the XOR truth table."""
    return LabConfig(
        f"{article.key}: {article.title}",
        article.layers,
        loss=article.loss,
        lr=article.lr,
        batch_size=article.batch_size,
        epochs=article.epochs,
        init=article.init,
        reference=article.solve_rate,
    )


#: The set-ups the page offers: the articles', article 000 with its own initialisation, the benchmark's.
SETUPS: dict[str, LabConfig] = {
    "000": from_article(ARTICLES["000"]),
    "000a": replace(
        from_article(ARTICLES["000"]),
        label="000 with the article's own initialisation (biases drawn with the weights)",
        init="article",
        note=(
            "000's layers draw one (n_out, n_in + 1) matrix ~ N(0, 2/(n_in + 1)); its last column is "
            "the bias (the engine starts biases at 0)."
        ),
    ),
    "001": from_article(ARTICLES["001"]),
    "002": from_article(ARTICLES["002"]),
    "tanh": LabConfig(
        "2-2-1 tanh, full batch (the benchmark set-up)",
        ((2, True, "tanh"), (1, True, "tanh")),
        loss="mse",
        lr=0.1,
        batch_size=None,
        epochs=2000,
    ),
}


def article_network(config: LabConfig, seed: int) -> Network:
    """A network initialised as article ``000_*`` does, from ``np.random.default_rng(seed)``.

    Each layer draws one matrix of shape ``(n_out, n_in + bias)`` from N(0, 2 / (n_in + bias)); its
    last column (for a layer with bias) is the bias. The engine's initialisers start biases at 0.
    """
    rng = np.random.default_rng(seed)
    layers, n_in = [], config.inputs
    for units, bias, fn in config.layers:
        w = rng.standard_normal((units, n_in + bias)) * np.sqrt(2.0 / (n_in + bias))
        layers.append(Layer(n_in, units, bias, fn, w[:, :n_in], w[:, n_in] if bias else None))
        n_in = units
    return Network(config.inputs, layers)


def make_ensemble(config: LabConfig, seeds: range | list[int], dtype=np.float64) -> Ensemble:
    """Copies of ``config``'s architecture, one per seed (``init="article"``: see :func:`article_network`)."""
    if config.init != "article":
        return Ensemble(config.inputs, list(config.layers), seeds=seeds, init=config.init, dtype=dtype)
    ens = Ensemble.from_networks([article_network(config, s) for s in seeds], dtype=dtype)
    ens.seeds = tuple(seeds)
    return ens


def training_set(config: LabConfig, data_seed: int = 0) -> tuple[np.ndarray, np.ndarray, tuple]:
    """``(X, y, box)`` of the config's dataset (training part)."""
    data = make_dataset(config.dataset, n=200, seed=data_seed)
    return data.X_train, data.y_train, data.box


def steps_needed(config: LabConfig, n_samples: int) -> int:
    """Sequential training steps of a run: epochs × batches per epoch."""
    batch = n_samples if config.batch_size is None else min(config.batch_size, n_samples)
    return config.epochs * -(-n_samples // batch)


def playground_setup(exp: Experiment) -> tuple[LabConfig, np.ndarray, np.ndarray, tuple, list[str]]:
    """The playground's architecture, loss, learning rate, batch size and training data as a lab set-up.

    The lab always trains with plain SGD.
    """
    nn, settings, dataset = exp.nn, exp.settings, exp.dataset
    features = list(exp.features)
    X = apply_features(dataset.X_train, features)
    layers = tuple((la.n_out, la.has_bias, la.activation.label) for la in nn.layers)
    batch = None if settings.batch_size in (0, None) else int(settings.batch_size)
    config = LabConfig(
        "the playground's set-up",
        layers,
        loss=settings.loss,
        lr=float(settings.lr),
        batch_size=batch,
        epochs=500,
        init=settings.init,
        dataset=settings.dataset,
        inputs=nn.inputs,
    )
    return config, np.asarray(X), np.asarray(dataset.y_train), tuple(dataset.box), features


@dataclass
class LabResult:
    """A finished lab run: the trainer (weights and history), its report, and timing."""

    config: LabConfig
    trainer: EnsembleTrainer
    report: EnsembleReport
    seconds: float
    box: tuple[float, float, float, float]
    seeds: list[int] = field(default_factory=list)
    features: list[str] | None = None

    @property
    def ensemble(self) -> Ensemble:
        return self.trainer.ens


def run_lab(
    config: LabConfig,
    copies: int = 200,
    first_seed: int = 0,
    *,
    dtype=np.float64,
    progress: Callable[[float], None] | None = None,
    chunks: int = 20,
    max_records: int = 400,
    data: tuple[np.ndarray, np.ndarray, tuple] | None = None,
    features: list[str] | None = None,
) -> LabResult:
    """Train ``copies`` copies of ``config`` from seeds ``first_seed, first_seed + 1, ...``.

    Parameters
    ----------
    progress : callable, optional
        Called with the finished share (0..1) after each of ``chunks`` parts of the training.
    max_records : int, default 400
        At most this many loss records per copy (every ``epochs // max_records``-th epoch).
    data : (X, y, box), optional
        Training set and input box; the config's dataset when omitted.
    features : list of str, optional
        Input features of ``X`` (for drawing boundaries); raw ``(x1, x2)`` when omitted.

    Raises
    ------
    SpecError
        For too many copies, epochs or sequential steps, or an invalid architecture.
    """
    if not 1 <= copies <= LAB_MAX_COPIES:
        raise SpecError(f"copies must be between 1 and {LAB_MAX_COPIES}, got {copies}")
    if not 1 <= config.epochs <= LAB_MAX_EPOCHS:
        raise SpecError(f"epochs must be between 1 and {LAB_MAX_EPOCHS}, got {config.epochs}")
    seeds = list(range(first_seed, first_seed + copies))
    X, y, box = data if data is not None else training_set(config)
    steps = steps_needed(config, len(X))
    if steps > LAB_MAX_STEPS:
        raise SpecError(
            f"this set-up needs {steps:,} sequential steps ({config.epochs:,} epochs × "
            f"{steps // config.epochs:,} batches); the lab allows {LAB_MAX_STEPS:,}: use fewer epochs or "
            "larger batches"
        )
    ens = make_ensemble(config, seeds, dtype)
    trainer = EnsembleTrainer(
        ens,
        X,
        y,
        loss=config.loss,
        lr=config.lr,
        batch_size=config.batch_size,
        record_every=max(1, config.epochs // max_records),
    )
    start = time.perf_counter()
    done = 0
    for part in range(1, chunks + 1):
        target = config.epochs * part // chunks
        trainer.run(target - done)
        done = target
        if progress is not None:
            progress(part / chunks)
    seconds = time.perf_counter() - start
    return LabResult(config, trainer, diagnose(trainer), seconds, box, seeds, features)


def with_changes(config: LabConfig, **changes) -> LabConfig:
    """A copy of ``config`` with some fields replaced (for the page's custom set-ups)."""
    return replace(config, **changes)


def parse_hidden(text: str) -> list[int]:
    """Hidden layer sizes from text such as ``"4"`` or ``"2, 2"`` (an empty text: no hidden layer)."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    sizes = []
    for p in parts:
        if not p.isdigit() or not 1 <= int(p) <= 16:
            raise SpecError(f"hidden layer sizes must be whole numbers from 1 to 16, got {p!r}")
        sizes.append(int(p))
    if len(sizes) > 4:
        raise SpecError(f"at most 4 hidden layers here, got {len(sizes)}")
    return sizes


# --- summaries for the page ----------------------------------------------------------------------------


def loss_histogram(final_loss: np.ndarray, bins: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges of the final losses on a log scale (non-finite losses left out)."""
    finite = final_loss[np.isfinite(final_loss)]
    if finite.size == 0:
        return np.zeros(bins, dtype=int), np.linspace(0, 1, bins + 1)
    lo = max(float(finite.min()), 1e-12)
    hi = max(float(finite.max()), lo * 10)
    edges = np.geomspace(lo, hi, bins + 1)
    counts, edges = np.histogram(np.clip(finite, lo, hi), bins=edges)
    return counts, edges


def summary_rows(result: LabResult) -> list[dict[str, object]]:
    """One row per verdict: how many copies, their share and an example seed."""
    report, rows = result.report, []
    for verdict, count in report.counts().items():
        first = int(np.flatnonzero(report.verdict == verdict)[0])
        rows.append(
            {
                "outcome": verdict,
                "copies": count,
                "share": f"{count / len(report.verdict):.1%}",
                "example seed": result.seeds[first],
            }
        )
    return rows


def failed_copies(result: LabResult, limit: int = 12) -> list[int]:
    """Indices of up to ``limit`` failed copies, a few of each verdict so every failure shows."""
    report = result.report
    failed = [k for k in np.flatnonzero(~report.solved)]
    by_kind: dict[str, list[int]] = {}
    for k in failed:
        by_kind.setdefault(str(report.verdict[k]), []).append(int(k))
    picked: list[int] = []
    while len(picked) < limit and any(by_kind.values()):
        for kind in list(by_kind):
            if by_kind[kind] and len(picked) < limit:
                picked.append(by_kind[kind].pop(0))
    return sorted(picked)


def boundary(result: LabResult, k: int, n: int = 60) -> np.ndarray:
    """Copy ``k``'s first output over an ``n×n`` grid of the dataset's box, shape ``(n, n)``."""
    return decision_grid(result.ensemble.network(k), result.box, n=n, features=result.features)


def downsample_curves(history: np.ndarray, max_curves: int = 200) -> np.ndarray:
    """At most ``max_curves`` columns of ``history`` (evenly spaced copies), for drawing."""
    step = max(1, history.shape[1] // max_curves)
    return history[:, ::step]
