"""The live view's frame data (nnviz.playground.frames) and the stream that serves it (.live)."""

from __future__ import annotations

import base64
import gc
import json
import threading
import zlib
from concurrent.futures import Future

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from nnviz.playground import frames, live
from nnviz.playground.experiment import Experiment
from nnviz.playground.settings import LayerSettings, Settings


@pytest.fixture
def client():
    """A server with only the stream's route (``live.routes()`` would mark this process as serving)."""
    app = Starlette(routes=[WebSocketRoute(live.PATH + "/{token}", live.stream)])
    with TestClient(app) as c:
        yield c


def counter(stop_after: int | None = None):
    """A frame maker that counts its calls and records the ``since`` each request named."""
    calls = []

    def make(since: int) -> tuple[bool, str]:
        calls.append(since)
        stopped = stop_after is not None and len(calls) >= stop_after
        return stopped, json.dumps({"n": len(calls), "since": since, "stopped": stopped})

    return make, calls


def ask(ws, since: int = -1) -> dict:
    ws.send_text(json.dumps({"since": since}))
    return json.loads(ws.receive_text())


def test_one_frame_per_request_and_none_unasked(client):
    token = live.new_token()
    make, calls = counter()
    live.register(token, make)
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as ws:
            for n in (1, 2, 3):
                # Exactly one frame made per request, each when it was asked for: a stream that made frames
                # on its own (pushing ahead of the browser) would have more calls than answers by now.
                assert ask(ws, since=10 * n) == {"n": n, "since": 10 * n, "stopped": False}
                assert calls == [10, 20, 30][:n]
    finally:
        live.unregister(token)


@pytest.mark.parametrize(
    "message, since",
    [('{"since": 42}', 42), ('{"since": -1}', -1), ("next", -1), ('{"since": "42"}', -1),
     ('{"since": true}', -1), ("[1, 2]", -1), ('{"since": 1e400}', -1), ("x" * 10_000, -1),
     ('{"other": 3}', -1)],
)  # fmt: skip
def test_a_request_names_an_epoch_or_nothing(message, since):
    assert live.since(message) == since


def test_a_request_of_a_hundred_characters_or_more_is_not_read():
    """A request is read only when shorter than 100 characters, even when it is valid JSON naming an epoch."""
    for length, since in ((99, 42), (100, -1), (101, -1), (500, -1)):
        message = '{"since": 42' + " " * (length - len('{"since": 42}')) + "}"
        assert len(message) == length and live.since(message) == since, length


def test_unknown_token_is_refused(client):
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect(f"{live.PATH}/{live.new_token()}") as ws:
            ws.receive_text()
    assert info.value.code == live.UNKNOWN_TOKEN


def test_stream_ends_after_a_stopped_frame_or_when_unregistered(client):
    token = live.new_token()
    make, _ = counter(stop_after=2)
    live.register(token, make)
    with client.websocket_connect(f"{live.PATH}/{token}") as ws:
        assert not ask(ws)["stopped"]
        assert ask(ws)["stopped"]
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    live.register(token, counter()[0])
    with client.websocket_connect(f"{live.PATH}/{token}") as ws:
        assert ask(ws)["n"] == 1
        live.unregister(token)
        assert ask(ws) == {"stopped": True}
        ws.send_text("{}")  # the stream has ended: a further request gets no frame, only the close
        assert ws.receive()["type"] == "websocket.close"


def test_unregistering_forgets_the_tokens_pace_and_may_be_repeated(client, monkeypatch):
    """A token played again after a pause is not slowed by its earlier frames; unregistering a token that
    is not (or no longer) registered does nothing."""
    waits = recorded_waits(monkeypatch)
    token = live.new_token()
    live.register(token, counter()[0])
    with client.websocket_connect(f"{live.PATH}/{token}") as ws:
        ask(ws)
    assert token in live._paced
    live.unregister(token)
    assert token not in live._paced and live.maker(token) is None
    live.unregister(token)
    live.unregister(live.new_token())
    live.register(token, counter()[0])
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as ws:
            assert ask(ws)["n"] == 1
        assert waits == []
    finally:
        live.unregister(token)


