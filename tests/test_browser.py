"""The playground and the learning pages in real headless Chromium against a real ``streamlit run app.py``.

Waits have deadlines (a shared 2-core machine can be slow); nothing here asserts on speed. Every page is
watched (``new_context`` in ``conftest.py``): a page error or console error anywhere fails the test. The
learning pages are opened the way a learner does, through the sidebar navigation from the playground,
which also keeps the session (the inspector then sees the playground's network).
"""

from __future__ import annotations

import re
import time
import urllib.parse

import numpy as np
import pytest
from conftest import BrowserProblems

from nnviz.core import Network

pytestmark = pytest.mark.browser

NO_EXCEPTION = '[data-testid="stException"]'
DISCONNECTED = "live view disconnected"
#: A page's model upload: the playground's (key "upload") or the inspector's ("insp.file"), not the
#: playground's other one (Your data's CSV, "data.upload").
UPLOAD = ", ".join(
    f'.st-key-{key} [data-testid="stFileUploaderDropzoneInput"]' for key in ("upload", "insp-file")
)


def wait_until(condition, deadline: float = 30.0, what: str = "condition"):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {deadline:.0f} s waiting for {what}")


def epoch(page) -> int:
    text = page.locator(".nnviz-epoch").first.inner_text(timeout=10_000)
    return int(text.replace(",", ""))


# What the live view's picture shows: its canvases (boundary, loss curve, network) as PNG data.
PICTURE = """() => [...document.querySelectorAll('.nnviz-live canvas')].map((c) => c.toDataURL()).join('|')"""


def picture(page) -> str:
    return page.evaluate(PICTURE)


def streaming(page) -> bool:
    """The live view has its frame stream open (it opens one while playing and closes it on Pause)."""
    return page.evaluate("window.__nnvizStreams.some((ws) => ws.readyState === WebSocket.OPEN)")


def frames_received(page) -> int:
    """Frames the page has received over its frame streams so far."""
    return page.evaluate("window.__nnvizFrames")


def button(page, key: str):
    """The button of widget ``key`` (Streamlit writes a key's dots as dashes in its class)."""
    return page.locator(f".st-key-{key.replace('.', '-')} button").first


def script_state(page) -> str | None:
    """The app's script state, "running" or "notRunning" (wait for content first: a click's run starts
    tens of ms after the click, so "notRunning" alone does not show that the run has happened)."""
    return page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")


def no_exception(page) -> None:
    assert page.locator(NO_EXCEPTION).count() == 0, page.locator(NO_EXCEPTION).first.inner_text()


# Added to every page before Streamlit loads. It keeps the live view's frame streams (WebSockets to
# /nnviz-live/<token>) and counts the frames they bring; it records every "live view disconnected" that
# live_view.js ever writes into the page, even one that a later run removes again; and it keeps the text
# of every alert (st.info, st.error, ...) shown, even one that the next run replaces.
WATCH_PAGE = """
window.__nnvizStreams = [];
window.__nnvizFrames = 0;
window.__nnvizKept = [];  // the last frames' JSON text
window.__nnvizDisconnected = [];
window.__nnvizAlerts = new Set();
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(url, protocols) {
    super(url, protocols);
    if (!String(url).includes("/nnviz-live/")) return;
    window.__nnvizStreams.push(this);
    this.addEventListener("message", (event) => {
      window.__nnvizFrames += 1;
      window.__nnvizKept.push(event.data);
      if (window.__nnvizKept.length > 200) window.__nnvizKept.shift();
    });
  }
};
new MutationObserver((records) => {
  for (const record of records) {
    for (const node of record.addedNodes) {
      const text = node.textContent || "";
      if (text.includes("DISCONNECTED")) window.__nnvizDisconnected.push(text);
    }
  }
  for (const alert of document.querySelectorAll('[data-testid="stAlert"]')) {
    window.__nnvizAlerts.add(alert.textContent);
  }
}).observe(document, { childList: true, subtree: true, characterData: true });
""".replace("DISCONNECTED", DISCONNECTED)


def alerted(page, text: str) -> bool:
    """Whether an alert with ``text`` has been shown on the page (it may be gone by now)."""
    return page.evaluate("(text) => [...window.__nnvizAlerts].some((alert) => alert.includes(text))", text)


