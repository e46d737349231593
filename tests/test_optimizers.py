"""Momentum and Adam over many steps against independent reference implementations, and against
PyTorch's ``torch.optim`` where PyTorch is installed.

The references below are written from the textbook formulas, allocate fresh arrays every step and
share no code with ``nnviz/core/optimizers.py``:

* Momentum (Polyak's heavy ball) in its *position-difference* form,
  ``p[t+1] = p[t] - lr[t]*g[t] + beta*(p[t] - p[t-1])``. With ``v[t] = p[t] - p[t-1]`` this is exactly
  the engine's ``v = beta*v - lr*g; p += v`` (also when ``lr`` changes between steps), but it keeps the
  previous position instead of a velocity, so it is computed differently.
* Adam as in Algorithm 1 of Kingma & Ba (2015): ``m_hat = m/(1-b1^t)``, ``v_hat = v/(1-b2^t)``,
  ``p -= lr*m_hat/(sqrt(v_hat) + eps_hat)``.

Where eps goes. The engine uses the paper's "efficient" ordering (end of section 2 of the paper):

    step = lr*sqrt(1-b2^t)/(1-b1^t);  p -= step*m/(sqrt(v) + eps)

Dividing numerator and denominator by sqrt(1-b2^t):

    step*m/(sqrt(v) + eps) = lr*(m/(1-b1^t)) / (sqrt(v)/sqrt(1-b2^t) + eps/sqrt(1-b2^t))
                           = lr*m_hat / (sqrt(v_hat) + eps/sqrt(1-b2^t))

So the engine's Adam(eps) *is* the textbook update with ``eps_hat[t] = eps/sqrt(1-b2^t)`` (an identity,
not an approximation); only rounding separates the two. The tests therefore use the textbook form
with that ``eps_hat[t]`` and a tight tolerance (see ``TIGHT``). The textbook form with a constant eps
(PyTorch's) is the engine's form with ``eps*sqrt(1-b2^t)`` in place of eps; that differs only in the
eps term, and the PyTorch test maps between them exactly by setting torch's eps every step.

Every comparison is also made meaningful: :func:`test_the_tolerance_separates_the_known_bugs` checks
that the references with a known bug (step counter held at 1, beta dropped, b1/b2 swapped, eps in the
textbook place) land far outside the tolerance on the same problems.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.core import SGD, Adam, LayerSpecNBF, Momentum, Network, Trainer

#: Several parameter arrays of different shapes (as a network has: weight matrices and bias vectors,
#: plus a 3-d array and a single number, as ``update`` accepts any arrays).
SHAPES = [(4, 3), (4,), (1, 1), (2, 3, 2), (1,), (7, 5)]
STEPS = 200

#: Tolerance between the engine and a reference that computes the same update in a different order.
#: Differences are a few ulps per step: after 200 steps at most 1e-15 for Adam and 4e-13 for momentum
#: with beta = 0.99 (parameters of order 1 to 10). The known bugs move parameters by 1e-2 or more on
#: these problems (checked in the last test), ten billion times this tolerance.
TIGHT = {"rtol": 1e-11, "atol": 1e-12}


# --- the problem: parameter arrays, and gradients that change with the step and the parameters ----


def start_params(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(0.0, 1.0, shape) for shape in SHAPES]


class Gradients:
    """Gradient of a noisy, badly scaled quadratic: ``g = c*(p - target) + noise[t]``.

    The gradients depend on the current parameters (so an error in an update changes every later
    gradient), change sign, and their scale varies by five orders of magnitude between coordinates
    and over time (so Adam's second moment and its bias correction matter).
    """

    def __init__(self, seed: int, steps: int = STEPS) -> None:
        rng = np.random.default_rng(seed + 1000)
        self.targets = [rng.normal(0.0, 2.0, shape) for shape in SHAPES]
        self.curvature = [10.0 ** rng.uniform(-2.0, 1.0, shape) for shape in SHAPES]
        self.noise = [
            [rng.normal(0.0, 1.0, shape) * 10.0 ** rng.uniform(-3.0, 0.5) for shape in SHAPES]
            for _ in range(steps)
        ]

    def __call__(self, params: list[np.ndarray], t: int) -> list[np.ndarray]:
        """Gradients at step ``t`` (counted from 0) for the current ``params`` (fresh arrays)."""
        return [
            c * (p - target) + noise
            for p, target, c, noise in zip(params, self.targets, self.curvature, self.noise[t], strict=True)
        ]


def lr_schedule(base: float, steps: int, changes: dict[int, float] | None = None) -> list[float]:
    """``base`` until a step listed in ``changes`` (step index -> new lr), then that value, and so on."""
    lrs, lr = [], base
    for t in range(steps):
        lr = (changes or {}).get(t, lr)
        lrs.append(lr)
    return lrs


# --- the references ------------------------------------------------------------------------------


def reference_heavy_ball(params, grad_fn, lrs, beta):
    """Polyak's heavy ball as a recurrence on positions: p' = p - lr*g + beta*(p - p_prev)."""
    p = [x.copy() for x in params]
    p_prev = [x.copy() for x in params]  # no movement before the first step: v = 0
    for t, lr in enumerate(lrs):
        g = grad_fn(p, t)
        p_next = [pi - lr * gi + beta * (pi - qi) for pi, gi, qi in zip(p, g, p_prev, strict=True)]
        p_prev, p = p, p_next
    return p


def reference_adam(params, grad_fn, lrs, b1, b2, eps, *, eps_form="engine", hold_t=False):
    """Adam, Algorithm 1 of Kingma & Ba (2015), in the textbook form.

    ``eps_form="engine"`` adds ``eps/sqrt(1-b2^t)`` to sqrt(v_hat), which makes it the engine's update
    exactly (see the module docstring); ``"textbook"`` adds eps itself (the paper's and PyTorch's
    Algorithm 1). ``hold_t`` keeps t at 1: a known bug, used only to show the tests would catch it.
    """
    p = [x.copy() for x in params]
    m = [np.zeros_like(x) for x in params]
    v = [np.zeros_like(x) for x in params]
    for step, lr in enumerate(lrs):
        t = 1 if hold_t else step + 1
        g = grad_fn(p, step)
        m = [b1 * mi + (1.0 - b1) * gi for mi, gi in zip(m, g, strict=True)]
        v = [b2 * vi + (1.0 - b2) * gi**2 for vi, gi in zip(v, g, strict=True)]
        m_hat = [mi / (1.0 - b1**t) for mi in m]
        v_hat = [vi / (1.0 - b2**t) for vi in v]
        eps_hat = eps / math.sqrt(1.0 - b2**t) if eps_form == "engine" else eps
        p = [pi - lr * mh / (np.sqrt(vh) + eps_hat) for pi, mh, vh in zip(p, m_hat, v_hat, strict=True)]
    return p


def run_engine(optimizer, params, grad_fn, lrs):
    """Drive an engine optimizer: set its lr for each step (as the app does), then update in place."""
    p = [x.copy() for x in params]
    for t, lr in enumerate(lrs):
        optimizer.lr = lr
        g = grad_fn(p, t)
        optimizer.update(p, g)
    return p


def assert_params_close(got, want, **tol):
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, err_msg=f"parameter array {i} of shape {a.shape}", **tol)


def max_difference(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(x - y))) for x, y in zip(a, b, strict=True))


# --- the engine against the references -----------------------------------------------------------

LR_CHANGES = {60: 0.003, 120: 0.02, 170: 0.0005}  # the lr may change between steps without losing state


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("beta", [0.9, 0.5, 0.99])
@pytest.mark.parametrize("changes", [None, LR_CHANGES], ids=["constant-lr", "lr-changes"])
def test_momentum_matches_the_heavy_ball_recurrence_over_many_steps(seed, beta, changes):
    params, grads = start_params(seed), Gradients(seed)
    lrs = lr_schedule(0.01, STEPS, changes)
    got = run_engine(Momentum(lr=lrs[0], beta=beta), params, grads, lrs)
    want = reference_heavy_ball(params, grads, lrs, beta)
    assert max_difference(want, params) > 0.1  # the parameters really moved
    assert_params_close(got, want, **TIGHT)


def test_momentum_velocity_survives_a_change_of_lr():
    """After an lr change the old velocity keeps its size: only new gradient terms use the new lr."""
    p = [np.array([1.0])]
    opt = Momentum(lr=0.5, beta=0.9)
    opt.update(p, [np.array([1.0])])  # v = -0.5, p = 0.5
    opt.lr = 0.0
    opt.update(p, [np.array([123.0])])  # v = 0.9*(-0.5) - 0 = -0.45, p = 0.05
    np.testing.assert_allclose(p[0], [0.05], rtol=0, atol=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(
    "b1, b2, eps",
    [(0.9, 0.999, 1e-8), (0.8, 0.99, 1e-8), (0.9, 0.999, 1e-2), (0.5, 0.9, 0.3)],
    ids=["defaults", "short-memory", "large-eps", "huge-eps"],
)
@pytest.mark.parametrize("changes", [None, LR_CHANGES], ids=["constant-lr", "lr-changes"])
def test_adam_matches_the_textbook_algorithm_over_many_steps(seed, b1, b2, eps, changes):
    params, grads = start_params(seed), Gradients(seed)
    lrs = lr_schedule(0.01, STEPS, changes)
    got = run_engine(Adam(lr=lrs[0], beta1=b1, beta2=b2, eps=eps), params, grads, lrs)
    want = reference_adam(params, grads, lrs, b1, b2, eps)
    assert max_difference(want, params) > 0.1
    assert_params_close(got, want, **TIGHT)


def test_adam_defaults_are_the_papers():
    adam = Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-8)
    momentum = Momentum()
    assert momentum.beta == 0.9


def test_adam_bias_correction_in_its_first_steps():
    """A constant gradient g: m_hat = g and v_hat = g² at every t, so each step moves by
    lr*|g|/(|g| + eps/sqrt(1-b2^t)) — lr to within 1e-7 — in the direction of -sign(g). Without bias
    correction after step 1 (t held at 1) step 2 would move by lr*sqrt(1-b2)/(1-b1)*m2/sqrt(v2),
    about 0.86*lr."""
    p = [np.array([0.0, 0.0, 0.0])]
    g = np.array([2.0, -0.5, 1e-3])
    adam = Adam(lr=0.01)
    previous = p[0].copy()
    for t in range(1, 11):
        adam.update(p, [g.copy()])
        moved = p[0] - previous
        previous = p[0].copy()
        expected = -0.01 * g / (np.abs(g) + 1e-8 / math.sqrt(1.0 - 0.999**t))
        np.testing.assert_allclose(moved, expected, rtol=1e-12, atol=0, err_msg=f"step {t}")


def test_sgd_is_plain_gradient_descent_over_many_steps():
    params, grads = start_params(3), Gradients(3)
    lrs = lr_schedule(0.01, STEPS, LR_CHANGES)
    got = run_engine(SGD(lr=0.01), params, grads, lrs)
    want = [x.copy() for x in params]
    for t, lr in enumerate(lrs):
        want = [w - lr * g for w, g in zip(want, grads(want, t), strict=True)]
    assert_params_close(got, want, rtol=0, atol=0)  # the same arithmetic: bit-identical


def test_a_new_parameter_list_starts_fresh_state():
    """``update`` with a different number of arrays restarts Adam (t, m, v), like a new optimizer."""
    params, grads = start_params(4), Gradients(4)
    lrs = lr_schedule(0.01, 30)
    adam = Adam(lr=0.01)
    run_engine(adam, params[:2], lambda p, t: grads(p + params[2:], t)[:2], lrs)
    got = run_engine(adam, params, grads, lrs)
    assert_params_close(got, reference_adam(params, grads, lrs, 0.9, 0.999, 1e-8), **TIGHT)


# --- through the Trainer, against backprop written out by hand -------------------------------------

TRAIN_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, -0.3]])
TRAIN_Y = np.array([[0.0], [1.0], [1.0], [0.0], [0.4]])


def hand_gradients(W1, b1, W2, b2, X, Y):
    """2-3-1 net, tanh hidden, linear output, loss mean over samples of ½·Σ(a − y)²: gradients
    written out element by element in plain Python floats."""
    n = len(X)
    gW1 = [[0.0, 0.0] for _ in range(3)]
    gb1 = [0.0, 0.0, 0.0]
    gW2 = [0.0, 0.0, 0.0]
    gb2 = 0.0
    for x, (y,) in zip(X, Y, strict=True):
        h = [math.tanh(W1[j][0] * x[0] + W1[j][1] * x[1] + b1[j]) for j in range(3)]
        out = W2[0][0] * h[0] + W2[0][1] * h[1] + W2[0][2] * h[2] + b2[0]
        d_out = (out - y) / n
        gb2 += d_out
        for j in range(3):
            gW2[j] += d_out * h[j]
            d_h = d_out * W2[0][j] * (1.0 - h[j] ** 2)
            gb1[j] += d_h
            gW1[j][0] += d_h * x[0]
            gW1[j][1] += d_h * x[1]
    return [np.array(gW1), np.array(gb1), np.array([gW2]), np.array([gb2])]


@pytest.mark.parametrize("optimizer", ["adam", "momentum"])
def test_trainer_with_adam_and_momentum_matches_hand_backprop(optimizer):
    nn = Network(2, [LayerSpecNBF(3, True, "tanh"), LayerSpecNBF(1, True, "linear")], seed=5)
    start = [p.copy() for p in nn.parameters()]
    assert [p.shape for p in start] == [(3, 2), (3,), (1, 3), (1,)]
    lr, batch, epochs = 0.05, 2, 12  # 5 samples in batches of 2, 2, 1: 3 steps an epoch, 36 in all
    trainer = Trainer(nn, TRAIN_X, TRAIN_Y, optimizer=optimizer, lr=lr, batch_size=batch)
    batches = [(TRAIN_X[i : i + batch], TRAIN_Y[i : i + batch]) for i in range(0, len(TRAIN_X), batch)]
    steps = epochs * len(batches)

    def grad_fn(params, t):
        Xb, Yb = batches[t % len(batches)]
        return hand_gradients(*params, Xb, Yb)

    lrs = [lr] * steps
    if optimizer == "adam":
        want = reference_adam(start, grad_fn, lrs, 0.9, 0.999, 1e-8)
    else:
        want = reference_heavy_ball(start, grad_fn, lrs, 0.9)
    trainer.run(epochs)
    assert max_difference(want, start) > 0.05
    # Backprop sums in another order than the hand version: a few ulps per step.
    assert_params_close(nn.parameters(), want, rtol=1e-10, atol=1e-12)
    # The loss it reports after the last epoch is the mean ½·Σ(a − y)² of the final weights.
    W1, b1, W2, b2 = want
    out = np.tanh(TRAIN_X @ W1.T + b1) @ W2.T + b2
    assert trainer.history[-1] == pytest.approx(0.5 * float(np.mean(np.sum((out - TRAIN_Y) ** 2, axis=1))))


# --- PyTorch ---------------------------------------------------------------------------------------


def run_torch(torch, params, grad_fn, lrs, make_optimizer, before_step=None):
    """Run a ``torch.optim`` optimizer in float64 with the same gradient function."""
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in params]
    opt = make_optimizer(tensors)
    for t, lr in enumerate(lrs):
        for group in opt.param_groups:
            group["lr"] = lr
        if before_step is not None:
            before_step(opt, t + 1)
        current = [x.detach().numpy().copy() for x in tensors]
        for x, g in zip(tensors, grad_fn(current, t), strict=True):
            x.grad = torch.from_numpy(np.ascontiguousarray(g, dtype=np.float64))
        opt.step()
    return [x.detach().numpy().copy() for x in tensors]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("eps", [1e-8, 1e-2])
@pytest.mark.parametrize("changes", [None, LR_CHANGES], ids=["constant-lr", "lr-changes"])
def test_adam_matches_torch_optim_adam(seed, eps, changes):
    torch = pytest.importorskip(
        "torch", reason="PyTorch is optional (not in requirements-test.txt): install torch to compare"
    )
    b1, b2 = 0.9, 0.999
    params, grads = start_params(seed), Gradients(seed)
    lrs = lr_schedule(0.01, STEPS, changes)

    # torch adds its eps to sqrt(v_hat) (textbook form); the engine's eps is eps/sqrt(1-b2^t) there
    # (module docstring). Setting torch's eps to that before each step makes the two updates the same
    # formula, so the tolerance stays tight.
    def engine_eps(opt, t):
        opt.param_groups[0]["eps"] = eps / math.sqrt(1.0 - b2**t)

    want = run_torch(
        torch,
        params,
        grads,
        lrs,
        lambda ps: torch.optim.Adam(ps, lr=lrs[0], betas=(b1, b2), eps=eps, foreach=False),
        before_step=engine_eps,
    )
    got = run_engine(Adam(lr=lrs[0], beta1=b1, beta2=b2, eps=eps), params, grads, lrs)
    assert max_difference(want, params) > 0.1
    assert_params_close(got, want, **TIGHT)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("beta", [0.9, 0.5])
def test_momentum_matches_torch_optim_sgd_with_momentum(seed, beta):
    """PyTorch: ``b = mu*b + g; p -= lr*b`` (dampening 0, not Nesterov; its first step sets b = g,
    which is mu*0 + g). Engine: ``v = beta*v - lr*g; p += v``. With a constant lr and mu = beta,
    v[t] = -lr*b[t] for all t, by induction: v[0] = 0 = -lr*b[0], and if v[t-1] = -lr*b[t-1] then
    v[t] = beta*(-lr*b[t-1]) - lr*g[t] = -lr*(beta*b[t-1] + g[t]) = -lr*b[t]; so p += v[t] is
    p -= lr*b[t]: the same steps. (When lr changes the two differ: torch rescales the whole
    accumulated b by the new lr, the engine only the new gradient terms; so lr stays constant here.)
    """
    torch = pytest.importorskip(
        "torch", reason="PyTorch is optional (not in requirements-test.txt): install torch to compare"
    )
    params, grads = start_params(seed), Gradients(seed)
    lrs = lr_schedule(0.01, STEPS)
    want = run_torch(
        torch, params, grads, lrs, lambda ps: torch.optim.SGD(ps, lr=lrs[0], momentum=beta, foreach=False)
    )
    got = run_engine(Momentum(lr=lrs[0], beta=beta), params, grads, lrs)
    assert max_difference(want, params) > 0.1
    assert_params_close(got, want, **TIGHT)


# --- the tests above can fail ----------------------------------------------------------------------


def test_the_tolerance_separates_the_known_bugs():
    """The references with a known bug end far outside ``TIGHT`` of the correct ones, on the problems
    the tests above use: so those tests fail if the engine has one of these bugs."""
    params, grads = start_params(0), Gradients(0)
    lrs = lr_schedule(0.01, STEPS)
    adam = reference_adam(params, grads, lrs, 0.9, 0.999, 1e-8)
    bugs = {
        "t held at 1": reference_adam(params, grads, lrs, 0.9, 0.999, 1e-8, hold_t=True),
        "b1 and b2 swapped": reference_adam(params, grads, lrs, 0.999, 0.9, 1e-8),
        "eps in the textbook place": reference_adam(
            params, grads, lrs, 0.9, 0.999, 1e-2, eps_form="textbook"
        ),
    }
    large_eps = reference_adam(params, grads, lrs, 0.9, 0.999, 1e-2)
    for name, wrong in bugs.items():
        right = large_eps if "eps" in name else adam
        assert max_difference(wrong, right) > 1e-2, name
    heavy = reference_heavy_ball(params, grads, lrs, 0.9)
    assert max_difference(reference_heavy_ball(params, grads, lrs, 0.0), heavy) > 1e-2  # beta dropped
    assert max_difference(reference_heavy_ball(params, grads, lrs, 1.0), heavy) > 1e-2  # beta as 1