def test_two_tokens_get_their_own_frames(client):
    tokens = [live.new_token(), live.new_token()]
    assert tokens[0] != tokens[1] and len(tokens[0]) >= 20
    for i, token in enumerate(tokens):
        live.register(token, lambda since, i=i: (False, json.dumps({"who": i})))
    try:
        with client.websocket_connect(f"{live.PATH}/{tokens[1]}") as b:
            with client.websocket_connect(f"{live.PATH}/{tokens[0]}") as a:
                a.send_text("{}")
                b.send_text("{}")
                assert json.loads(a.receive_text())["who"] == 0
                assert json.loads(b.receive_text())["who"] == 1
    finally:
        for token in tokens:
            live.unregister(token)


def test_a_maker_may_answer_with_a_future_completed_by_another_thread(client):
    token = live.new_token()

    def make(since):
        future = Future()
        threading.Timer(0.05, future.set_result, args=((False, '{"from": "thread"}'),)).start()
        return future

    live.register(token, make)
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as ws:
            assert ask(ws)["from"] == "thread"
    finally:
        live.unregister(token)


def test_a_failed_future_ends_the_stream_with_the_reason(client):
    token = live.new_token()

    def make(since):
        future = Future()
        future.set_exception(RuntimeError("the training worker has ended"))
        return future

    live.register(token, make)
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as ws:
            assert ask(ws) == {"stopped": True, "error": "the training worker has ended"}
            with pytest.raises(WebSocketDisconnect):
                ws.receive_text()
    finally:
        live.unregister(token)


def test_a_registration_ends_with_its_owner():
    class Owner:
        pass

    owner, tokens = Owner(), [live.new_token(), live.new_token()]
    live.register(tokens[0], counter()[0], owner=owner)
    assert live.maker(tokens[0]) is not None
    del owner
    gc.collect()
    live.register(tokens[1], counter()[0])  # registering sweeps out the ended ones
    assert live.maker(tokens[0]) is None and live.maker(tokens[1]) is not None
    live.unregister(tokens[1])


def test_routes_mark_the_process_as_serving(monkeypatch):
    monkeypatch.setattr(live, "_serving", False)
    assert not live.serving()
    stream, status = live.routes()
    assert stream.path == live.PATH + "/{token}" and status.path == live.STATUS_PATH and live.serving()


def test_the_routes_serve_the_stream_and_the_status(monkeypatch):
    """The two routes ``app.py`` adds answer: frames on the stream's path, the count on the status path."""
    from nnviz.playground import workers

    monkeypatch.setattr(live, "_serving", False)
    monkeypatch.setattr(workers, "_pool", None)
    token = live.new_token()
    make, _ = counter()
    live.register(token, make)
    try:
        with TestClient(Starlette(routes=live.routes())) as c:
            with c.websocket_connect(f"{live.PATH}/{token}") as ws:
                assert ask(ws, since=5) == {"n": 1, "since": 5, "stopped": False}
            assert c.get(live.STATUS_PATH).json() == {"workers": 0, "sessions": []}
    finally:
        live.unregister(token)


# --- frame data -------------------------------------------------------------------------------------


def unpack(text: str, row: int) -> np.ndarray:
    """What the browser does with packed bytes: base64, inflate, undo the Sub filter row by row."""
    data = np.frombuffer(zlib.decompress(base64.b64decode(text)), dtype=np.uint8).reshape(-1, row)
    return np.cumsum(data, axis=1, dtype=np.uint64).astype(np.uint8)  # sums mod 256