def assert_live_view_connected(page) -> None:
    """The live view never said it was disconnected, and does not say so now."""
    assert page.evaluate("window.__nnvizDisconnected") == []
    assert page.get_by_text(DISCONNECTED).count() == 0


@pytest.fixture
def open_page(new_context, server):
    """``open_page(preset="")``: a new browser context (a new session) on the playground, watched for
    errors; at teardown, none of its pages may ever have shown the live view as disconnected."""
    pages = []

    def open_one(preset: str = ""):
        context = new_context(viewport={"width": 1500, "height": 1200}, accept_downloads=True)
        context.add_init_script(WATCH_PAGE)
        page = context.new_page()
        pages.append(page)
        page.goto(server.url + (f"/?preset={urllib.parse.quote(preset)}" if preset else ""), timeout=60_000)
        page.wait_for_selector(".nnviz-epoch", timeout=60_000)
        return page

    yield open_one
    for page in pages:
        if not page.is_closed():  # a test may close a tab on purpose
            assert_live_view_connected(page)


def play(page) -> None:
    button(page, "play").click()
    wait_until(lambda: button(page, "pause").is_enabled(), what="the Pause button to become enabled")


def pause(page) -> None:
    button(page, "pause").click()
    wait_until(lambda: button(page, "play").is_enabled(), what="the Play button to become enabled")


# Called by the browser at each animation frame (wait_for_function with polling="raf") until it has seen
# `frames` of them; it records what the epoch counter and the picture showed at each one.
OBSERVE = """([key, frames]) => {
  const o = window[key] || (window[key] = { frames: 0, seen: new Set() });
  const epoch = document.querySelector('.nnviz-epoch');
  const canvases = [...document.querySelectorAll('.nnviz-live canvas')].map((c) => c.toDataURL());
  o.seen.add([epoch && epoch.textContent, ...canvases].join('|'));
  o.frames += 1;
  return o.frames >= frames;
}"""


def shows_during(page, frames: int = 60) -> int:
    """How many different (epoch, picture) states the page showed over ``frames`` animation frames.

    The observation window is counted in frames the browser drew, not in seconds: 60 frames are many
    times the streamed view's frame interval (at most 30 frames a second), so a page whose live view was
    still updating would show a change within them. The deadline only bounds a stalled browser.
    """
    key = f"__observe{time.monotonic_ns()}"
    page.wait_for_function(OBSERVE, arg=[key, frames], polling="raf", timeout=30_000)
    return page.evaluate(f"window.{key}.seen.size")


def downloaded(page, key: str, tmp_path):
    """The file the download button ``key`` gives, saved under ``tmp_path``.

    A click that lands while the page reruns gets no download (the server logs "Deferred file ... not
    found": the button's file belonged to the run being replaced), so the click is repeated until a
    download comes, within a deadline.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    def download():
        try:
            with page.expect_download(timeout=15_000) as info:
                button(page, key).click()
        except PlaywrightTimeoutError:
            return None
        path = tmp_path / f"saved-{time.monotonic_ns()}-{info.value.suggested_filename}"
        info.value.save_as(path)
        return path

    return wait_until(download, deadline=60, what=f"a download from {key}")


def saved_model(page, tmp_path) -> Network:
    """The network as the server has it now, through the page's "Download .nn" button."""
    return Network.from_bytes(downloaded(page, "download_nn", tmp_path).read_bytes())


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the select box ``label``. A click does not always open the list (the first one
    after a download did not), so the list is opened until its option shows, within a deadline."""
    box = page.get_by_role("combobox", name=label)
    choice = page.get_by_role("option", name=option, exact=True)

    def list_open() -> bool:
        if box.get_attribute("aria-expanded") != "true":
            box.click()
        return choice.is_visible()

    wait_until(list_open, what=f"the options of {label!r} to show")
    choice.click()
    wait_until(lambda: box.input_value() == option, what=f"{label!r} to show {option!r}")


def appears(page, target, deadline: float = 30.0):
    """Wait for ``target`` (a text, a pattern or a locator) to show; an exception on the page fails at
    once, with its message, instead of at the deadline."""
    locator = page.get_by_text(target) if isinstance(target, str | re.Pattern) else target

    def shown() -> bool:
        no_exception(page)
        return locator.first.is_visible()

    wait_until(shown, deadline, what=f"{target} to show")
    return locator.first


def heading(page, name: str):
    return page.get_by_role("heading", name=name, exact=True)


def navigate(page, label: str, title: str):
    """Open a page from the sidebar navigation (as a learner does: same session, no deep link)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=label, exact=True).click()
    appears(page, heading(page, title))
    return page


