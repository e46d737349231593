"""Links and Your data (issue 13): a link holds the points of a hand-made data set when it stays within
2 kB (format version 2), and otherwise leaves them out and says so; the points in a link are checked like a
data file, all or nothing."""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import replace

import numpy as np
import pytest
from test_app import view_data
from test_app_links import opened
from test_app_links import shared_link as shown_link
from test_links import payload_of
from test_your_data import clicked, same_data

from nnviz.core.datasets import CUSTOM, make_dataset
from nnviz.playground import your_data
from nnviz.playground.links import (
    MAX_LINK,
    LinkError,
    link_payload,
    read_link,
    shared_link,
)
from nnviz.playground.settings import LayerSettings, Settings, settings_to_dict

BASE = "http://localhost:8501/"
OWN = clicked([(0.25, 1.5, 0), (-3.75, 2.0, 1), (1e-3, -5.5, 1), (4.0, 4.0, 0)])
YOURS = replace(Settings(), dataset=CUSTOM)


def version(payload: str) -> int:
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw, -15))["v"]


def test_a_small_hand_made_data_set_travels_in_the_link_bit_for_bit():
    url, left_out = shared_link(BASE, YOURS, ["data"], OWN)
    assert left_out is None and len(url) <= MAX_LINK
    payload = url.split("?x=")[1]
    assert version(payload) == 2
    link = read_link(payload)
    assert link.settings == YOURS and link.hide == frozenset({"data"})
    assert same_data(link.data, OWN) and link.data.box == OWN.box and link.data.name == CUSTOM


def test_a_built_in_data_set_is_named_not_carried_and_stays_version_1():
    url, left_out = shared_link(BASE, Settings(), (), OWN)
    assert (
        left_out is None and version(url.split("?x=")[1]) == 1 and read_link(url.split("?x=")[1]).data is None
    )


def test_a_data_set_too_large_for_2_kb_is_left_out_with_one_message():
    big = your_data.of(make_dataset("circle", 400, 0.2, 0.5, 1))
    url, left_out = shared_link(BASE, YOURS, (), big)
    assert len(link_payload(YOURS, (), big)) > MAX_LINK
    assert left_out.startswith("Your data (400 points) does not fit in a link of at most 2,048 characters")
    assert read_link(url.split("?x=")[1]).data is None and len(url) < MAX_LINK


def test_clicked_points_are_snapped_so_that_links_stay_short():
    assert your_data.snapped(1.23456789, 12.0) == 1.23 and your_data.snapped(-0.0123456, 0.5) == -0.0123
    assert your_data.snapped(1234.5678, 5000.0) == 1235.0
    snapped = clicked([(your_data.snapped(x, 12), your_data.snapped(y, 12), i % 2) for i, (x, y) in
                       enumerate(np.random.default_rng(0).uniform(-6, 6, (90, 2)))])  # fmt: skip
    url, left_out = shared_link(BASE, YOURS, (), snapped)
    assert left_out is None and len(url) <= MAX_LINK  # 90 clicks fit


def data_link(data: object, settings: Settings = YOURS, v: int = 2) -> str:
    return payload_of({"v": v, "settings": settings_to_dict(settings), "data": data})


GOOD = your_data.to_plain(OWN)
HOSTILE = [
    ("data in a version-1 link", data_link(GOOD, v=1), "unknown key 'data'"),
    ("data for a built-in dataset", data_link(GOOD, Settings()), "its dataset is 'xor', not Your data"),
    ("not an object", data_link([1, 2]), "exactly the keys"),
    ("a key missing", data_link({k: v for k, v in GOOD.items() if k != "box"}), "exactly the keys"),
    ("an extra key", data_link({**GOOD, "code": "import os"}), "exactly the keys"),
    ("points not a list", data_link({**GOOD, "points": "0,0,1"}), "[x1, x2, label or y]"),
    ("a point of two numbers", data_link({**GOOD, "points": [[0, 0]]}), "[x1, x2, label or y]"),
    ("a boolean", data_link({**GOOD, "points": [[0, True, 1]]}), "[x1, x2, label or y]"),
    ("a text number", data_link({**GOOD, "points": [[0, "1", 1]]}), "[x1, x2, label or y]"),
    ("train past the points", data_link({**GOOD, "train": 5}), "train must be a whole number from 0 to 4"),
    ("train a boolean", data_link({**GOOD, "train": True}), "train must be a whole number"),
    ("another kind", data_link({**GOOD, "kind": "clustering"}), "classification or regression"),
    ("classes a text", data_link({**GOOD, "classes": "ab"}), "the classes must be a list"),
    ("seven classes", data_link({**GOOD, "classes": list("abcdefg")}), "2 to 6 classes"),
    (
        "a label past the classes",
        data_link({**GOOD, "points": [[0, 0, 2]], "train": 1}),
        "class numbers 0 to 1",
    ),
    ("a class name of code", data_link({**GOOD, "classes": ["a", " b"]}), "without spaces at either end"),
    ("a box upside down", data_link({**GOOD, "box": [1, -1, 0, 1]}), "x_min < x_max"),
    ("a box of three", data_link({**GOOD, "box": [0, 1, 0]}), "four finite numbers"),
    ("a huge coordinate", data_link({**GOOD, "points": [[1e16, 0, 0]], "train": 1}), "at most 1e+15"),
    ("three classes, one output", data_link(your_data.to_plain(clicked([(0, 0, 0), (1, 1, 2)]))), "softmax"),
]