def test_a_frame_carries_the_grid_and_maps_quantised_and_the_status():
    exp = Experiment()
    exp.train(epochs=3)
    data = frames.frame(exp)
    grid = unpack(data["grid"], frames.GRID_N)
    cells = frames.scene(exp)["map"]
    expected = exp.frame(frames.GRID_N, cells)
    assert grid.shape == (frames.GRID_N, frames.GRID_N)
    np.testing.assert_allclose(grid / 255.0, expected.grid, atol=0.5 / 255 + 1e-6)  # 0–1 outputs, 8 bits
    maps = unpack(data["maps"], cells).reshape(-1, cells, cells)
    assert len(maps) == sum(exp.nn.sizes) and len(data["ranges"]) == len(exp.nn.sizes)
    lo, hi = data["ranges"][1]
    np.testing.assert_allclose(lo + maps[2] / 255.0 * (hi - lo), expected.maps[1][0], atol=(hi - lo) / 255)
    m = exp.metrics()
    assert data["epoch"] == 3 and data["loss"] == [round(m.train_loss, 6), round(m.test_loss, 6)]
    assert data["weights"][0] == [round(v, 4) for v in exp.nn.layers[0].weights.ravel()]
    assert data["biases"][-1] == [round(v, 4) for v in exp.nn.layers[-1].bias]
    assert json.loads(json.dumps(data)) == data


def test_a_frame_sends_only_the_loss_points_after_the_epoch_the_browser_has():
    exp = Experiment()
    exp.train(epochs=40)
    everything = frames.frame(exp, -1, most=1000)["train"]
    assert [e for e, _ in everything] == list(range(41))
    latest = frames.frame(exp, since=37)["train"]
    assert latest == everything[38:]
    thinned = frames.frame(exp, since=-1, most=6)["train"]
    assert len(thinned) == 6 and thinned[0] == everything[0] and thinned[-1] == everything[-1]
    assert frames.frame(exp, since=40)["train"] == []


def test_a_frame_is_small_and_the_scene_holds_what_does_not_change():
    exp = Experiment(Settings(hidden=(LayerSettings(8), LayerSettings(8), LayerSettings(8))))
    exp.train(epochs=5)
    assert len(json.dumps(frames.frame(exp, since=4))) < 8000  # the budget per frame
    scene = frames.scene(exp)
    assert scene["sizes"] == exp.nn.sizes and scene["box"] == list(exp.dataset.box)
    assert len(scene["train"]) == len(exp.dataset.X_train) and scene["train"][0][2] in (0.0, 1.0)
    assert scene["layers"][-1] == "Output · sigmoid" and scene["colors"][0] == [245, 147, 34]


def test_non_finite_values_are_drawn_at_the_middle_and_sent_as_null():
    assert list(frames.quantise(np.array([np.nan, np.inf, -np.inf, 0.5, 2.0]), 0.0, 1.0)) == [
        128,
        255,
        0,
        128,
        255,
    ]
    exp = Experiment()
    exp.nn.layers[0].weights[0, 0] = np.inf
    data = frames.frame(exp)
    assert data["weights"][0][0] is None and json.loads(json.dumps(data))["weights"][0][0] is None


def test_neuron_maps_get_coarser_as_networks_grow():
    assert frames.map_cells([2, 4, 2, 1]) == frames.MAP_N
    assert frames.map_cells([2, 8, 8, 8, 1]) < frames.MAP_N
    assert frames.map_cells([7] + [64] * 6 + [1]) == frames.MIN_MAP_N


def test_neuron_choices_name_every_neuron():
    exp = Experiment()
    choices = frames.neuron_choices(exp)
    assert choices["none"] is None and choices["Input · x₁"] == (0, 0)
    assert choices["Hidden 1 · neuron 4"] == (1, 3) and choices["Output · neuron 1"] == (3, 0)
    assert len(choices) == 1 + sum(exp.nn.sizes)


def test_the_status_route_counts_sessions_without_naming_them(monkeypatch):
    from starlette.routing import Route

    from nnviz.playground import workers
    from nnviz.playground.player import Player

    app = Starlette(routes=[Route(live.STATUS_PATH, live.status)])
    monkeypatch.setattr(workers, "_pool", None)
    with TestClient(app) as c:
        assert c.get(live.STATUS_PATH).json() == {"workers": 0, "sessions": []}
    pool = workers.WorkerPool(0)
    monkeypatch.setattr(workers, "_pool", pool)
    player = Player(Experiment(), pool=lambda: pool)
    try:
        player.play()
        with TestClient(app) as c:
            body = c.get(live.STATUS_PATH).json()
        (seat,) = body["sessions"]
        assert body["workers"] == 1 and seat["watched"] and seat["frames"] == 0
        assert player.key not in json.dumps(body)
    finally:
        player.pause()
        pool.close()