def test_the_error_watch_sees_console_errors_and_page_errors(browser, server):
    """The watch every other test relies on (``new_context``) does see both kinds of error."""
    problems = BrowserProblems()
    context = browser.new_context()
    try:
        problems.watch(context)
        page = context.new_page()
        page.goto(server.url, timeout=60_000)
        with page.expect_console_message(lambda message: message.type == "error", timeout=10_000):
            page.evaluate("console.error('watched console error')")
        with page.expect_event("pageerror", timeout=10_000):
            page.evaluate("setTimeout(() => { throw new Error('watched page error'); })")
    finally:
        context.close()
    assert len(problems.messages) == 2, problems.messages
    assert "console error" in problems.messages[0] and "watched console error" in problems.messages[0]
    assert "page error" in problems.messages[1] and "watched page error" in problems.messages[1]


def test_page_loads_and_play_trains_and_pause_stops(open_page, artifacts):
    page = open_page()
    no_exception(page)
    assert epoch(page) == 0
    page.screenshot(path=str(artifacts / "playground-start.png"), full_page=True)
    first = picture(page)
    assert not streaming(page)

    play(page)
    wait_until(lambda: epoch(page) > 20, what="the epoch counter to rise")
    seen = epoch(page)
    wait_until(lambda: epoch(page) > seen, what="the epoch counter to keep rising")
    wait_until(lambda: streaming(page), what="the live view to stream frames")
    shown = picture(page)
    wait_until(lambda: picture(page) not in (first, shown), what="the streamed picture to change")
    page.screenshot(path=str(artifacts / "playground-playing.png"), full_page=True)
    # The observation used after Pause does see a playing page change (so "one state" there means still).
    assert shows_during(page) > 1
    assert_live_view_connected(page)

    pause(page)
    wait_until(lambda: not streaming(page), what="the frame stream to close after Pause")
    wait_until(lambda: script_state(page) == "notRunning", what="the run after Pause to end")
    # The Pause run hands the live view the paused network, which it draws after decoding it (async):
    # wait for the picture to settle, one observation window without a change (see shows_during).
    wait_until(lambda: shows_during(page) == 1, what="the picture to settle after Pause")
    shown_at_pause = epoch(page)
    # Then make the server draw the paused network afresh, twice: "Show test data" on, then off, reruns
    # the page, and the picture changing (test points shown, then hidden) proves that run has drawn; the
    # epoch it draws is the server's after that round trip. In between, nothing may change: instead of
    # sleeping, the page is watched for a counted number of animation frames.
    drawn = []
    for _ in range(2):
        before = picture(page)
        page.get_by_text("Show test data").click()
        wait_until(lambda b=before: picture(page) != b, what="the run that shows or hides the test data")
        wait_until(lambda: script_state(page) == "notRunning", what="that run to end")
        drawn.append(epoch(page))
        assert shows_during(page) == 1, "the paused page changed"
    assert drawn[0] == drawn[1], f"training went on after Pause: epoch {drawn[0]}, then {drawn[1]}"
    assert drawn[0] == shown_at_pause, (
        f"after Pause the page showed epoch {shown_at_pause}, but the paused network is at epoch {drawn[0]}"
    )
    assert not streaming(page)
    no_exception(page)


def test_two_pages_train_independently(open_page):
    a, b = open_page(), open_page()
    play(a)
    wait_until(lambda: epoch(a) > 10, what="page A to train")
    assert epoch(b) == 0
    button(b, "step").click()
    wait_until(lambda: epoch(b) == 1, what="page B's single step")
    # The step's run ends, and the live view draws the stepped network after decoding it (async): let
    # B's picture settle first (see the Pause test), then watch it while A trains.
    wait_until(lambda: script_state(b) == "notRunning", what="B's step run to end")
    wait_until(lambda: shows_during(b) == 1, what="B's picture to settle after its step")
    a_now = epoch(a)
    # B stays still over a counted window of its own animation frames while A goes on training...
    assert shows_during(b) == 1
    wait_until(lambda: epoch(a) > a_now, what="page A to keep training")
    # ...and B's server-side count was not moved by A's training: one more step makes it exactly 2.
    button(b, "step").click()
    wait_until(lambda: epoch(b) != 1, what="page B's second step")
    assert epoch(b) == 2
    assert_live_view_connected(a)
    pause(a)
    no_exception(a)
    no_exception(b)


