"""Activation details the other files leave open: the element-wise erf's dtypes (GELU draws float32 grids)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from nnviz.core.activations import ACTIVATIONS, Activation, X, activation_from_expr, compile_expr, erf
from nnviz.core.errors import FormulaError, SpecError


def test_erf_keeps_a_float_dtype_and_gives_float64_for_whole_numbers():
    z32 = np.array([-1.5, 0.25, 2.0], dtype=np.float32)
    out = erf(z32)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([math.erf(v) for v in z32.tolist()], dtype=np.float32))
    ints = erf(np.array([0, 1, -2]))
    assert ints.dtype == np.float64
    assert ints.tolist() == [math.erf(0), math.erf(1), math.erf(-2)]


def test_gelu_on_a_float32_grid_stays_float32():
    z = np.linspace(-3, 3, 7, dtype=np.float32)
    assert ACTIVATIONS["gelu"].f(z).dtype == np.float32


def test_every_built_in_keeps_float32_in_f_and_in_both_derivatives():
    # The playground draws its grids in float32: no activation may widen them.
    z = np.linspace(-3, 3, 13, dtype=np.float32)
    for name in (
        "linear",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "elu",
        "softplus",
        "swish",
        "gelu",
        "sin",
        "gaussian",
    ):
        act = ACTIVATIONS[name]
        a = act.f(z)
        assert (a.dtype, act.df(z).dtype, act.derivative(z, a).dtype) == (np.float32,) * 3, name
        z64 = z.astype(np.float64)
        np.testing.assert_allclose(act.df(z), act.df(z64), rtol=1e-6, atol=1e-7, err_msg=name)


@pytest.mark.parametrize(
    "make, shown",
    [
        (lambda x: sp.I * x, "I*x"),
        (lambda x: x + sp.oo, "oo"),
        (lambda x: x - sp.oo, "-oo"),
        (lambda x: x + sp.nan, "nan"),
    ],
)
def test_an_expression_with_a_non_real_or_infinite_constant_is_refused_by_name(make, shown):
    with pytest.raises(FormulaError) as refused:
        activation_from_expr(make(X))
    assert str(refused.value) == f"f(x) is not a finite real function: {shown}"


def test_an_expression_that_is_not_finite_on_the_interval_says_where():
    with pytest.raises(FormulaError) as refused:
        activation_from_expr(sp.sqrt(X))
    assert (
        str(refused.value) == "f(x) is not finite everywhere on [-10, 10] (for example at x = -10): sqrt(x)"
    )


def test_only_an_expression_equal_to_a_built_in_to_1e_9_takes_its_stable_code():
    assert activation_from_expr(sp.tanh(X)).name == "tanh"
    # Off by a relative 1e-7 (f and f'), or by 1e-10 where tanh is 0: custom activations, compiled as written.
    assert activation_from_expr(sp.tanh(X) * (1 + sp.Float(1e-7))).name is None
    assert activation_from_expr(sp.tanh(X) + sp.Float(1e-10)).name is None


def test_a_number_is_a_constant_activation_and_anything_else_is_refused_by_type():
    act = activation_from_expr(2)
    z = np.array([[-1.0, 0.0, 3.5]])
    np.testing.assert_array_equal(act.f(z), [[2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(act.df(z), [[0.0, 0.0, 0.0]])
    with pytest.raises(SpecError) as refused:
        activation_from_expr("tanh")
    assert str(refused.value) == "an activation must be a SymPy expression in x, got str"


def test_an_expression_with_other_variables_names_them_in_order():
    with pytest.raises(FormulaError) as refused:
        activation_from_expr(X * sp.Symbol("b") + sp.Symbol("a"))
    assert str(refused.value) == "the activation may use only the variable x, not a, b"


def test_the_refusal_of_a_function_not_finite_on_the_interval_names_its_first_bad_point():
    with pytest.raises(FormulaError) as refused:
        activation_from_expr(sp.sqrt(sp.Float(5.005) - X))
    assert "(for example at x = 5.01)" in str(refused.value)


def test_a_compiled_expression_keeps_float32_and_a_constant_is_float():
    square = activation_from_expr(X**2)
    z32 = np.array([[1.5, -2.0]], dtype=np.float32)
    assert square.f(z32).dtype == np.float32
    const = activation_from_expr(2)
    assert const.f(z32).dtype == np.float64 and const.f(z32).shape == (1, 2)
    ints = const.f(np.array([1, 2]))
    assert ints.dtype == np.float64 and ints.tolist() == [2.0, 2.0]
    # At least double precision: the input's own float type if it is wider (long double, on most platforms).
    wide = const.f(np.array([1.0, 2.0], dtype=np.longdouble))
    assert wide.dtype == np.longdouble and wide.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_a_compiled_erf_is_this_modules_erf_keeping_the_inputs_float_dtype(dtype):
    # Formulas compile erf to nnviz's own erf (NumPy has none, and SciPy is not a requirement): math.erf's
    # double-precision value, rounded to the input's dtype, as NumPy's own functions keep it (tanh here).
    z = np.array([-1.5, 0.25, 2.0], dtype=dtype)
    values = compile_expr(sp.erf(X) + sp.tanh(X))(z)
    assert values.dtype == dtype
    assert values.tolist() == [float(dtype(dtype(math.erf(v)) + np.tanh(dtype(v)))) for v in z.tolist()]


def test_a_derivative_not_finite_on_the_interval_is_refused_as_f_prime():
    with pytest.raises(FormulaError) as refused:
        activation_from_expr(sp.sqrt(sp.Abs(X)))
    # d/dx sqrt(|x|) = sign(x) / (2 sqrt(|x|)), infinite at 0: the message shows f', not f
    assert str(refused.value) == (
        "f'(x) is not finite everywhere on [-10, 10] (for example at x = 0): sign(x)/(2*sqrt(Abs(x)))"
    )


def test_checking_an_expression_warns_nothing_where_it_overflows_or_is_undefined():
    # exp(x**3/10) is finite on [-10, 10] but overflows before x = 20, where it is compared with built-ins;
    # sqrt(x) is undefined for x < 0 and is refused. Neither check may print NumPy's warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        accepted = activation_from_expr(sp.exp(X**3 / 10))
        with pytest.raises(FormulaError):
            activation_from_expr(sp.sqrt(X))
    assert accepted.name is None


def test_a_derivative_holding_i_where_f_does_not_is_refused_as_f_prime():
    # d/dx (-1)**x = (-1)**x * log(-1) = (-1)**x * i*pi: f holds no I, its derivative does.
    with pytest.raises(FormulaError) as refused:
        activation_from_expr(sp.Integer(-1) ** X)
    assert str(refused.value) == "f'(x) is not a finite real function: (-1)**x*I*pi"


def test_an_expression_equal_to_a_built_in_keeps_its_own_derivative_for_display():
    act = activation_from_expr(sp.tanh(X))
    assert act.name == "tanh" and act.df_expr == 1 - sp.tanh(X) ** 2
    assert act.latex() == (sp.latex(sp.tanh(X)), sp.latex(1 - sp.tanh(X) ** 2))


def test_latex_is_empty_unless_both_f_and_its_derivative_are_expressions():
    def square(z):
        return z * z

    def twice(z):
        return 2 * z

    assert Activation(None, None, None, None, square, twice).latex() == ("", "")
    assert Activation(None, None, X**2, None, square, twice).latex() == ("", "")
    assert Activation(None, None, None, 2 * X, square, twice).latex() == ("", "")
    assert Activation(None, None, X**2, 2 * X, square, twice).latex() == ("x^{2}", "2 x")


def _by_hand(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(z) of the in-place built-ins worked out on each element (a = f(z))."""
    slope = {
        "linear": lambda zi, ai: 1.0,
        "relu": lambda zi, ai: 1.0 if zi > 0 else 0.0,
        "sigmoid": lambda zi, ai: ai * (1.0 - ai),
        "tanh": lambda zi, ai: 1.0 - ai * ai,
    }[name]
    return np.array([[slope(zi, ai) for zi, ai in zip(zr, ar)] for zr, ar in zip(z.tolist(), a.tolist())])


