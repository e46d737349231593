"""Activations: symbolic and compiled forms agree, derivatives are right, extremes are stable."""

import math
import warnings

import numpy as np
import pytest
import sympy as sp

from nnviz.core import ACTIVATIONS, SpecError, activation_from
from nnviz.core.activations import X, activation_from_expr, compile_expr, erf
from nnviz.core.errors import FormulaError

Z = np.concatenate([np.linspace(-8, 8, 161), [-3.3, 0.7, 2.9]])
Z = Z[np.abs(Z) > 1e-3]  # keep finite differences away from the kinks


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_builtin_numpy_code_matches_its_sympy_expression(name):
    act = ACTIVATIONS[name]
    np.testing.assert_allclose(act.f(Z), compile_expr(act.f_expr)(Z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(act.df(Z), compile_expr(act.df_expr)(Z), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_builtin_derivative_matches_central_differences(name):
    act, h = ACTIVATIONS[name], 1e-6
    numeric = (act.f(Z + h) - act.f(Z - h)) / (2 * h)
    np.testing.assert_allclose(act.df(Z), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(act.derivative(Z, act.f(Z)), act.df(Z), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_has_the_input_shape_even_when_constant(name):
    z = np.zeros((3, 2))
    assert ACTIVATIONS[name].df(z).shape == (3, 2)
    assert activation_from(lambda x: 3 * x).df(z).shape == (3, 2)
    assert activation_from(lambda x: x).df(z).shape == (3, 2)


def test_relu_like_derivatives_are_zero_at_the_kink():
    zero = np.zeros(1)
    assert ACTIVATIONS["relu"].df(zero)[0] == 0.0
    assert activation_from(lambda x: sp.Max(0, x)).df(zero)[0] == 0.0
    # A ReLU written as a formula is not the built-in object, but must follow the same convention.
    custom = activation_from(lambda x: sp.Max(0, 2 * x))
    assert custom.name is None and custom.df(zero)[0] == 0.0


@pytest.mark.parametrize("form", ["sigmoid", "softplus", "tanh", "sympy-sigmoid", "sympy-softplus"])
def test_no_overflow_or_warning_up_to_1e4(form):
    act = {
        "sympy-sigmoid": lambda: activation_from(lambda x: 1 / (1 + sp.exp(-x))),
        "sympy-softplus": lambda: activation_from(lambda x: sp.log(1 + sp.exp(x))),
    }.get(form, lambda: ACTIVATIONS[form])()
    z = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        f, df = act.f(z), act.df(z)
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(df))
    if "sigmoid" in form:
        assert f[0] == 0.0 and f[-1] == 1.0 and df[0] == 0.0
    if "softplus" in form:
        assert f[-1] == 1e4 and f[0] == 0.0


def test_sympy_functions_are_recognised_as_builtins_but_keep_their_expression():
    sig = activation_from(lambda x: 1 / (1 + sp.exp(-x)))
    assert sig.name == "sigmoid" and sig.f is ACTIVATIONS["sigmoid"].f
    assert activation_from(sp.tanh).name == "tanh"
    assert activation_from(lambda f: f).name == "linear"
    odd = activation_from(lambda x: x / (1 + sp.Abs(x)))
    assert odd.name is None
    np.testing.assert_allclose(odd.f(np.array([1.0, -3.0])), [0.5, -0.75])
    np.testing.assert_allclose(odd.df(np.array([1.0])), [0.25])


def test_each_activation_keeps_symbolic_f_and_derivative_for_display():
    f_tex, df_tex = ACTIVATIONS["sigmoid"].latex()
    assert "e^{- x}" in f_tex and df_tex
    assert sp.simplify(ACTIVATIONS["tanh"].df_expr - (1 - sp.tanh(X) ** 2)) == 0


def test_numpy_pair_uses_the_given_derivative():
    act = activation_from((np.tanh, lambda z: 2.0 * np.ones_like(z)))
    z = np.array([0.3, -0.2])
    np.testing.assert_array_equal(act.df(z), [2.0, 2.0])
    np.testing.assert_array_equal(act.derivative(z, act.f(z)), [2.0, 2.0])
    np.testing.assert_array_equal(act.f(z), np.tanh(z))  # and f as given
    assert act.f_expr is None


def test_unknown_and_malformed_activations_are_clear_errors():
    with pytest.raises(SpecError, match="pair"):
        activation_from((np.tanh,))
    with pytest.raises(SpecError, match="SymPy symbol"):
        activation_from(lambda x: float(x))
    with pytest.raises(SpecError, match="unsupported"):
        activation_from(42)


@pytest.mark.parametrize("expr", [X / 0, X + sp.zoo, sp.I * X, X + sp.oo, sp.nan * X])
def test_an_expression_with_infinities_or_i_is_refused_before_it_is_compiled(expr):
    """SymPy's complex infinity has no NumPy name: compiling it first raised KeyError('ComplexInfinity')."""
    with pytest.raises(FormulaError, match="not a finite real function"):
        activation_from_expr(expr)


def test_erf_takes_scalars_and_0d_arrays_as_well_as_batches():
    """gelu's f and f' go through erf: a NumPy scalar or a 0-d array raised AttributeError."""
    for z in (np.float64(0.5), np.array(0.5)):
        assert float(erf(z)) == pytest.approx(math.erf(0.5), rel=1e-15)
    assert erf(np.array([0.5], dtype=np.float32)).dtype == np.float32
    assert float(ACTIVATIONS["gelu"].f(np.float64(1.0))) == pytest.approx(0.5 * (1 + math.erf(2**-0.5)))


def test_names_are_read_without_case_or_surrounding_spaces_and_with_their_aliases():
    assert activation_from(" Identity ") is ACTIVATIONS["linear"]
    assert activation_from("none") is ACTIVATIONS["linear"]
    assert activation_from("LOGISTIC") is ACTIVATIONS["sigmoid"]
    assert activation_from("SiLU") is ACTIVATIONS["swish"]
    assert activation_from(" TANH") is ACTIVATIONS["tanh"]


def no_symbol(x):
    return float(x)


class Nameless:
    """A callable without a ``__name__``: it is named by its repr."""

    def __call__(self, x):
        return float(x)

    def __repr__(self):
        return "Nameless()"


def test_refused_activation_forms_are_told_in_these_words():
    pair = "an activation pair must be (f, df): two NumPy functions"
    for bad in [(np.tanh,), (np.tanh, np.cos, np.sin), (np.tanh, 1.0), (1.0, np.tanh)]:
        with pytest.raises(SpecError) as info:
            activation_from(bad)
        assert str(info.value) == pair
    for fn, shown in [(no_symbol, "'no_symbol'"), (Nameless(), "Nameless()")]:
        with pytest.raises(SpecError) as info:
            activation_from(fn)
        assert str(info.value).startswith(f"activation {shown} does not accept a SymPy symbol: ")
    with pytest.raises(SpecError) as info:
        activation_from(42)
    assert str(info.value) == "unsupported activation 42: use a name, a formula, a function or (f, df)"
    text = "x + softmax(x)" + " + x" * 20  # quoted by its first 60 characters
    with pytest.raises(FormulaError) as info:
        activation_from(f"  {text}  ")
    assert str(info.value) == (
        f"softmax cannot be part of a formula ({text[:60]!r}): a formula is a function of each unit's own "
        "sum, and softmax needs the whole layer; choose the built-in 'softmax' as the output layer's "
        "activation"
    )


def test_formula_text_is_parsed_into_an_activation_that_keeps_the_text():
    act = activation_from("x/(1+abs(x))")
    assert act.name is None and act.text == "x/(1+abs(x))"
    np.testing.assert_allclose(act.f(np.array([-3.0, 1.0])), [-0.75, 0.5], rtol=1e-15)