def test_download_model_and_picture_then_upload_a_bad_file(open_page, artifacts, tmp_path):
    page = open_page()
    for _ in range(3):
        before = epoch(page)
        button(page, "step").click()
        wait_until(lambda b=before: epoch(page) == b + 1, what="a step")
    with page.expect_download(timeout=30_000) as info:
        button(page, "download_nn").click()
    path = tmp_path / "model.nn"
    info.value.save_as(path)
    nn = Network.from_bytes(path.read_bytes())
    assert nn.sizes == [2, 4, 2, 1] and nn.metadata["epoch"] == 3 and nn.metadata["dataset"] == "xor"
    assert np.all(np.isfinite(nn.predict(np.zeros((3, 2)))))

    with page.expect_download(timeout=30_000) as info:
        button(page, "download_png").click()
    picture = artifacts / "boundary-download.png"
    info.value.save_as(picture)
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    page.locator(UPLOAD).set_input_files(
        files=[{"name": "junk.nn", "mimeType": "application/octet-stream", "buffer": b"junk bytes"}]
    )
    page.get_by_text("Could not load the model").wait_for(timeout=30_000)
    assert "junk.nn" in page.get_by_text("Could not load the model").inner_text()
    no_exception(page)
    assert epoch(page) == 3


def test_the_export_buttons_give_the_networks_code_and_onnx(open_page, tmp_path):
    """NumPy code that predicts what the engine predicts, torch code that parses, an ONNX model."""
    import ast
    import importlib.util

    page = open_page()
    button(page, "step").click()
    wait_until(lambda: epoch(page) == 1, what="a step")
    nn = saved_model(page, tmp_path)
    spec = importlib.util.spec_from_file_location("exported", downloaded(page, "download_numpy", tmp_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # our own download of the session's network, in a test
    X = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    np.testing.assert_allclose(module.predict(X), nn.predict(X), rtol=0, atol=1e-12)
    torch_source = downloaded(page, "download_torch", tmp_path).read_text()
    assert "class Net" in ast.unparse(ast.parse(torch_source))
    onnx = pytest.importorskip("onnx")
    onnx.checker.check_model(onnx.load(str(downloaded(page, "download_onnx", tmp_path))))


def test_a_run_that_diverges_while_playing_stops_with_its_message(open_page):
    page = open_page("Learning rate too high (diverges)")
    button(page, "play").click()  # not play(): the run may stop before Pause is ever seen enabled
    page.get_by_text("Training diverged").wait_for(timeout=30_000)
    wait_until(lambda: button(page, "play").is_enabled(), what="Play to be enabled again")
    assert not streaming(page) and 0 < epoch(page) < 100
    no_exception(page)
    assert_live_view_connected(page)


def small_model() -> Network:
    return Network.from_sizes([2, 3, 1], hidden="tanh", output="sigmoid", seed=1)


def upload(page, nn: Network, name: str = "small.nn") -> None:
    page.locator(UPLOAD).set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": nn.to_bytes()}]
    )


def test_upload_a_valid_model_to_the_playground_and_to_the_inspector(open_page, tmp_path):
    nn = small_model()
    page = open_page()
    upload(page, nn)
    appears(page, "Loaded a model: xor · 2-3-1 tanh, epoch 0.")
    assert page.get_by_text("Could not load").count() == 0
    assert page.get_by_label("Layer 1").input_value() == "3"
    assert page.get_by_role("slider", name="Hidden layers").input_value() == "1"
    assert epoch(page) == 0
    # The playground now holds the uploaded weights themselves, not only their shape.
    saved = saved_model(page, tmp_path)
    assert saved.sizes == [2, 3, 1]
    for mine, theirs in zip(nn.layers, saved.layers):
        np.testing.assert_array_equal(mine.weights, theirs.weights)
        np.testing.assert_array_equal(mine.bias, theirs.bias)

    navigate(page, "Model inspector", "Model inspector")
    upload(page, nn, "inspect-me.nn")
    appears(page, f"File inspect-me.nn, {len(nn.to_bytes()):,} bytes.")
    parameters = sum(p.size for p in nn.parameters())
    appears(page, f"2 inputs → 3 tanh → 1 sigmoid · {parameters} parameters")
    appears(page, heading(page, "Architecture"))
    assert page.get_by_text("cannot be read").count() == 0


def test_changing_settings_while_playing_keeps_the_live_view_streaming(open_page, tmp_path):
    page = open_page()
    play(page)
    wait_until(lambda: streaming(page) and epoch(page) > 20, what="the live view to stream")

    # A training setting: the weights and the epoch count are kept, training goes on at the new rate.
    before = epoch(page)
    lr = page.get_by_label("Learning rate")
    lr.fill("0.1")
    lr.press("Enter")
    wait_until(
        lambda: saved_model(page, tmp_path).metadata["training"]["settings"]["lr"] == 0.1,
        what="the server to train with the new learning rate",
    )
    now, shown, frames = epoch(page), picture(page), frames_received(page)
    assert now >= before
    wait_until(lambda: frames_received(page) >= frames + 5, what="frames to keep coming after the change")
    wait_until(lambda: epoch(page) > now, what="the epoch to keep rising after the change")
    wait_until(lambda: picture(page) != shown, what="the picture to keep changing after the change")
    assert streaming(page)
    no_exception(page)
    assert_live_view_connected(page)

    # A data setting: a new network on the new data, which plays on and streams like the old one.
    choose(page, "Dataset", "Circle")
    # The notice shows for one run; the stream's next run may replace it at once: any showing counts.
    wait_until(lambda: alerted(page, "New network: circle"), what="the notice of the new network")
    wait_until(
        lambda: saved_model(page, tmp_path).metadata["dataset"] == "circle",
        what="the server to train on the new data",
    )
    now, shown, frames = epoch(page), picture(page), frames_received(page)
    wait_until(lambda: frames_received(page) >= frames + 5, what="frames to keep coming on the new data")
    wait_until(lambda: epoch(page) > now, what="the epoch to keep rising on the new data")
    wait_until(lambda: picture(page) != shown, what="the picture to keep changing on the new data")
    assert streaming(page)
    no_exception(page)
    assert_live_view_connected(page)
    pause(page)
    no_exception(page)


def test_activation_lab_sends_an_activation_to_the_playground(open_page):
    page = navigate(open_page(), "Activation lab", "Activation lab")
    # The default choices: sigmoid, tanh, relu and one formula, each with its figure of f and f'.
    appears(page, page.locator('[data-testid="stImage"] img').nth(3))
    assert page.locator('[data-testid="stImage"] img').count() == 4
    button(page, "act.send.2").click()  # relu's "Use in the playground"
    appears(page, heading(page, "nnviz playground"))
    appears(page, "Hidden layers now use relu.")
    assert page.get_by_role("combobox", name="activation").first.input_value() == "relu"
    no_exception(page)


def test_backprop_page_steps_forward(open_page):
    page = navigate(open_page(), "Backprop step by step", "Backpropagation, step by step")
    first = re.search(r"step (\d+) / (\d+)", appears(page, re.compile(r"step \d+ / \d+")).inner_text())
    assert first[1] == "1"
    page.get_by_role("button", name="Next ▶").click()
    appears(page, f"step 2 / {first[2]}")
    no_exception(page)


def test_model_inspector_shows_the_playgrounds_network(open_page):
    page = navigate(open_page(), "Model inspector", "Model inspector")
    appears(page, "Upload a .nn file on the left")
    page.get_by_test_id("stRadioGroup").get_by_text("The playground's network").click()
    appears(page, "The playground's current network")
    appears(page, heading(page, "Architecture"))
    # The playground's default network, seen through the session that the navigation kept.
    appears(page, re.compile(r"2 inputs → 4 tanh → 2 tanh → 1 sigmoid · \d+ parameters"))
    no_exception(page)


def test_seed_lab_trains_copies_and_reports_the_solve_rate(open_page):
    page = navigate(open_page(), "Seed robustness lab", "Seed-robustness lab")
    choose(page, "Set-up", "2-2-1 tanh, full batch (the benchmark set-up)")
    copies = page.get_by_role("slider", name="Copies")
    copies.press("Home")  # the fewest copies: 10
    wait_until(lambda: copies.input_value() == "10", what="the Copies slider at 10")
    page.get_by_role("button", name="Train all copies").click()
    solve_rate = appears(page, page.locator('[data-testid="stMetric"]', has_text="Solve rate"), deadline=60)
    assert re.fullmatch(r"Solve rate\s+\d+\.\d%", solve_rate.inner_text().strip())
    copies_trained = page.locator('[data-testid="stMetric"]', has_text="Copies").inner_text()
    assert re.fullmatch(r"Copies\s+10", copies_trained.strip())
    no_exception(page)


def test_xor_page_trains_a_hidden_layer(open_page):
    page = navigate(open_page(), "Why XOR needs a hidden layer", "Why XOR needs a hidden layer")
    appears(page, "No line gets more than 3 of 4 corners of XOR")
    page.get_by_role("button", name="Add 4 hidden units and train").click()
    # The verdict names the gate and the seed: "XOR solved (…seed 0…)" or "…not solved…seed 0…".
    appears(page, re.compile(r"(XOR solved|not solved)\b.*\bseed 0\b", re.IGNORECASE), deadline=60)
    assert page.locator('[data-testid="stImage"] img').count() == 4  # the perceptron + three results
    no_exception(page)


# --- a class on one server (issue 11) ---------------------------------------------------------------


def kept_frames(page) -> list[dict]:
    import json

    return [json.loads(text) for text in page.evaluate("window.__nnvizKept")]


def server_status(server) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(server.url + "/nnviz-status", timeout=10) as answer:
        return json.loads(answer.read())


def test_each_learner_gets_only_their_own_frames(open_page):
    """Two learners with different networks play at once: every frame a page gets has its own network."""
    narrow, wide = open_page(), open_page()
    narrow.locator(".st-key-s-n_hidden").get_by_role("slider").press("ArrowLeft")  # 2 → 1 hidden layer
    appears(narrow, narrow.get_by_text("New network: xor · 2-4-1"))
    for page in (narrow, wide):
        play(page)
    for page in (narrow, wide):
        wait_until(lambda page=page: len(kept_frames(page)) >= 5, what="frames on both pages")
    shapes = {
        name: {tuple(len(w) for w in f["weights"]) for f in kept_frames(page) if "weights" in f}
        for name, page in (("narrow", narrow), ("wide", wide))
    }
    assert shapes == {"narrow": {(8, 4)}, "wide": {(8, 8, 2)}}
    for page in (narrow, wide):
        pause(page)


def resting_epochs(server) -> list[int]:
    """The epochs of the server's runs that no page watches any more (sessions are unnamed, and runs of
    earlier tests' closed pages may still be there: compare before and after, never count from zero)."""
    return sorted(s["epoch"] for s in server_status(server)["sessions"] if not s["watched"])


def newly_resting(server, before: list[int], what: str) -> list[int]:
    """Wait until one more run than `before` rests; its epochs then."""

    def one_more() -> list[int] | None:
        now = resting_epochs(server)
        return now if len(now) > len(before) else None

    return wait_until(one_more, what=what)


def test_a_tab_that_closes_stops_its_training(open_page, server):
    staying, leaving = open_page(), open_page()
    before = resting_epochs(server)
    play(staying)
    play(leaving)
    wait_until(lambda: epoch(leaving) > 20, what="the leaving tab to train")
    leaving.close()
    resting = newly_resting(server, before, what="the closed tab's run to be left alone")
    start = epoch(staying)
    wait_until(lambda: epoch(staying) > start + 200, deadline=60, what="the other learner to train on")
    assert resting_epochs(server) == resting, "the closed tab's run went on training"
    pause(staying)


def hide(page, hidden: bool) -> None:
    """Tell the page it is hidden (another tab in front) or shown again, as the browser does."""
    page.evaluate(
        """hidden => {
            Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        hidden,
    )


def test_a_hidden_tab_rests_and_resumes_when_shown(open_page, server):
    page = open_page()
    before = resting_epochs(server)
    play(page)
    wait_until(lambda: epoch(page) > 20, what="the tab to train")
    hide(page, True)
    resting = newly_resting(server, before, what="the hidden tab's run to be left alone")
    time.sleep(1.0)  # the one fixed wait: a resting run must not move during it
    assert resting_epochs(server) == resting, "the hidden tab's run went on training"
    shown = epoch(page)
    hide(page, False)
    wait_until(lambda: epoch(page) > shown + 20, what="the shown tab to train again")
    pause(page)