def _tolerance(dtype) -> dict:
    # float32: 1 − a² near 1 loses the last bits of a (an absolute error of a few float32 epsilons)
    return {"rtol": 1e-6, "atol": 2e-7} if dtype == np.float32 else {"rtol": 1e-15, "atol": 0.0}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["linear", "relu", "sigmoid", "tanh"])
def test_the_in_place_derivatives_write_into_out_and_return_it(name, dtype):
    # Activation's contract: where there is in-place code, the values go into ``out`` (the trainer's
    # kept arrays, a fresh one costs page faults) and that same array comes back.
    z = np.array([[-1.5, 0.0, 0.25], [2.0, -0.5, 3.0]], dtype=dtype)
    f = {"linear": lambda v: v, "relu": lambda v: max(v, 0.0), "sigmoid": lambda v: 1 / (1 + math.exp(-v))}
    f["tanh"] = math.tanh
    a = np.array([[f[name](v) for v in row] for row in z.tolist()], dtype=dtype)
    out = np.full_like(z, 7.0)
    result = ACTIVATIONS[name].derivative_into(z, a, out)
    assert result is out
    np.testing.assert_allclose(out, _by_hand(name, z, a), **_tolerance(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["linear", "relu", "sigmoid", "tanh"])
def test_the_in_place_derivatives_without_out_give_a_fresh_array_of_zs_dtype(name, dtype):
    z = np.array([[-1.5, 0.0, 0.25], [2.0, -0.5, 3.0]], dtype=dtype)
    a = ACTIVATIONS[name].f(z)
    kept = a.copy()
    result = ACTIVATIONS[name].derivative_into(z, a, None)
    assert result.dtype == dtype and result.shape == z.shape
    assert not np.shares_memory(result, z) and not np.shares_memory(result, a)
    np.testing.assert_array_equal(a, kept)
    np.testing.assert_allclose(result, _by_hand(name, z, a), **_tolerance(dtype))


@pytest.mark.parametrize("name", ["linear", "relu", "sigmoid", "tanh"])
def test_the_in_place_activations_write_into_out_and_return_it(name):
    z = np.array([[-1.5, 0.0, 0.25], [2.0, -0.5, 3.0]])
    by_hand = {
        "linear": lambda v: v,
        "relu": lambda v: max(v, 0.0),
        "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
        "tanh": math.tanh,
    }[name]
    out = np.full_like(z, 7.0)
    result = ACTIVATIONS[name].f_into(z, out)
    assert result is (z if name == "linear" else out)  # the identity copies nothing
    np.testing.assert_allclose(result, [[by_hand(v) for v in row] for row in z.tolist()], rtol=1e-15)


def test_an_activation_given_a_derivative_from_its_output_uses_it_in_derivative_into_too():
    # Without in-place code, derivative_into gives what derivative gives: here f'(z) from a = f(z) = tanh(z),
    # 1 − a², while the df given (all zeros, on purpose) would tell if z were used instead.
    act = Activation("mine", None, None, None, np.tanh, np.zeros_like, lambda z, a: 1.0 - a * a)
    z = np.array([[-1.5, 0.0], [0.5, 2.0]])
    a = np.tanh(z)
    slopes = [[1.0 - math.tanh(v) ** 2 for v in row] for row in z.tolist()]
    np.testing.assert_allclose(act.derivative(z, a), slopes, rtol=1e-14)  # NumPy's tanh vs math's: an ulp
    np.testing.assert_allclose(act.derivative_into(z, a, np.empty_like(z)), slopes, rtol=1e-14)


def test_an_expression_equal_to_a_built_in_takes_its_in_place_and_from_output_code_too():
    act = activation_from_expr(1 / (1 + sp.exp(-X)))
    assert act.name == "sigmoid" and act.text is None
    # The derivative from the output given: a·(1 − a) = 0.25 · 0.75, whatever z is (σ'(0) would be 0.25).
    assert act.derivative(np.array([0.0]), np.array([0.25])).tolist() == [0.1875]
    z = np.array([[-1.0, 2.0]])
    out = np.zeros_like(z)
    assert act.f_into(z, out) is out
    np.testing.assert_allclose(out, [[1 / (1 + math.exp(1.0)), 1 / (1 + math.exp(-2.0))]], rtol=1e-15)
    slopes = np.zeros_like(z)
    assert act.derivative_into(z, out, slopes) is slopes
    np.testing.assert_allclose(slopes, out * (1 - out), rtol=1e-15)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_columns_into_writes_samples_in_columns_into_out_like_f_into(name):
    by_hand = {"relu": lambda v: max(v, 0.0), "sigmoid": lambda v: 1 / (1 + math.exp(-v)), "tanh": math.tanh}[
        name
    ]
    z = np.array([[-1.5, 0.0, 0.25], [2.0, -0.5, 3.0]])  # two units, three samples
    out = np.full_like(z, 7.0)
    assert ACTIVATIONS[name].columns_into(z, out) is out
    np.testing.assert_allclose(out, [[by_hand(v) for v in row] for row in z.tolist()], rtol=1e-15)


@pytest.mark.parametrize("z", [np.float64(-2.5), 0.0, 1.0, np.array(0.75)])
def test_sigmoid_takes_a_scalar_or_a_0d_array_as_well_as_a_batch(z):
    value = ACTIVATIONS["sigmoid"].f(z)
    assert np.ndim(value) == 0
    assert float(value) == pytest.approx(1 / (1 + math.exp(-float(z))), rel=1e-15, abs=1e-16)


def test_a_sympy_function_numpy_cannot_compute_is_a_formula_error_naming_it():
    with pytest.raises(FormulaError) as info:
        activation_from_expr(sp.besselj(0, X))  # lambdify finds no NumPy besselj
    assert (
        str(info.value) == "f(x) cannot be computed with NumPy (name 'besselj' is not defined): besselj(0, x)"
    )
    for expr in (sp.gamma(X), sp.erfc(X)):  # lambdify falls back on math's scalar functions
        with pytest.raises(FormulaError) as info:
            activation_from_expr(expr)
        assert str(info.value).startswith("f(x) cannot be computed with NumPy (")
        assert str(info.value).endswith(f"): {expr}")