@pytest.mark.parametrize("name, payload, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_points_in_a_link_are_refused_whole(name, payload, message):
    with pytest.raises(LinkError) as info:
        read_link(payload)
    assert message in str(info.value), str(info.value)


def test_a_three_class_data_set_with_a_softmax_output_travels():
    three = clicked([(0, 0, 0), (1, 1, 1), (2, 0, 2)])
    settings = replace(YOURS, loss="cce", output=LayerSettings(1, True, "softmax"))
    link = read_link(link_payload(settings, (), three))
    assert same_data(link.data, three) and link.settings == settings


def test_opening_a_link_with_points_trains_on_them_and_without_says_so():
    at = opened({"x": link_payload(YOURS, (), OWN)})
    exp = at.session_state["playground"].experiment
    assert not at.error and exp.settings.dataset == CUSTOM and same_data(exp.dataset, OWN)
    at.button(key="step").click().run()
    assert exp.epoch == 1
    at = opened({"x": link_payload(YOURS)})
    assert any("does not hold its data's points" in i.value for i in at.info)
    assert len(at.session_state["playground"].experiment.X_train) == 0 and not at.exception


def test_the_share_expander_holds_small_data_and_says_when_it_leaves_large_data_out():
    at = opened()
    at.button(key="data.empty").click().run()
    for x, label in ((-2, 0), (2, 1)):
        at.session_state["playground"].experiment.set_data(
            your_data.with_point(at.session_state["playground"].experiment.dataset, x, x, label)
        )
    at.run()
    link = read_link(shown_link(at).split("?x=")[1])
    assert same_data(link.data, at.session_state["playground"].experiment.dataset)
    assert not [w for w in at.warning if "does not fit in a link" in w.value]
    xy = np.random.default_rng(2).uniform(-5, 5, (400, 2))
    rows = "".join(f"{x:.6f},{y:.6f},{int(x > y)}\n" for x, y in xy)  # does not compress into 2 kB
    at.file_uploader(key="data.upload").set_value(("big.csv", rows.encode(), "text/csv")).run()
    assert read_link(shown_link(at).split("?x=")[1]).data is None
    (warning,) = [w for w in at.warning if "does not fit in a link" in w.value]
    assert warning.value.startswith("Your data (400 points) does not fit in a link")


def test_a_lesson_that_hides_the_dataset_hides_your_data_and_its_clicks():
    at = opened({"x": link_payload(Settings(), ["dataset"])})
    assert "data.empty" not in {b.key for b in at.button} and not at.exception
    assert view_data(at)["editable"] is False
    assert view_data(opened())["editable"] is True


def test_a_shared_link_keeps_its_hidden_controls_with_or_without_the_points():
    url, left_out = shared_link(BASE, Settings(), ["lr", "data"], OWN)  # a built-in dataset
    assert left_out is None and read_link(url.split("?x=")[1]).hide == {"lr", "data"}
    big = clicked([(i / 10, -i / 10, i % 2) for i in range(400)])
    url, left_out = shared_link(BASE, YOURS, ["optimizer"], big)
    assert read_link(url.split("?x=")[1]).hide == {"optimizer"}
    assert left_out == (
        "Your data (400 points) does not fit in a link of at most 2,048 characters, so this link leaves it"
        " out (it opens with an empty canvas): share the data as a CSV file or in the model (.nn)."
    )


def test_a_link_of_exactly_2048_characters_still_holds_the_points():
    payload = link_payload(YOURS, (), OWN)
    base = "http://localhost:8501/"
    base += "a" * (MAX_LINK - len(base) - len("?x=") - len(payload))  # the whole link: 2,048 characters
    url, left_out = shared_link(base, YOURS, (), OWN)
    assert len(url) == 2048 and left_out is None and same_data(read_link(url.split("?x=")[1]).data, OWN)
    url, left_out = shared_link(base + "a", YOURS, (), OWN)  # one more: the points are left out
    assert left_out is not None and read_link(url.split("?x=")[1]).data is None


def test_points_with_non_ascii_class_names_travel_in_the_link():
    own = your_data.from_plain({**your_data.to_plain(OWN), "classes": ["gato", "niño"]})
    payload = link_payload(YOURS, (), own)
    assert payload.isascii() and read_link(payload).data.class_names == ("gato", "niño")


def test_points_refused_in_a_link_are_filed_under_data():
    with pytest.raises(LinkError) as info:
        read_link(data_link(GOOD, Settings()))
    assert info.value.errors == {"data": "the link holds points but its dataset is 'xor', not Your data"}
    assert str(info.value) == "data: the link holds points but its dataset is 'xor', not Your data"
    with pytest.raises(LinkError) as info:
        read_link(data_link({**GOOD, "kind": "clustering"}))
    why = "the kind must be classification or regression, not 'clustering'"
    assert info.value.errors == {"data": why} and str(info.value) == f"data: {why}"
