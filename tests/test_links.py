"""Links that hold an experiment (nnviz.playground.links): exact round trips, the same run bit for bit after
100 epochs, sizes, and a table of hostile links, each refused whole with its message and nothing applied."""

from __future__ import annotations

import base64
import json
import random
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnviz.playground.experiment import Experiment
from nnviz.playground.links import (
    HIDEABLE,
    MAX_JSON,
    MAX_PAYLOAD,
    PARAM,
    SECTIONS,
    Link,
    LinkError,
    hidden_controls,
    keep_hidden,
    link_payload,
    link_url,
    read_link,
    refusal_message,
)
from nnviz.playground.presets import PRESETS
from nnviz.playground.settings import CUSTOM, FIELDS, LayerSettings, Settings, SettingsError, settings_to_dict

#: A set-up that uses every kind of setting: data seed, noise, shuffling, Adam, a formula, no-bias layers.
RICH = replace(
    Settings(),
    dataset="circle",
    noise=0.15,
    points=200,
    test_ratio=0.3,
    data_seed=7,
    features=("x1", "x2", "x1*x2"),
    hidden=(LayerSettings(5, True, CUSTOM, "x*tanh(log(1+exp(x)))"), LayerSettings(3, False, "relu")),
    output=LayerSettings(1, True, "sigmoid"),
    optimizer="adam",
    lr=0.01,
    batch_size=16,
    shuffle=True,
    regularization="l2",
    reg_rate=0.001,
    init="he",
    weight_seed=11,
)
#: An address a class server might have (longer than localhost's).
BASE = "https://nnviz.school-district.example.org/playground/"