def recorded_waits(monkeypatch) -> list[float]:
    """The pauses the stream makes to keep its pace, recorded instead of slept."""
    waits = []

    async def recorded(seconds):
        waits.append(seconds)

    monkeypatch.setattr(live, "_sleep", recorded)
    return waits


def test_a_client_asking_too_fast_is_slowed_to_the_streams_pace(client, monkeypatch):
    waits = recorded_waits(monkeypatch)
    token = live.new_token()
    make, calls = counter()
    live.register(token, make)
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as ws:
            for _ in range(4):  # back to back, far faster than a page asks
                ask(ws)
        assert len(calls) == 4 and len(waits) >= 2
        assert all(0 < w <= live.MIN_INTERVAL for w in waits)
    finally:
        live.unregister(token)


def test_two_streams_of_one_token_share_its_pace(client, monkeypatch):
    waits = recorded_waits(monkeypatch)
    token = live.new_token()
    make, calls = counter()
    live.register(token, make)
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as first:
            with client.websocket_connect(f"{live.PATH}/{token}") as second:
                assert ask(first)["n"] == 1 and waits == []
                assert ask(second)["n"] == 2  # a second socket's first frame: the token's pace holds
                assert len(waits) == 1 and 0 < waits[0] <= live.MIN_INTERVAL
                assert ask(first)["n"] == 3 and len(waits) == 2  # both keep working
    finally:
        live.unregister(token)


def test_quantise_clips_values_outside_the_range_at_both_ends():
    # over [-1, 1]: byte = round((v + 1) * 127.5); below -1 (a linear output goes there) -> 0, above 1 -> 255
    got = frames.quantise(np.array([-3.0, -1.5, -1.0, 0.0, 1.0, 7.0], dtype=np.float32), -1.0, 1.0)
    assert got.dtype == np.uint8 and got.tolist() == [0, 0, 0, 128, 255, 255]


