"""The seed-robustness lab: how often does an architecture solve a dataset from random starts?

The set-ups include the XOR set-ups of the articles (:mod:`nnviz.articles`); :func:`run_lab` trains N
copies at once with :class:`~nnviz.core.ensemble_trainer.EnsembleTrainer` and names why each failed copy
failed. :func:`plan_run` estimates a run before it starts (:mod:`nnviz.lessons.seed_lab_budget`); the page
runs :func:`train_job` in a child process (:mod:`nnviz.lessons.jobs`), so a :class:`LabResult` holds only
arrays, numbers and text. Nothing here imports Streamlit: the page draws what these functions return.
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
from nnviz.lessons import seed_lab_budget as budget
from nnviz.playground.experiment import Experiment
from nnviz.user_text import code

#: Most copies and epochs the lab offers (the engine accepts more copies), and most sequential steps
#: (epochs × batches per epoch) a run may take: per-sample steps cannot be vectorised across samples.
LAB_MAX_COPIES, LAB_MAX_EPOCHS, LAB_MAX_STEPS = 1000, 50_000, 100_000
#: The ranges of the page's typed numbers: learning rate, epochs, first seed.
LR_RANGE, EPOCH_RANGE, SEED_RANGE = (1e-4, 10.0), (1, LAB_MAX_EPOCHS), (0, 2**31 - 1 - LAB_MAX_COPIES)


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

    The lab always trains with plain SGD. Raises ``SpecError`` while the playground's data has no training
    points (an empty canvas of Your data).
    """
    nn, settings, dataset = exp.nn, exp.settings, exp.dataset
    if not len(dataset.X_train):  # an empty canvas of Your data
        raise SpecError("the playground's data has no training points yet: click some in, or upload a CSV")
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
class TrainerRecord:
    """What training left, as arrays: an :class:`EnsembleTrainer`'s history, data and epoch count."""

    history: np.ndarray
    history_epochs: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    epochs_done: int

    @classmethod
    def of(cls, trainer: EnsembleTrainer) -> TrainerRecord:
        return cls(trainer.history, trainer.history_epochs, trainer.X, trainer.Y, trainer.epochs_done)


@dataclass
class LabResult:
    """A finished lab run: what training left, its report, timing, and every copy's final parameters.

    Only arrays, numbers and text (it comes back from a child process); :attr:`ensemble` is rebuilt from
    ``parameters`` when first asked for.
    """

    config: LabConfig
    trainer: TrainerRecord
    report: EnsembleReport
    seconds: float
    box: tuple[float, float, float, float]
    seeds: list[int] = field(default_factory=list)
    features: list[str] | None = None
    parameters: list[np.ndarray] = field(default_factory=list)
    dtype: str = "float64"

    @property
    def ensemble(self) -> Ensemble:
        """The trained copies (made from the config and ``parameters`` once, then kept)."""
        ens = self.__dict__.get("_ensemble")
        if ens is None:
            init = "he" if self.config.init == "article" else self.config.init  # overwritten below
            ens = Ensemble(self.config.inputs, list(self.config.layers), seeds=self.seeds, init=init,
                           dtype=self.dtype)  # fmt: skip
            for mine, trained in zip(ens.parameters(), self.parameters):
                mine[...] = trained
            self.__dict__["_ensemble"] = ens
        return ens

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_ensemble"}


