"""The live view's frame stream: one WebSocket per playing page, each frame asked for by the browser.

Streamlit redraws a page by rerunning its script; a rerun per frame costs a round trip, a runner pass
and a React re-render, which held the playground to about 12 frames a second (``docs/app-design.md``).
While a network plays, the page instead mounts a small component that opens a WebSocket to
``/nnviz-live/<token>`` on the same server (``app.py`` adds the route to Streamlit's own server with
``st.App``) and asks for one frame at a time: it sends ``{"since": epoch}`` (the last epoch of the loss
curve it has) only after the previous frame arrived, so at most one frame is ever in flight and the
picture is never behind by more than that.

A session registers a *frame maker* under an unguessable token kept in its own ``st.session_state``.
``make(since)`` returns at once, on the event loop: ``(stopped, JSON text)`` or a
:class:`concurrent.futures.Future` of it that another thread completes (a worker process makes the
session's frames). Other sessions cannot reach a maker: the token is the only key, and a registration
lasts no longer than its owner (the session's player). This module knows nothing of Streamlit.
"""

from __future__ import annotations

import asyncio
import json
import math
import secrets
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from nnviz.playground import workers

#: Where the stream is served; the component builds its address from this.
PATH = "/nnviz-live"
#: Where the server says how many sessions play and where their time goes (no session is named).
STATUS_PATH = "/nnviz-status"
#: The close code for a token nobody registered (an old page after a server restart, a forged one).
UNKNOWN_TOKEN = 4404

#: A frame: whether it is the last one, and its JSON text.
Payload = tuple[bool, str]
FrameMaker = Callable[[int], "Payload | Future[Payload]"]
#: Least time between two frames of one token: a page asks for at most 30 a second, and a client that
#: asks faster (or opens several streams) is slowed to this pace, so that nobody can make the server draw
#: without pause.
MIN_INTERVAL = 1 / 60
#: What a stream sends when its session no longer serves frames.
STOPPED = json.dumps({"stopped": True})

_makers: dict[str, tuple[FrameMaker, weakref.ref | None]] = {}
_paced: dict[str, float] = {}  # when each token's last frame was asked for (the event loop's clock)
_sleep = asyncio.sleep  # how a stream waits to keep its pace (tests watch it)
_lock = threading.Lock()
_serving = False


def new_token() -> str:
    """A fresh unguessable token (128 random bits)."""
    return secrets.token_urlsafe(16)


def register(token: str, make: FrameMaker, owner: object | None = None) -> None:
    """Serve frames from ``make`` under ``token`` (replacing the session's previous maker).

    With an ``owner`` (the session's playground) the registration lasts no longer than the owner:
    tokens of sessions that ended while playing are dropped at the next registration.
    """
    with _lock:
        for old in [t for t, (_, ref) in _makers.items() if ref is not None and ref() is None]:
            del _makers[old]
        _makers[token] = (make, None if owner is None else weakref.ref(owner))


def unregister(token: str) -> None:
    """Stop serving ``token``: an open stream ends at its next request."""
    with _lock:
        _makers.pop(token, None)
        _paced.pop(token, None)


def maker(token: str) -> FrameMaker | None:
    with _lock:
        entry = _makers.get(token)
    return None if entry is None else entry[0]


def serving() -> bool:
    """True when this process serves the stream (started through ``app.py``, not in AppTest)."""
    return _serving


def since(message: str) -> int:
    """The epoch a request names (``{"since": 120}``); -1 for anything else: a request cannot do harm."""
    try:
        value = json.loads(message).get("since", -1) if len(message) < 100 else -1
    except (ValueError, AttributeError):
        return -1
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


async def stream(ws: WebSocket) -> None:
    """Answer each request with one frame, a token's frames at most one every :data:`MIN_INTERVAL`;
    end when the frame is the last or the token is gone."""
    token = ws.path_params["token"]
    if maker(token) is None:
        await ws.close(code=UNKNOWN_TOKEN)
        return
    await ws.accept()
    loop = asyncio.get_running_loop()
    try:
        while True:
            request = await ws.receive_text()
            wait = _paced.get(token, -math.inf) + MIN_INTERVAL - loop.time()
            if wait > 0:
                await _sleep(wait)
            make = maker(token)  # looked up each time: a rerun may have registered another maker
            if make is not None:
                _paced[token] = loop.time()
            payload = make(since(request)) if make is not None else (True, STOPPED)
            if isinstance(payload, Future):
                try:
                    payload = await asyncio.wrap_future(payload)
                except Exception as exc:  # the worker is gone: say so, and end the stream
                    payload = (True, json.dumps({"stopped": True, "error": f"{exc}"}))
            stopped, text = payload
            await ws.send_text(text)
            if stopped:
                await ws.close()
                return
    except WebSocketDisconnect:
        return


async def status(request: Request) -> JSONResponse:
    """How many workers, and per playing session (unnamed): epochs, frames, seconds of training and of
    frame-making, and whether its page still watches. For teachers, operators and tests."""
    pool = workers.current()
    seats = list((await asyncio.to_thread(pool.stats)).values()) if pool is not None else []
    return JSONResponse({"workers": pool.size if pool is not None else 0, "sessions": seats})


def routes() -> list[BaseRoute]:
    """The routes ``app.py`` adds to Streamlit's server (and from then on, :func:`serving` is True)."""
    global _serving
    _serving = True
    return [WebSocketRoute(PATH + "/{token}", stream), Route(STATUS_PATH, status)]