def test_a_frames_maps_have_their_own_symmetric_ranges_and_the_outputs_the_datas_and_the_status_is_whole(
    monkeypatch,
):
    exp = Experiment(Settings(hidden=(LayerSettings(3), LayerSettings(2))))
    exp.train(epochs=2)
    data = frames.frame(exp)
    cells = frames.map_cells(exp.nn.sizes)
    arrays = exp.frame(frames.GRID_N, cells)
    # ±max(1, max |a|) for the inputs and each hidden layer; the sigmoid output over the labels' 0–1
    ranges = [[-max(1.0, float(np.abs(m).max())), max(1.0, float(np.abs(m).max()))] for m in arrays.maps[:-1]]
    assert data["ranges"] == [*ranges, [0.0, 1.0]]
    maps = unpack(data["maps"], cells).reshape(-1, cells, cells)
    np.testing.assert_allclose(maps[-1] / 255.0, arrays.maps[-1][0], atol=0.5 / 255 + 1e-6)
    m = exp.metrics()
    assert (data["batch"], data["batches"]) == (0, -(-len(exp.dataset.X_train) // 10))  # batches of 10
    assert data["accuracy"] == [round(m.train_accuracy, 4), round(m.test_accuracy, 4)]
    assert data["test"] == [[e, round(v, 6)] for e, v in zip(*exp.test_log.after(-1))]
    assert len(data["test"]) >= 2 and data["warning"] is None and data["error"] is None
    monkeypatch.setattr(Experiment, "warning", property(lambda self: "careful"))
    assert frames.frame(exp)["warning"] == "careful"


def test_a_regression_frame_has_no_accuracy_its_outputs_over_minus_1_to_1_and_no_bias_where_none():
    exp = Experiment(
        Settings(
            dataset="plane",
            output=LayerSettings(1, True, "tanh"),
            loss="mse",
            hidden=(LayerSettings(3, False),),
        )
    )
    data = frames.frame(exp)
    assert data["accuracy"] is None
    assert data["biases"][0] is None and data["biases"][1] == [round(float(exp.nn.layers[1].bias[0]), 4)]
    grid = unpack(data["grid"], frames.GRID_N)
    expected = exp.frame(frames.GRID_N, 4).grid
    np.testing.assert_allclose(grid / 127.5 - 1.0, np.clip(expected, -1, 1), atol=1 / 127.5 + 1e-6)
    assert data["ranges"][-1] == [-1.0, 1.0]


def test_a_frame_of_three_classes_sends_each_cell_as_class_times_42_plus_its_confidence_step():
    exp = Experiment(Settings(dataset="spiral3", output=LayerSettings(3, True, "softmax"), loss="cce"))
    exp.train(epochs=3)
    data = frames.frame(exp)
    predicted, confidence = exp.frame(frames.GRID_N, 4).grid
    grid = unpack(data["grid"], frames.GRID_N)
    assert grid.shape == (frames.GRID_N, frames.GRID_N)
    # the browser's reading: class = byte // 42, strength = (byte % 42) / 41 from chance (1/3) to certainty
    assert (grid // 42).tolist() == predicted.tolist()
    strength = np.clip((confidence.astype(float) - 1 / 3) * 1.5, 0.0, 1.0)
    assert np.abs((grid % 42) - strength * 41).max() <= 0.5 + 1e-3
    assert data["accuracy"] == [
        round(m, 4) for m in (exp.metrics().train_accuracy, exp.metrics().test_accuracy)
    ]


def test_grid_bytes_of_a_class_grid_count_chance_by_the_classes_given():
    predicted, confidence = np.array([[1, 3]]), np.array([[0.625, 0.25]])
    # four classes: chance 1/4, 0.625 is half-way to certainty: 20.5 -> 21; 0.25 is chance: step 0
    assert frames.grid_bytes((predicted, confidence), 4, 0.0, 1.0).tolist() == [[42 + 21, 3 * 42]]
    # the same values as a plain grid: quantised over [lo, hi], 0.625 * 255 = 159.375 -> 159, 63.75 -> 64
    assert frames.grid_bytes(np.array([0.625, 0.25]), None, 0.0, 1.0).tolist() == [159, 64]


def test_the_scene_names_the_classes_palette_and_levels_only_for_more_than_two_classes():
    three = frames.scene(
        Experiment(Settings(dataset="spiral3", output=LayerSettings(3, True, "softmax"), loss="cce"))
    )
    # Okabe–Ito's orange, blue and bluish green, written out here
    assert (three["classes"], three["levels"]) == (3, 42)
    assert three["palette"] == [[0xE6, 0x9F, 0x00], [0x00, 0x72, 0xB2], [0x00, 0x9E, 0x73]]
    assert three["classify"] is True and three["range"] == [0.0, 1.0] and three["grid"] == frames.GRID_N
    two = frames.scene(Experiment())
    assert not {"classes", "palette", "levels"} & set(two) and two["classify"] is True
    assert frames.class_scene(2) == {} and frames.class_scene(None) == {}


def test_the_scene_of_regression_data_sends_points_and_targets_to_3_decimals_and_the_input_names():
    exp = Experiment(
        Settings(
            dataset="plane", output=LayerSettings(1, True, "tanh"), loss="mse", features=("x1", "x2", "x1*x2")
        )
    )
    scene = frames.scene(exp)
    assert scene["classify"] is False and scene["range"] == [-1.0, 1.0] and "classes" not in scene
    assert scene["inputs"] == ["x₁", "x₂", "x₁x₂"]
    for name, X, y in (
        ("train", exp.dataset.X_train, exp.dataset.y_train),
        ("test", exp.dataset.X_test, exp.dataset.y_test),
    ):
        assert len(scene[name]) == len(X) > 0
        for (a, b, t), x, target in zip(scene[name], X.tolist(), y[:, 0].tolist()):
            assert (
                abs(a - x[0]) <= 0.0005 + 1e-12
                and abs(b - x[1]) <= 0.0005 + 1e-12
                and abs(t - target) <= 0.0005 + 1e-12
            )
            assert [a, b, t] == [float(f"{v:.3f}") for v in (a, b, t)]  # no more than 3 decimals