def run_lab(
    config: LabConfig,
    copies: int = 200,
    first_seed: int = 0,
    *,
    dtype=np.float64,
    progress: Callable[[float], None] | None = None,
    chunks: int = 20,
    every: float | None = None,
    max_records: int = 400,
    data: tuple[np.ndarray, np.ndarray, tuple] | None = None,
    features: list[str] | None = None,
    budget_seconds: float | None = None,
) -> LabResult:
    """Train ``copies`` copies of ``config`` from seeds ``first_seed, first_seed + 1, ...``.

    Parameters
    ----------
    progress : callable, optional
        Called with the finished share (0..1) after each of ``chunks`` parts of the training, and, if
        ``every`` is given, in between whenever ``every`` seconds have passed since the last call (as
        often as whole epochs allow).
    max_records : int, default 400
        At most this many loss records per copy (every ``epochs // max_records``-th epoch).
    data : (X, y, box), optional
        Training set and input box; the config's dataset when omitted.
    features : list of str, optional
        Input features of ``X`` (for drawing boundaries); raw ``(x1, x2)`` when omitted.
    budget_seconds : float, optional
        Refuse a run estimated (:func:`plan_run`) to take more CPU seconds than this.

    Raises
    ------
    SpecError
        For too many copies, epochs or sequential steps, a run over the budget, or an invalid architecture.
    """
    if not 1 <= copies <= LAB_MAX_COPIES:
        raise SpecError(f"copies must be between 1 and {LAB_MAX_COPIES}, got {copies}")
    if not 1 <= config.epochs <= LAB_MAX_EPOCHS:
        raise SpecError(f"epochs must be between 1 and {LAB_MAX_EPOCHS}, got {config.epochs}")
    seeds = list(range(first_seed, first_seed + copies))
    X, y, box = data if data is not None else training_set(config)
    too_long = steps_refusal(config, len(X))
    if too_long:
        raise SpecError(too_long)
    if budget_seconds is not None:
        plan = budget.plan(workload(config, copies, len(X), dtype), budget=budget_seconds)
        if not plan.fits:
            raise SpecError(plan.refusal())
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
    start = last = time.perf_counter()
    done, piece = 0, 1  # epochs trained, and epochs per piece (grown so that a piece takes ~every / 4)
    boundaries = {config.epochs * part // chunks for part in range(1, chunks + 1)}
    while done < config.epochs:
        target = min([b for b in boundaries if b > done] + [done + piece])
        began = time.perf_counter()
        trainer.run(target - done)
        done, now = target, time.perf_counter()
        took = now - began
        if every is None:
            piece = config.epochs
        else:
            piece = max(1, int(piece * min(4.0, every / 4 / took))) if took > 0 else piece * 4
        if progress is not None and (done in boundaries or (every is not None and now - last >= every)):
            progress(done / config.epochs)
            last = now
    seconds = time.perf_counter() - start
    params = [np.array(p) for p in ens.parameters()]
    result = LabResult(config, TrainerRecord.of(trainer), diagnose(trainer), seconds, box, seeds, features,
                       params, np.dtype(dtype).name)  # fmt: skip
    result.__dict__["_ensemble"] = ens
    return result


def train_job(
    config: LabConfig,
    copies: int,
    first_seed: int,
    dtype: str,
    data: tuple[np.ndarray, np.ndarray, tuple] | None,
    features: list[str] | None,
    *,
    progress: Callable[[float], None],
) -> LabResult:
    """:func:`run_lab` as a job of :mod:`nnviz.lessons.jobs`: in a child process, within the budget, with
    progress at least every half second; the result is plain data."""
    return run_lab(config, copies, first_seed, dtype=np.dtype(dtype), progress=progress, every=0.5,
                   data=data, features=features, budget_seconds=budget.BUDGET_SECONDS)  # fmt: skip


def layer_shapes(config: LabConfig) -> list[tuple[int, int]]:
    """``(n_in, n_out)`` of every layer."""
    units = [n for n, _, _ in config.layers]
    return list(zip([config.inputs, *units[:-1]], units))


def workload(config: LabConfig, copies: int, n_samples: int, dtype: str | type) -> budget.Workload:
    """What the budget's estimate needs to know of a run of ``copies`` of ``config``."""
    return budget.Workload(
        tuple(layer_shapes(config)), copies, n_samples, config.batch_size, config.epochs, np.dtype(dtype).name
    )


def plan_run(config: LabConfig, copies: int, n_samples: int, dtype: str) -> budget.Plan:
    """The run's estimated CPU time against :data:`~nnviz.lessons.seed_lab_budget.BUDGET_SECONDS`."""
    return budget.plan(workload(config, copies, n_samples, dtype))


def steps_refusal(config: LabConfig, n_samples: int) -> str:
    """Why the run needs too many sequential steps, or ``""``."""
    steps = steps_needed(config, n_samples)
    if steps <= LAB_MAX_STEPS:
        return ""
    return (
        f"This set-up needs {steps:,} sequential steps ({config.epochs:,} epochs × "
        f"{steps // config.epochs:,} batches); the lab allows {LAB_MAX_STEPS:,}: use fewer epochs or larger "
        "batches."
    )


def refusal(config: LabConfig, n_samples: int, plan: budget.Plan) -> str:
    """Why this run may not start (too many sequential steps, or over the budget), or ``""``."""
    return steps_refusal(config, n_samples) or plan.refusal()


def with_changes(config: LabConfig, **changes) -> LabConfig:
    """A copy of ``config`` with some fields replaced (for the page's custom set-ups)."""
    return replace(config, **changes)


def parse_hidden(text: str) -> list[int]:
    """Hidden layer sizes from text such as ``"4"`` or ``"2, 2"`` (an empty text: no hidden layer)."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    sizes = []
    for p in parts:
        if not p.isdigit() or not 1 <= int(p) <= 16:
            raise SpecError(f"each size must be a whole number from 1 to 16, not {code(p)}")
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


def curves_to_draw(solved: np.ndarray, max_curves: int = 300) -> np.ndarray:
    """Indices of at most ``max_curves`` copies to draw: failed ones first (up to half), then solved ones
    evenly spaced; the legend still counts all copies."""
    failed, good = np.flatnonzero(~solved), np.flatnonzero(solved)
    n_failed = min(len(failed), max(max_curves // 2, max_curves - len(good)))
    keep_failed = failed[np.linspace(0, len(failed) - 1, n_failed).astype(int)]
    room = max_curves - len(keep_failed)
    keep_good = good[np.linspace(0, len(good) - 1, min(len(good), room)).astype(int)] if len(good) else good
    return np.sort(np.concatenate([keep_failed, keep_good])).astype(int)