def pack(text: str) -> str:
    """Any text as a link payload (deflate, base64url): how a hostile link is made."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.urlsafe_b64encode(packer.compress(text.encode()) + packer.flush()).rstrip(b"=").decode()


def b64(raw: bytes) -> str:
    """Bytes as base64url without padding (not deflated)."""
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def payload_of(data: object) -> str:
    return pack(json.dumps(data))


def with_settings(**changes) -> str:
    """A version-1 link of the default settings with ``changes`` made to its settings object."""
    settings = settings_to_dict(Settings())
    settings.update(changes)
    return payload_of({"v": 1, "settings": settings})


def weights(exp: Experiment) -> list[np.ndarray]:
    return [p.copy() for p in exp.nn.parameters()]


# --- round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_survives_a_link_exactly_and_fits_in_2_kb(name):
    settings = PRESETS[name].settings
    lesson = ["data", "lr", "layers", "preset"]
    for hide in ((), lesson):
        payload = link_payload(settings, hide)
        assert read_link(payload) == Link(settings, frozenset(hide))
        assert len(link_url(BASE, payload)) <= 2048


def test_a_rich_set_up_survives_a_link_exactly():
    assert read_link(link_payload(RICH)) == Link(RICH)
    assert read_link(link_payload(RICH, HIDEABLE)).hide == frozenset(HIDEABLE)


def test_the_link_is_the_address_with_one_query_parameter():
    payload = link_payload(RICH)
    assert link_url(BASE, payload) == f"{BASE}?{PARAM}={payload}"
    assert link_url(BASE + "?x=old&y=1", payload) == f"{BASE}?{PARAM}={payload}"
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def trained(exp: Experiment, epochs: int) -> Experiment:
    exp.train(epochs=epochs)
    return exp


def test_a_link_rebuilds_the_run_bit_for_bit_after_100_epochs():
    original = Experiment(RICH)
    start = weights(original)
    trained(original, 100)
    # The learner's session had done other things before the link arrived.
    learner = trained(Experiment(replace(Settings(), weight_seed=3, lr=0.3)), 5)
    link = read_link(link_payload(original.settings))
    learner.apply(link.settings, rebuild=True)
    assert all(np.array_equal(a, b) for a, b in zip(start, weights(learner)))
    trained(learner, 100)
    assert learner.epoch == original.epoch == 100
    assert all(np.array_equal(a, b) for a, b in zip(weights(original), weights(learner)))
    assert learner.train_log.arrays()[1].tolist() == original.train_log.arrays()[1].tolist()
    assert learner.test_log.arrays()[1].tolist() == original.test_log.arrays()[1].tolist()


def test_the_round_trip_test_would_see_a_setting_the_link_lost():
    """The bit-for-bit comparison above is sharp: one changed seed (here, the shuffling's) shows."""
    a = trained(Experiment(RICH), 100)
    b = trained(Experiment(replace(RICH, data_seed=8)), 100)
    assert not all(np.array_equal(x, y) for x, y in zip(weights(a), weights(b)))


# --- hostile links: refused whole, with one message, nothing applied -----------------------------------

HOSTILE = [
    ("missing", None, "missing or given twice"),
    ("empty", "", "x= value is empty"),
    ("huge link", "A" * (MAX_PAYLOAD + 1), "too long"),
    ("not base64url", "abc$%20def", "characters that a link never has"),
    ("bad base64", "A", "cannot be unpacked"),
    ("not deflate", b64(b"plain text, not deflated"), "cannot be unpacked"),
    ("cut short", link_payload(Settings())[:-12], "cut short"),
    ("extra bytes", pack('{"v":1,"settings":{}}')[:-2] + "AAAAAAAAAAAA", "damaged"),
    ("inflates hugely", pack(" " * (4 * MAX_JSON)), "unpacks to more than"),
    ("not utf-8", b64(zlib.compress(b"\xff\xfe", 9)[2:-4]), "not UTF-8"),
    ("bad json", pack('{"v": 1, "settings": {'), "not valid JSON"),
    ("deep nesting", pack("[" * 5000 + "]" * 5000), "nested too deeply"),
    ("NaN", pack('{"v": 1, "settings": {"lr": NaN}}'), "NaN"),
    ("Infinity", pack('{"v": 1, "settings": {"noise": -Infinity}}'), "-Infinity"),
    ("duplicate key", pack('{"v": 1, "settings": {"lr": 0.1, "lr": 5}}'), "'lr' twice"),
    ("huge number", pack('{"v": 1, "settings": {"data_seed": ' + "9" * 4000 + "}}"), "4000 digits"),
    ("not an object", payload_of([1, 2, 3]), "must be a JSON object, not list"),
    ("no version", payload_of({"settings": {}}), "no version"),
    ("version as text", payload_of({"v": "1", "settings": {}}), "no version"),
    ("version true", payload_of({"v": True, "settings": {}}), "no version"),
    ("newer version", payload_of({"v": 3, "settings": {}, "points": [[0, 0, 1]]}), "3 by a newer nnviz"),
    ("unknown top key", payload_of({"v": 1, "settings": {}, "points": []}), "unknown key 'points'"),
    ("no settings", payload_of({"v": 1}), "no settings"),
    ("settings a list", payload_of({"v": 1, "settings": []}), "settings must be a JSON object"),
    ("unknown setting", with_settings(learning_rate=0.1), "unknown key 'learning_rate'"),
    ("several unknown", with_settings(a=1, b=2, c=3, d=4), "unknown keys 'a', 'b', 'c' and more"),
    ("rate too high", with_settings(lr=50), "Learning rate: 50 is above the largest allowed"),
    ("huge value", with_settings(reg_rate=1e308), "Regularization rate"),
    ("negative noise", with_settings(noise=-0.5), "Noise: -0.5 is below the smallest allowed"),
    ("rate as text", with_settings(lr="0.1"), "'0.1' is not allowed for Learning rate"),
    ("seed as float", with_settings(weight_seed=1.5), "1.5 is not allowed for Weight seed"),
    ("toggle as number", with_settings(shuffle=1), "1 is not allowed for Shuffle every epoch"),
    ("unknown dataset", with_settings(dataset="mnist"), "'mnist' is not allowed for Dataset"),
    ("unknown feature", with_settings(features=["x1", "__import__"]), "Input features"),
    ("no features", with_settings(features=[]), "pick at least one input feature"),
    ("two wrong at once", with_settings(lr=50, noise=2), "Learning rate: 50 is above"),
    ("too many layers", with_settings(hidden=[{"size": 2}] * 7), "hidden: must be a list of at most 6"),
    ("layers not a list", with_settings(hidden={"size": 2}), "hidden: must be a list"),
    ("layer not an object", with_settings(hidden=[4]), "hidden.0: a layer must be a JSON object, not int"),
    ("layer too wide", with_settings(hidden=[{"size": 100}]), "hidden.0.size: A layer has 1 to 64 units"),
    ("layer of no units", with_settings(hidden=[{"size": 0}]), "not 0"),
    ("size as bool", with_settings(hidden=[{"size": True}]), "hidden.0: size must be int, not bool"),
    ("bias as text", with_settings(hidden=[{"bias": "yes"}]), "hidden.0: bias must be bool, not str"),
    ("unknown layer key", with_settings(hidden=[{"size": 2, "units": 3}]), "hidden.0: unknown key 'units'"),
    ("unknown activation", with_settings(hidden=[{"activation": "eval"}]), "unknown activation 'eval'"),
    ("formula too long", with_settings(hidden=[{"activation": CUSTOM, "formula": "x+" * 300}]), "most 500"),
    ("wide output", with_settings(output={"size": 3}), "output.size: the output layer has 1 unit, not 3"),
    ("hide not a list", payload_of({"v": 1, "settings": {}, "hide": "data"}), "hide: must be a list"),
    ("unknown control", payload_of({"v": 1, "settings": {}, "hide": ["bar"]}), "unknown control 'bar'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "payload", "message"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_a_hostile_link_is_refused_with_its_message_and_nothing_applied(name, payload, message):
    exp = Experiment(replace(Settings(), dataset="circle", lr=0.1))
    exp.train(epochs=2)
    before = (exp.settings, exp.epoch, weights(exp))
    with pytest.raises(LinkError) as info:
        exp.apply(read_link(payload).settings, rebuild=True)
    text = refusal_message(info.value)
    assert message in text
    assert text.startswith("This link was not applied (nothing changed): ") and "\n" not in text
    assert len(text) < 600
    assert (exp.settings, exp.epoch) == before[:2]
    assert all(np.array_equal(a, b) for a, b in zip(before[2], weights(exp)))


def test_two_wrong_settings_are_both_named_in_the_one_message():
    text = str(pytest.raises(LinkError, read_link, with_settings(lr=50, noise=2, hidden=[{"size": 0}])).value)
    assert "Learning rate: 50" in text and "Noise: 2" in text and "hidden.0.size" in text


HOSTILE_FORMULAS = [
    ("import", "__import__('os').system('touch PWNED')", "__import__"),
    ("attribute", "x.__class__", "attribute access"),
    ("lambda", "(lambda: 1)()", "a lambda"),
    ("too deep", "sin(" * 60 + "x" + ")" * 60, "nested too deeply"),
    ("huge power", "x**1000000", "too large"),
]


@pytest.mark.parametrize(
    ("name", "formula", "message"), HOSTILE_FORMULAS, ids=[c[0] for c in HOSTILE_FORMULAS]
)
def test_a_hostile_formula_in_a_link_goes_through_the_formula_checker_and_is_refused(
    name, formula, message, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    payload = with_settings(hidden=[{"size": 2, "activation": CUSTOM, "formula": formula}])
    link = read_link(payload)  # text within the length limit: read, then checked like a typed formula
    exp = Experiment()
    with pytest.raises(SettingsError) as info:
        exp.apply(link.settings, rebuild=True)
    assert "hidden.0.formula" in info.value.errors and message in str(info.value)
    assert exp.settings == Settings() and not any(Path(tmp_path).iterdir())


def test_damaged_links_never_raise_anything_but_a_link_error():
    """Thousands of random edits of a real link: each is read or refused with a LinkError, never more."""
    rng = random.Random(14)
    good = link_payload(RICH, ["data"])
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=$%"
    refused = 0
    for _ in range(3000):
        chars = list(good)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(chars))
            action = rng.random()
            if action < 0.6:
                chars[i] = rng.choice(alphabet)
            elif action < 0.8:
                del chars[i]
            else:
                chars.insert(i, rng.choice(alphabet))
        try:
            read_link("".join(chars))
        except LinkError:
            refused += 1
    assert refused > 2500  # most edits break it; none raised anything else


# --- a lesson's hidden controls ---------------------------------------------------------------------


def test_every_setting_is_in_one_sidebar_section_and_can_be_hidden():
    members = [name for _, names in SECTIONS.values() for name in names]
    assert sorted(members) == sorted([*FIELDS, "layers"])
    assert set(FIELDS) | set(SECTIONS) | {"layers", "preset", "upload", "new_weights", "edit"} == set(
        HIDEABLE
    )


def test_a_hidden_section_hides_its_settings_and_every_way_around_them():
    assert hidden_controls(["data"]) == {
        "data", "dataset", "noise", "points", "test_ratio", "data_seed", "features", "preset", "upload",
    }  # fmt: skip
    assert hidden_controls(["weight_seed"]) == {"weight_seed", "new_weights", "preset", "upload"}
    assert hidden_controls(["network"]) >= {"layers", "init", "weight_seed", "new_weights"}
    assert hidden_controls(["edit"]) == {"edit"}  # hides no setting: presets and uploads stay
    assert hidden_controls([]) == frozenset()


def test_a_hidden_setting_keeps_its_value_whatever_is_asked():
    current = replace(Settings(), lr=0.1)
    asked = replace(RICH, lr=5.0)
    kept = keep_hidden(asked, current, hidden_controls(["lr", "layers"]))
    assert kept.lr == 0.1 and kept.hidden == current.hidden and kept.output == current.output
    assert kept.dataset == RICH.dataset and kept.optimizer == RICH.optimizer  # the rest as asked
    assert keep_hidden(asked, current, frozenset()) == asked


def test_a_link_refusal_is_one_sentence_per_problem_without_their_full_stops():
    with pytest.raises(LinkError) as info:
        read_link("")
    assert info.value.errors == {"link": "the link's x= value is empty"}
    assert str(info.value) == "the link's x= value is empty"  # "link" is not repeated in front
    with pytest.raises(LinkError) as info:
        read_link(with_settings(lr=50, noise=2))
    noise = "Noise: 2 is above the largest allowed (0 to 1); type a number in that range."
    lr = "Learning rate: 50 is above the largest allowed (1e-06 to 10); type a number in that range."
    kept = " The last valid value is kept"
    assert info.value.errors == {"noise": noise + kept + ".", "lr": lr + kept + "."}
    assert str(info.value) == f"{noise}{kept}; {lr}{kept}"  # a setting's refusal names it already


def test_a_refusal_of_something_that_is_not_a_setting_names_it_in_front():
    error = LinkError(
        {"hidden.0": "a layer must be a JSON object, not int.", "hide": "unknown control 'bar'"}
    )
    assert str(error) == "hidden.0: a layer must be a JSON object, not int.; hide: unknown control 'bar'"


def test_hidden_layers_hide_the_presets_and_the_upload_too():
    assert hidden_controls(["layers"]) == {"layers", "preset", "upload"}  # each would set the layers anew


def test_hidden_layers_keep_the_output_layer_as_well():
    current = replace(Settings(), output=LayerSettings(1, True, "sigmoid"))
    asked = replace(Settings(), hidden=(LayerSettings(3),), output=LayerSettings(1, False, "tanh"))
    kept = keep_hidden(asked, current, frozenset({"layers"}))
    assert kept.output == LayerSettings(1, True, "sigmoid") and kept.hidden == current.hidden


def test_a_link_payload_is_compact_json_deflated_in_base64url_without_padding():
    settings = replace(Settings(), weight_seed=25)  # its payload's last character is an "X"
    payload = link_payload(settings)
    assert payload.endswith("X") and "=" not in payload and len(payload) % 4 != 1
    text = zlib.decompress(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)), -15).decode("ascii")
    assert text == json.dumps(json.loads(text), separators=(",", ":")) and ", " not in text
    assert read_link(payload).settings == settings
    for seed in range(3):  # payloads whose base64 would end in padding
        payload = link_payload(replace(Settings(), weight_seed=seed))
        assert "=" not in payload and read_link(payload).settings.weight_seed == seed


def test_a_damaged_link_is_refused_in_these_words():
    exact = [
        (None, "the link's x= value is missing or given twice"),
        ("", "the link's x= value is empty"),
        (
            "A" * (MAX_PAYLOAD + 1),
            f"the link is too long ({MAX_PAYLOAD + 1:,} characters; at most {MAX_PAYLOAD:,})",
        ),
        (
            "abc$%20def",
            "the link is damaged: it has characters that a link never has (was it cut or edited?)",
        ),
        ("A", "the link is damaged: its x= value cannot be unpacked (was it cut or edited?)"),
        (link_payload(Settings())[:-12], "the link is damaged: its x= value is cut short or has extra bytes"),
        (b64(zlib.compress(b"\xff\xfe", 9)[2:-4]), "the link is damaged: its text is not UTF-8"),
    ]
    for payload, message in exact:
        with pytest.raises(LinkError) as info:
            read_link(payload)
        assert str(info.value) == message
    # Exactly the longest payload is not too long (it is refused for what it holds instead).
    with pytest.raises(LinkError, match="cannot be unpacked"):
        read_link("A" * MAX_PAYLOAD)


def test_a_link_with_its_base64_padding_reads_as_one_without():
    seen = set()
    for lr in (0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0):
        settings = replace(Settings(), lr=lr)
        payload = link_payload(settings)  # written without padding
        padded = payload + "=" * (-len(payload) % 4)
        assert read_link(padded).settings == read_link(payload).settings == settings
        seen.add(len(payload) % 4)
    assert {2, 3} <= seen  # one and two "=" of padding both read


def test_a_link_that_inflates_to_megabytes_is_refused_after_reading_its_limit():
    import tracemalloc

    bomb = pack(" " * 5_000_000)  # about 5 kB of deflate: under the payload limit
    assert len(bomb) <= MAX_PAYLOAD
    tracemalloc.start()
    try:
        with pytest.raises(LinkError, match=f"unpacks to more than {MAX_JSON:,} bytes"):
            read_link(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # it stops after MAX_JSON + 1 bytes, never holding the 5 MB


def test_a_link_may_unpack_to_exactly_its_limit_and_not_a_byte_more():
    text = '{"v": 1, "settings": {}}'
    at_limit = text + " " * (MAX_JSON - len(text))  # JSON allows trailing white space
    assert read_link(pack(at_limit)).settings == Settings()
    with pytest.raises(LinkError) as info:
        read_link(pack(at_limit + " "))
    assert str(info.value) == f"the link unpacks to more than {MAX_JSON:,} bytes"


def test_a_links_refusals_name_where_the_problem_is_in_these_words():
    exact = {
        payload_of({"v": 1, "settings": []}): "settings: the settings must be a JSON object, not list",
        payload_of([1, 2, 3]): "the link must be a JSON object, not list",
        payload_of({"settings": {}}): "the link has no version number (v)",
        payload_of({"v": 0, "settings": {}}): "the link is of version 0; this nnviz reads versions 1 to 2",
        payload_of({"v": 3, "settings": {}}): (
            "the link is of version 3 by a newer nnviz; this nnviz reads versions 1 to 2"
        ),
        payload_of({"v": 1, "settings": {}, "points": []}): "unknown key 'points'",
        payload_of({"v": 1}): "the link has no settings",
        with_settings(a=1): "settings: unknown key 'a'",
        with_settings(a=1, b=2): "settings: unknown keys 'a', 'b'",
        with_settings(a=1, b=2, c=3): "settings: unknown keys 'a', 'b', 'c'",
        with_settings(a=1, b=2, c=3, d=4): "settings: unknown keys 'a', 'b', 'c' and more",
        payload_of({"v": 1, "settings": {}, "hide": ["bar"]}): "hide: unknown control 'bar'",
        with_settings(output={"size": 3}): "output.size: the output layer has 1 unit, not 3",
        with_settings(output={"size": 1, "units": 3}): "output: unknown key 'units'",
        with_settings(output=[1]): "output: a layer must be a JSON object, not list",
        with_settings(hidden=[{"activation": CUSTOM, "formula": "x+" * 300}]): (
            "hidden.0: the formula has 600 characters (at most 500)"
        ),
        pack('{"v": 1, "settings": {"lr": 0.1, "lr": 5}}'): "the link gives 'lr' twice",
        pack('{"v": 1, "settings": {"lr": 0.1, "noise": 0, "lr": 5, "noise": 1}}'): (
            "the link gives 'lr', 'noise' twice"
        ),
        pack("[" * 5000 + "]" * 5000): "the link is nested too deeply",
        pack('{"v": 1, "settings": {"data_seed": ' + "9" * 19 + "}}"): (
            "the link has a number of 19 digits (at most 18)"
        ),
    }
    for payload, message in exact.items():
        with pytest.raises(LinkError) as info:
            read_link(payload)
        assert str(info.value) == message


def test_a_link_reads_numbers_and_formulas_up_to_their_limits():
    eighteen = pack('{"v": 1, "settings": {"data_seed": ' + "9" * 18 + "}}")
    with pytest.raises(LinkError, match="^Data seed: 999,999,999,999,999,999 is above the largest allowed"):
        read_link(eighteen)  # 18 digits are read (and refused as a seed), not refused as too long
    formula = "x" + "+x" * 247 + "+1000"  # exactly 500 characters
    assert len(formula) == 500
    link = read_link(with_settings(hidden=[{"activation": CUSTOM, "formula": formula}]))
    assert link.settings.hidden[0].formula == formula
    lr = read_link(with_settings(lr=1)).settings.lr  # a whole number where a float belongs
    assert type(lr) is float and lr == 1.0
