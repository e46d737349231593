"""The live view's frames (nnviz.playground.frames) and the frame stream that serves them (.live)."""

from __future__ import annotations

import gc
import json
import threading
import time
from concurrent.futures import Future
from dataclasses import replace

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from nnviz.playground import live
from nnviz.playground.experiment import Experiment
from nnviz.playground.frames import FrameView, ViewOptions, neuron_choices
from nnviz.playground.player import Player
from nnviz.playground.settings import Settings


@pytest.fixture
def client():
    """A server with only the stream's route (``live.routes()`` would mark this process as serving)."""
    app = Starlette(routes=[WebSocketRoute(live.PATH + "/{token}", live.stream)])
    with TestClient(app) as c:
        yield c


def counter(stop_after: int | None = None):
    calls = []

    def make() -> dict:
        calls.append(time.perf_counter())
        return {"n": len(calls), "stopped": stop_after is not None and len(calls) >= stop_after}

    return make, calls


def test_one_frame_per_request_and_none_unasked(client):
    token = live.new_token()
    make, calls = counter()
    live.register(token, make)
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as ws:
            time.sleep(0.2)
            assert calls == []  # nothing is made before the browser asks: frames cannot queue up
            for n in (1, 2, 3):
                ws.send_text("next")
                assert json.loads(ws.receive_text()) == {"n": n, "stopped": False}
            time.sleep(0.2)
            assert len(calls) == 3
    finally:
        live.unregister(token)


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
        ws.send_text("next")
        assert not json.loads(ws.receive_text())["stopped"]
        ws.send_text("next")
        assert json.loads(ws.receive_text())["stopped"]
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    live.register(token, counter()[0])
    with client.websocket_connect(f"{live.PATH}/{token}") as ws:
        ws.send_text("next")
        assert json.loads(ws.receive_text())["n"] == 1
        live.unregister(token)
        ws.send_text("next")
        assert json.loads(ws.receive_text()) == {"stopped": True}


def test_two_tokens_get_their_own_frames(client):
    tokens = [live.new_token(), live.new_token()]
    assert tokens[0] != tokens[1] and len(tokens[0]) >= 20
    for i, token in enumerate(tokens):
        live.register(token, lambda i=i: {"who": i, "stopped": False})
    try:
        with client.websocket_connect(f"{live.PATH}/{tokens[1]}") as b:
            with client.websocket_connect(f"{live.PATH}/{tokens[0]}") as a:
                a.send_text("next")
                b.send_text("next")
                assert json.loads(a.receive_text())["who"] == 0
                assert json.loads(b.receive_text())["who"] == 1
    finally:
        for token in tokens:
            live.unregister(token)


def test_a_maker_may_answer_with_a_future_completed_by_another_thread(client):
    token = live.new_token()

    def make():
        future = Future()
        threading.Timer(0.05, future.set_result, args=({"from": "thread", "stopped": False},)).start()
        return future

    live.register(token, make)
    try:
        with client.websocket_connect(f"{live.PATH}/{token}") as ws:
            ws.send_text("next")
            assert json.loads(ws.receive_text())["from"] == "thread"
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
    (route,) = live.routes()
    assert route.path == live.PATH + "/{token}" and live.serving()


# --- frames ---------------------------------------------------------------------------------------


def test_still_frame_has_status_picture_and_the_inspected_neuron():
    player = Player(Experiment())
    pg = player.experiment
    pg.train(epochs=3)
    view = FrameView(player)
    status, svg, detail = view.parts(player)
    assert "nnviz-epoch'>3<" in status and svg.startswith("<svg") and detail is None
    view.opts = ViewOptions(selected=neuron_choices(pg)["Hidden 1 · neuron 2"])
    _, _, detail = view.parts(player)
    assert detail.name == "Hidden 1 · neuron 2" and "incoming weights" in detail.weights_html
    assert f"{pg.nn.layers[0].weights[1, 0]:+.4f}" in detail.weights_html
    assert "<img src='data:image/svg+xml;base64," in detail.html()


def test_payload_while_playing_then_stopped():
    player = Player(Experiment(replace(Settings(), epochs_per_frame=2)))  # frames train: no thread needed
    pg = player.experiment
    view = FrameView(player)
    player.play()
    first = view.payload()
    second = view.payload()
    assert not first["stopped"] and not second["stopped"] and first["detail"] == ""
    assert pg.epoch == 4 and view.meter.fps is not None
    assert json.loads(json.dumps(second)) == second  # what the stream sends
    third = view.next_frame().result(30)  # made by the training thread, between two epochs
    assert not third["stopped"] and pg.epoch == 6
    player.pause()
    player._thread.join(10)
    assert view.next_frame().result(0)["stopped"] and view.meter.fps is None


def test_payload_of_a_gone_session_or_a_failing_frame_stops():
    player = Player(Experiment())
    view = FrameView(player)
    player.playing = True  # as if playing, without a background thread

    def broken(*args):
        raise RuntimeError("boom")

    player.experiment.frame = broken
    assert view.payload() == {"stopped": True}
    assert not player.playing and "boom" in player.experiment.error
    player._thread.join(10)  # the frame asked for had started the background training; pausing ends it
    del player, broken
    gc.collect()
    assert view.player is None and view.payload() == {"stopped": True}
