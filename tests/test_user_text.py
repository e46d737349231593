"""User text in messages (nnviz.user_text): shown literally, on one line, shortened in the middle; typed
numbers written as a person writes them; out-of-range refusals that say which side and the range.

Every expected string here is written out by hand, so each rule (the cut, the fence, the escaping, the
number format, the wording) has a test that fails when it changes.
"""

from __future__ import annotations

import pytest

from nnviz.user_text import MAX_SHOWN, code, error_text, escape, number, out_of_range, shorten


def test_the_longest_text_shown_is_sixty_characters():
    assert MAX_SHOWN == 60
    assert shorten("a" * 60) == "a" * 60
    assert len(shorten("a" * 61)) == 60


def test_short_text_is_shown_whole_and_on_one_line():
    assert shorten("abc") == "abc"
    assert shorten("a\nb\nc") == "a b c"
    assert shorten("tab\there") == "tab\N{REPLACEMENT CHARACTER}here"  # not printable: shown as �
    assert shorten(42) == "42"  # anything is shown as its text


def test_text_at_the_limit_is_kept_and_one_more_character_cuts_the_middle():
    assert shorten("abcde", 5) == "abcde"
    # (limit - 1) // 2 characters before the mark, the rest after: 2 + "…" + 2.
    assert shorten("abcdef", 5) == "ab…ef"
    # An even limit gives the end the extra character: 2 + "…" + 3.
    assert shorten("abcdefghij", 6) == "ab…hij"
    # The default limit: 29 characters, the mark, the last 30.
    assert shorten("0123456789" * 7) == "0123456789" * 2 + "012345678" + "…" + "0123456789" * 3


def test_the_cut_keeps_both_ends_of_a_long_name():
    name = "my_very_long_model_name_" * 5 + ".nn"
    shown = shorten(name, 20)
    assert shown == name[:9] + "…" + name[-10:]
    assert len(shown) == 20


def test_code_spans_show_text_literally_in_a_fence_longer_than_any_backtick_run():
    assert code("x") == "`x`"
    assert code("a`b") == "``a`b``"
    assert code("a``b`c") == "```a``b`c```"
    # Text that starts or ends with a backtick, or is blank, is padded so the fence stays a fence.
    assert code("`x") == "`` `x ``"
    assert code("x`") == "`` x` ``"
    assert code("   ") == "`     `"
    assert code("") == "`  `"
    assert code("[x](http://a)") == "`[x](http://a)`"


def test_code_spans_are_shortened_first():
    assert code("abcdef", 5) == "`ab…ef`"
    assert code("a" * 100) == "`" + "a" * 29 + "…" + "a" * 30 + "`"


def test_escape_puts_a_backslash_before_every_markdown_character():
    for ch in "\\`*_{}[]()#+-.!|<>$~:&\"'=^@%":
        assert escape(f"a{ch}b") == f"a\\{ch}b", ch
    assert escape("plain words, 42") == "plain words, 42"
    assert escape("*a*\n$x$") == "\\*a\\* \\$x\\$"


def test_escape_shortens_to_three_hundred_characters_by_default():
    assert escape("a" * 300) == "a" * 300
    assert escape("a" * 301) == "a" * 149 + "…" + "a" * 150
    assert escape("abcdef", 5) == "ab…ef"


@pytest.mark.parametrize(
    "value, shown",
    [
        (0, "0"),
        (7, "7"),
        (2147483647, "2,147,483,647"),
        (-1500, "-1,500"),
        (3.0, "3"),
        (-2500.0, "-2,500"),
        (0.5, "0.5"),
        (1e-7, "1e-07"),
        (123456.789, "123457"),
        (999999999999999.0, "999,999,999,999,999"),
        (1e15, "1e+15"),  # whole, but too large to write out
        (-1e15, "-1e+15"),
        (float("inf"), "inf"),
    ],
)
def test_numbers_are_written_as_a_person_would(value, shown):
    assert number(value) == shown


def test_a_number_in_range_is_accepted_including_both_ends():
    assert out_of_range("Rate", 0.5, 0, 1) is None
    assert out_of_range("Rate", 0, 0, 1) is None
    assert out_of_range("Rate", 1, 0, 1) is None


def test_a_number_out_of_range_is_refused_saying_which_side_and_the_range():
    assert out_of_range("Learning rate", 5.0, 0.0, 10.0) is None
    assert out_of_range("Learning rate", 12.5, 0.0, 10.0) == (
        "Learning rate: 12.5 is above the largest allowed (0 to 10); type a number in that range."
    )
    assert out_of_range("Epochs", -3, 1, 100000) == (
        "Epochs: -3 is below the smallest allowed (1 to 100,000); type a number in that range."
    )


def test_an_error_text_is_the_escaped_reason_then_the_text_as_code():
    assert error_text("bad *thing*") == "bad \\*thing\\*"
    assert error_text(ValueError("no_good")) == "no\\_good"
    assert error_text("Could not load", "[x](http://a).nn") == "Could not load — in `[x](http://a).nn`"


# --- the playground's wording (nnviz.playground.wording) ---------------------------------------------


