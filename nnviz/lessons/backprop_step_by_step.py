"""Backpropagation, one step at a time, for one training sample of a small network.

:func:`walkthrough` lists the steps of one SGD update: the forward pass (each layer's ``z`` and
``a``), the loss, then backwards each layer's delta and weight gradients, then the update. Every
number comes from the engine's :meth:`~nnviz.core.feedforward.FeedForward.backprop`: the forward pass,
every layer's delta and the gradients; this module only lays them out as equations (the tests check
the numbers against a hand-worked example and a second implementation written in the test).

Notation is the articles': column vectors, ``z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾``, ``a⁽ˡ⁾ = f(z⁽ˡ⁾)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnviz.core.errors import SpecError
from nnviz.core.losses import get_loss, loss_for
from nnviz.core.network import Network
from nnviz.drawing.network_diagram import Highlight, network_svg
from nnviz.lessons.backprop_latex import ems, lines, matrix, number, stacked, sup, term

#: Largest layer, and most layers, the walkthrough shows (wider matrices do not fit on a page).
WALKTHROUGH_MAX_UNITS = 4
WALKTHROUGH_MAX_LAYERS = 3
_LOSS_LATEX = {
    "mse": (r"L = \tfrac12 \sum_i (a_i - y_i)^2", r"\frac{\partial L}{\partial a} = a - y"),
    "sse": (r"L = \sum_i (a_i - y_i)^2", r"\frac{\partial L}{\partial a} = 2\,(a - y)"),
    "bce": (
        r"L = -\sum_i \big[y_i \log a_i + (1 - y_i)\log(1 - a_i)\big]",
        r"\frac{\partial L}{\partial a} = \frac{a - y}{a\,(1 - a)}",
    ),
    "cce": (r"L = -\sum_i y_i \log a_i", r"\frac{\partial L}{\partial a_i} = -\frac{y_i}{a_i}"),
}
#: What the page says about a softmax output, forward and backward.
SOFTMAX_FORWARD = (
    "Softmax is not applied to each unit on its own: each output is $e^{z_i}$ divided by the sum of "
    "$e^{z_j}$ over the whole layer, so the outputs are positive and add up to 1: the network's "
    "probability of each class."
)
SOFTMAX_FUSED = (
    "Softmax and categorical cross-entropy together: softmax's Jacobian $a_i(\\delta_{ij} - a_j)$ times "
    "$-y/a$ cancels to $a - y$, each class's probability minus its one-hot target (the engine computes "
    "exactly this, fused)."
)
SOFTMAX_JACOBIAN = (
    "Softmax's derivative is a matrix (each output depends on every $z_j$), "
    "$\\partial a_i/\\partial z_j = a_i(\\delta_{ij} - a_j)$: multiplied with $g = \\partial L/\\partial a$ "
    "it gives $a \\odot (g - \\textstyle\\sum_j g_j a_j)$."
)


@dataclass(frozen=True)
class Step:
    """One click of the walkthrough.

    Attributes
    ----------
    phase : {"forward", "loss", "backward", "gradient", "update"}
    layer : int
        1-based layer the step is about (0 for the loss).
    title : str
    formula : str
        LaTeX with symbols.
    numbers : str
        The same equation with the engine's numbers.
    note : str
        One or two sentences of explanation (Markdown).
    values : dict of str to ndarray
        The arrays shown, for tests and tables.
    """

    phase: str
    layer: int
    title: str
    formula: str
    numbers: str
    note: str = ""
    values: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Walkthrough:
    """All steps of one SGD update on one sample, and what they produce.

    Attributes
    ----------
    steps : list of Step
    grads : list of ndarray
        The engine's gradients, in :meth:`Network.parameters` order.
    deltas : list of ndarray
        Each layer's delta, shape ``(units,)``.
    loss, loss_after : float
        The sample's loss before and after the update.
    updated : Network
        A copy of the network after the update (the original is not changed).
    """

    steps: list[Step]
    grads: list[np.ndarray]
    deltas: list[np.ndarray]
    loss: float
    updated: Network
    loss_after: float = float("nan")

    def trouble(self) -> tuple[str, str]:
        """``("error", why)`` when the walk cannot go on (the loss or the updated weights are not finite
        numbers), ``("warning", why)`` when this update makes the sample's loss larger, else ``("", "")``."""
        if not np.isfinite(self.loss):
            return "error", f"the loss is {self.loss} on this sample: every number after it is meaningless"
        if not all(np.isfinite(p).all() for p in self.updated.parameters()):
            return "error", "this update would give weights that are not finite numbers (training diverged)"
        if not self.loss_after <= self.loss:
            return "warning", (
                f"this update makes the sample's loss larger ({self.loss:.4g} → {self.loss_after:.4g}): "
                "the step overshoots, and training with this learning rate can diverge"
            )
        return "", ""