def test_a_typed_formula_is_shortened_to_forty_characters_in_a_layers_text():
    from nnviz.playground.settings import CUSTOM, LayerSettings
    from nnviz.playground.wording import layer_text

    forty = "x+" * 19 + "xx"  # 40 characters: shown whole
    assert layer_text(LayerSettings(3, True, CUSTOM, forty)) == f"3 [{forty}]"
    # 41 characters: 19 before the mark, the last 20 after it.
    longer = "0123456789" * 4 + "A"
    assert (
        layer_text(LayerSettings(3, True, CUSTOM, longer)) == "3 [0123456789012345678…1234567890123456789A]"
    )
    fifty = "abcdefghij" * 5
    assert layer_text(LayerSettings(2, False, CUSTOM, fifty), size=False) == (
        "[abcdefghijabcdefghi…abcdefghijabcdefghij] no bias"
    )


def test_a_network_in_a_few_words_separates_its_hidden_layers_by_commas():
    from nnviz.playground.settings import LayerSettings, Settings
    from nnviz.playground.wording import network_text

    two = Settings(hidden=(LayerSettings(4), LayerSettings(2, False, "relu")))
    assert network_text(two) == "4 tanh, 2 relu no bias → sigmoid"
    three = Settings(hidden=(LayerSettings(8), LayerSettings(4), LayerSettings(2)))
    assert network_text(three) == "8 tanh, 4 tanh, 2 tanh → sigmoid"
    assert network_text(Settings(hidden=())) == "→ sigmoid"


def test_a_divergence_message_without_a_finite_loss_names_no_loss():
    from nnviz.playground.wording import divergence_message

    assert divergence_message(0, None) == (
        "Training diverged in epoch 1: a loss or weight became NaN or infinite. The network is back at its "
        "weights after epoch 0; lower the learning rate or change the set-up."
    )
    assert divergence_message(4, (4, 0.123456)) == (
        "Training diverged in epoch 5: a loss or weight became NaN or infinite. The network is back at its "
        "weights after epoch 4 (loss 0.123); lower the learning rate or change the set-up."
    )


@pytest.mark.parametrize(
    "name, value, shown",
    [
        ("dataset", "circle", "Circle"),
        ("dataset", "spiral3", "Spiral, 3 arms"),
        ("dataset", "custom", "Your data (click or upload)"),
        ("dataset", "nowhere", "nowhere"),
        ("batch_size", 0, "full batch"),
        ("batch_size", 10, "10"),
        ("epochs_per_frame", 0, "auto (fast)"),
        ("epochs_per_frame", 20, "20"),
        ("points", 0, "0"),  # "full batch" and "auto" belong to their own fields only
        ("init", "he", "He"),
        ("init", "xavier", "Xavier / Glorot"),
        ("init", "small_normal", "small normal (×0.1)"),
        ("init", "other", "other"),
        ("features", ("x1", "x1*x2", "sin(x2)"), "x₁, x₁x₂, sin x₂"),
        ("features", ["x2^2", "odd"], "x₂², odd"),
        ("features", "x1", "x1"),
        ("shuffle", True, "on"),
        ("shuffle", False, "off"),
        ("lr", 0.03, "0.03"),
        ("data_seed", 2147483647, "2,147,483,647"),
        ("reg_rate", 1.0, "1"),
        ("loss", "bce", "bce"),
        ("dataset", 3, "3"),
    ],
)
def test_a_settings_value_is_shown_as_the_sidebar_shows_it(name, value, shown):
    from nnviz.playground.wording import value_text

    assert value_text(name, value) == shown


def test_a_difference_names_each_changed_setting_in_table_order_then_the_network():
    from dataclasses import replace

    from nnviz.playground.settings import LayerSettings, Settings
    from nnviz.playground.wording import difference

    current = Settings()
    other = replace(
        current, shuffle=True, dataset="moons", lr=0.5, init="he", hidden=(LayerSettings(3, True, "relu"),)
    )
    assert difference(other, current) == (
        "dataset Moons, learning rate 0.5, shuffle every epoch on, initialiser He, 3 relu → sigmoid"
    )
    assert difference(replace(current, output=LayerSettings(1, False, "linear")), current) == (
        "4 tanh, 2 tanh → linear no bias"
    )
    assert difference(current, replace(current)) == "same settings"


def test_an_exploding_loss_is_a_thousandfold_growth_from_a_positive_start():
    import numpy as np

    from nnviz.playground.wording import explosion_warning

    epochs = np.array([0, 3, 7])
    assert explosion_warning(epochs, np.array([0.5, 2.0, 600.0])) == (
        "The loss is exploding: 600 after epoch 7, from 0.5 at epoch 0. The steps overshoot: lower the "
        "learning rate."
    )
    assert explosion_warning(epochs, np.array([0.5, 2.0, 500.0])) is None  # exactly a thousandfold: not yet
    assert explosion_warning(epochs, np.array([0.5, 2.0, 500.001])) is not None
    assert explosion_warning(epochs, np.array([0.0, 2.0, 600.0])) is None  # no positive start to compare
    assert explosion_warning(epochs, np.array([-1.0, 2.0, 6e9])) is None
    assert explosion_warning(epochs[:1], np.array([0.5])) is None  # one point: no growth yet
    assert explosion_warning(epochs[:2], np.array([1e-3, 1.5])) == (
        "The loss is exploding: 1.5 after epoch 3, from 0.001 at epoch 0. The steps overshoot: lower the "
        "learning rate."
    )
    assert explosion_warning(np.array([2.0, 9.0]), np.array([1.0, 1e6])).startswith(
        "The loss is exploding: 1e+06 after epoch 9, from 1 at epoch 2."
    )