def parse_sample(text: str, inputs: int, outputs: int, label: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``"0.5, -1 -> 1"`` as (x, y); raises ValueError with a readable message.

    With ``label`` (a softmax output with cce) the target may also be one class number ``0 … outputs − 1``.
    """
    if "->" not in text:
        raise ValueError("write the sample as inputs -> target, for example  0.5, -1 -> 1")
    x: list[float] = []
    y: list[float] = []
    for side, values in zip(text.split("->", 1), (x, y)):
        for v in (v.strip() for v in side.replace(";", ",").split(",")):
            try:
                values += [float(v)] if v else []
            except ValueError:
                raise ValueError(f"{v[:20]!r} is not a number") from None
    if len(x) != inputs or len(y) not in {outputs, *([1] if label else [])}:
        targets = f"{outputs} target(s)" + (f" or a class 0 … {outputs - 1}" if label else "")
        raise ValueError(f"this network takes {inputs} inputs and {targets}; got {len(x)} and {len(y)}")
    if not np.all(np.isfinite(x + y)):
        raise ValueError("inputs and targets must be finite numbers")
    return np.array(x), np.array(y)


def check_small(nn: Network) -> None:
    """Raise ``SpecError`` unless ``nn`` is small enough to show (at most 3 layers of 4 units)."""
    if len(nn.layers) > WALKTHROUGH_MAX_LAYERS or max(nn.sizes) > WALKTHROUGH_MAX_UNITS:
        raise SpecError(
            f"the step-by-step view shows networks of up to {WALKTHROUGH_MAX_LAYERS} layers of "
            f"{WALKTHROUGH_MAX_UNITS} units; this one is {'-'.join(map(str, nn.sizes))}"
        )


def check_loss(nn: Network, loss: str) -> None:
    """Raise ``SpecError`` for a loss the output cannot have: cross-entropy needs outputs in (0, 1)."""
    output = nn.layers[-1].activation
    loss_for(loss, output)  # categorical cross-entropy needs a softmax output (the engine's message)
    if get_loss(loss).name == "bce" and output.name != "sigmoid":
        raise SpecError(
            "cross-entropy (bce) takes log a and log(1 − a), so it needs outputs strictly between 0 and 1, "
            f"which the engine guarantees only for a sigmoid output; a {output.label} output can leave "
            "(0, 1), and then the loss is ∞ and every number NaN. Choose the sigmoid output, or the loss "
            "mse or sse"
        )


def walkthrough(nn: Network, x: Any, y: Any, loss: str = "mse", lr: float = 0.1) -> Walkthrough:
    """The steps of one per-sample SGD update of ``nn`` on the sample ``(x, y)``.

    Parameters
    ----------
    nn : Network
        Not modified.
    x : array-like of shape (nn.inputs,)
    y : array-like of shape (nn.outputs,)
    loss : {"mse", "sse", "bce"}
        bce only with a sigmoid output (:func:`check_loss`).
    lr : float
        Learning rate of the update ``p ← p − lr · ∂L/∂p``.
    """
    loss_obj = get_loss(loss)
    check_loss(nn, loss_obj.name)
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise SpecError(f"the learning rate must be a positive number, got {lr!r}")
    X = nn.as_batch(np.asarray(x, dtype=np.float64).reshape(1, -1))
    Y = nn.as_targets(np.asarray(y, dtype=np.float64).reshape(1, -1), loss_obj)  # cce: a label → one-hot
    layers = nn.layers
    count = len(layers)
    softmax = layers[-1].activation.name == "softmax"  # a whole row's activation (only an output's)

    with np.errstate(all="ignore"):
        grads, cache, delta_rows = nn.backprop(X, Y, loss_obj)
        z_out, a_out = cache[-1]
        value = loss_obj.value(a_out, Y, z_out, layers[-1].activation)
    deltas = [d[0] for d in delta_rows]

    # Gradients per layer, from the engine's list (weights, then bias if any).
    per_layer: list[tuple[np.ndarray, np.ndarray | None]] = []
    index = 0
    for layer in layers:
        gw = grads[index]
        gb = grads[index + 1] if layer.bias is not None else None
        index += 1 if layer.bias is None else 2
        per_layer.append((gw, gb))

    steps: list[Step] = []
    a_prev = X[0]
    for i, layer in enumerate(layers, 1):
        z, a = cache[i - 1][0][0], cache[i - 1][1][0]
        prev = "x" if i == 1 else f"a{sup(i - 1)}"
        bias_sym = f" + b{sup(i)}" if layer.bias is not None else ""
        w_a = term(layer.weights)
        w_a = (f"{w_a[0]} {matrix(a_prev)}", w_a[1] + term(a_prev)[1])
        bias = [term(layer.bias, "+ ", 1.3)] if layer.bias is not None else []
        steps.append(
            Step(
                "forward",
                i,
                f"Layer {i}: weighted sums",
                f"z{sup(i)} = W{sup(i)} {prev}{bias_sym}",
                lines(w_a, *bias, term(z, "= ", 1.3)),
                f"Each of the {layer.n_out} units adds up its inputs times its weights"
                + (" plus its bias." if layer.bias is not None else " (this layer has no bias)."),
                {"W": layer.weights.copy(), "a_prev": a_prev.copy(), "z": z.copy()},
            )
        )
        f_latex, _ = layer.activation.latex()
        inner = term(z)
        steps.append(
            Step(
                "forward",
                i,
                f"Layer {i}: activation {layer.activation.label}",
                f"a{sup(i)} = f(z{sup(i)})" + (rf", \quad f(x) = {f_latex}" if f_latex else ""),
                lines((f"a{sup(i)} = f\\left({inner[0]}\\right)", inner[1] + 3.5), term(a, "= ", 1.3)),
                SOFTMAX_FORWARD if softmax else "The activation is applied to each unit's sum on its own.",
                {"z": z.copy(), "a": a.copy()},
            )
        )
        a_prev = a

    loss_formula, dloss = _LOSS_LATEX.get(loss_obj.name, (f"L = {loss_obj.name}", ""))
    steps.append(
        Step(
            "loss",
            0,
            f"Loss ({loss_obj.name})",
            loss_formula,
            lines(
                term(a_out[0], f"a{sup(count)} = ", 2.5),
                term(Y[0], r", \; y = ", 2.0),
                (rf"\;\Rightarrow\; L = {number(value)}", 3.5 + ems(number(value))),
            ),
            "How far the output is from the target. Backpropagation now asks how L changes with every "
            "weight, starting at the output.",
            {"a": a_out[0].copy(), "y": Y[0].copy(), "loss": np.array(value)},
        )
    )

    for i in range(count, 0, -1):
        layer = layers[i - 1]
        d = deltas[i - 1]
        _, df_latex = layer.activation.latex()
        if i == count and softmax:  # no element-wise f': its Jacobian is in softmax_delta
            fprime = np.full(layer.n_out, np.nan)
        else:
            with np.errstate(all="ignore"):
                fprime = np.asarray(layer.activation.derivative(*(c[0] for c in cache[i - 1])))
        slope = term(fprime, r"\odot ", 1.3)
        if i == count and softmax:
            formula, numbers, note = softmax_delta(i, a_out[0], Y[0], d, loss_obj)
        elif i == count and loss_obj.name == "bce":  # a sigmoid output (check_loss): σ' cancels
            formula = rf"\delta{sup(i)} = a{sup(i)} - y"
            numbers = lines(term(a_out[0]), term(Y[0], "- ", 1.3), term(d, "= ", 1.3))
            note = "With a sigmoid output, cross-entropy's σ' cancels: the output error is simply a − y."
        elif i == count:
            formula = rf"\delta{sup(i)} = \frac{{\partial L}}{{\partial a{sup(i)}}} \odot f'(z{sup(i)})"
            with np.errstate(all="ignore"):
                dl_da = loss_obj.dloss_da(a_out, Y)[0]
            numbers = lines(term(dl_da), slope, term(d, "= ", 1.3))
            note = f"The output error: ${dloss}$ times the slope of the activation at z."
        else:
            formula = (
                rf"\delta{sup(i)} = \left(W{sup(i + 1)}\right)^{{\!\top}} \delta{sup(i + 1)} "
                rf"\odot f'(z{sup(i)})"
            )
            back, transposed = layers[i].weights.T @ deltas[i], term(layers[i].weights.T)
            numbers = lines(
                (f"{transposed[0]} {matrix(deltas[i])}", transposed[1] + term(deltas[i])[1]),
                slope,
                term(back, "= ", 1.3),
                slope,
                term(d, "= ", 1.3),
            )
            note = (
                f"Layer {i + 1}'s errors flow back along the same weights, then are scaled by this layer's "
                "slope: a unit with slope ≈ 0 (saturated or dead) passes almost nothing back."
            )
        if df_latex and "σ' cancels" not in note and not (i == count and softmax):
            note += f" Here $f'(x) = {df_latex}$."
        steps.append(Step("backward", i, f"Layer {i}: delta", formula, numbers, note,
                          {"delta": d.copy(), "fprime": fprime}))  # fmt: skip
        gw, gb = per_layer[i - 1]
        prev_a = X[0] if i == 1 else cache[i - 2][1][0]
        prev = "x" if i == 1 else f"a{sup(i - 1)}"
        d_w = rf"\frac{{\partial L}}{{\partial W{sup(i)}}}"
        formula = rf"{d_w} = \delta{sup(i)} \left({prev}\right)^{{\!\top}}"
        outer = term(prev_a.reshape(1, -1))
        numbers = [lines(term(d, f"{d_w} = ", 3.5), outer, term(gw, "= ", 1.3))]
        values = {"dW": gw.copy()}
        if gb is not None:
            d_b = rf"\frac{{\partial L}}{{\partial b{sup(i)}}}"
            formula += rf", \qquad {d_b} = \delta{sup(i)}"
            numbers.append(lines(term(gb, f"{d_b} = ", 3.5)))
            values["db"] = gb.copy()
        note = "Each weight's gradient is the error of the unit it feeds times the input it carries."
        steps.append(Step("gradient", i, f"Layer {i}: weight gradients", formula, stacked(*numbers), note,
                          values))  # fmt: skip

    updated = nn.copy()
    for (gw, gb), new in zip(per_layer, updated.layers):
        new.weights -= lr * gw
        if gb is not None:
            new.bias -= lr * gb
    with np.errstate(all="ignore"):
        z_new, a_new = updated.forward(X)[-1]
        after = loss_obj.value(a_new, Y, z_new, layers[-1].activation)
    step_by = f"- {number(lr)} \\cdot ", 2.5 + ems(number(lr))
    for i, (old, new) in enumerate(zip(layers, updated.layers), 1):
        gw, gb = per_layer[i - 1]
        formula = rf"W{sup(i)} \leftarrow W{sup(i)} - \eta\,\frac{{\partial L}}{{\partial W{sup(i)}}}"
        numbers = [lines(term(old.weights, f"W{sup(i)} \\leftarrow ", 3.0), term(gw, *step_by),
                         term(new.weights, "= ", 1.3))]  # fmt: skip
        values = {"W": new.weights.copy()}
        if gb is not None:
            grad_b = rf"\frac{{\partial L}}{{\partial b{sup(i)}}}"
            formula += rf", \quad b{sup(i)} \leftarrow b{sup(i)} - \eta\,{grad_b}"
            numbers.append(lines(term(old.bias, f"b{sup(i)} \\leftarrow ", 2.6), term(gb, *step_by),
                                 term(new.bias, "= ", 1.3)))  # fmt: skip
            values["b"] = new.bias.copy()
        note = "Every weight takes a small step against its gradient."
        if i == count:
            note += f" After the whole update, this sample's loss is {after:.4g} (before: {value:.4g})."
        steps.append(Step("update", i, f"Layer {i}: update (η = {lr:g})", formula, stacked(*numbers), note,
                          values))  # fmt: skip
    return Walkthrough(steps, grads, deltas, value, updated, after)


def softmax_delta(
    layer: int, a: np.ndarray, y: np.ndarray, delta: np.ndarray, loss: Any
) -> tuple[str, str, str]:
    """The delta of a softmax output layer ``layer``, as (formula, numbers, note): ``a − y`` with
    categorical cross-entropy (fused); with another loss, ``∂L/∂a`` times softmax's Jacobian.

    ``delta`` is the engine's; ``a`` and ``y`` are the outputs and targets, shape ``(k,)``.
    """
    d, out = rf"\delta{sup(layer)}", f"a{sup(layer)}"
    if loss.name == "cce":
        numbers = lines(term(a), term(y, "- ", 1.3), term(delta, "= ", 1.3))
        return rf"{d} = {out} - y", numbers, SOFTMAX_FUSED
    with np.errstate(all="ignore"):
        g = loss.dloss_da(a[None, :], y[None, :])[0]
    numbers = lines(term(g, "g = ", 2.0), (r",\quad", 1.0), term(delta, f"{d} = ", 2.0))
    formula = (
        rf"{d} = {out} \odot \big(g - g^{{\top}} {out}\big), \quad g = \frac{{\partial L}}{{\partial {out}}}"
    )
    return formula, numbers, SOFTMAX_JACOBIAN


def small_network(
    seed: int = 0, hidden: int = 2, activation: str = "tanh", output: str = "sigmoid"
) -> Network:
    """The default network of the page: 2-``hidden``-1 with biases."""
    return Network.from_sizes([2, hidden, 1], hidden=activation, output=output, init="xavier", seed=seed)


# --- the diagram ----------------------------------------------------------------------------------

#: The colour of each phase of the walk: forward, loss, backward (delta and gradients), update.
PHASE_COLOURS = {
    "forward": "#0877bd",
    "loss": "#7b3294",
    "backward": "#d95f02",
    "gradient": "#d95f02",
    "update": "#1a9850",
}


def diagram_svg(nn: Network, step: Step | None = None, values: list[np.ndarray] | None = None) -> str:
    """The network with the step's layer lit up in its phase's colour, node values written in.

    Parameters
    ----------
    values : list of ndarray, optional
        Numbers to print in the nodes, one array per column (inputs first).
    """
    highlight = None
    if step is not None:
        column = len(nn.layers) if step.phase == "loss" else step.layer
        edges = step.phase in ("forward", "gradient", "update")
        highlight = Highlight(column, PHASE_COLOURS[step.phase], edges)
    return network_svg(
        [layer.weights for layer in nn.layers],
        [layer.bias for layer in nn.layers],
        values=values,
        highlight=highlight,
        width=460,
    )


def node_values(nn: Network, x: Any) -> list[np.ndarray]:
    """Inputs and every layer's activations for one sample, for the diagram's nodes."""
    X = nn.as_batch(np.asarray(x, dtype=np.float64).reshape(1, -1))
    return [X[0]] + [a[0] for _, a in nn.forward(X)]
