"""The playground in real headless Chromium against a real ``streamlit run app.py`` on localhost.

Waits have deadlines (a shared 2-core machine can be slow); nothing here asserts on speed.
"""

from __future__ import annotations

import time
import urllib.parse

import numpy as np
import pytest

from nnviz.core import Network

pytestmark = pytest.mark.browser

NO_EXCEPTION = '[data-testid="stException"]'


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


PICTURE = """() => {
  const live = document.querySelector('.nnviz-live .nnviz-picture');
  if (live) return live.innerHTML;
  const still = document.querySelector('[data-testid="stImage"] img');
  return still ? still.src : null;
}"""


def picture(page) -> str:
    """What the picture shows: the streamed SVG while playing, the still image's source otherwise."""
    return page.evaluate(PICTURE)


def streaming(page) -> bool:
    return page.locator(".nnviz-live .nnviz-picture svg").count() > 0


def button(page, key: str):
    return page.locator(f".st-key-{key} button").first


@pytest.fixture
def open_page(browser, server):
    contexts = []

    def open_one(preset: str = ""):
        context = browser.new_context(viewport={"width": 1500, "height": 1200}, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.goto(server.url + (f"/?preset={urllib.parse.quote(preset)}" if preset else ""), timeout=60_000)
        page.wait_for_selector(".nnviz-epoch", timeout=60_000)
        return page

    yield open_one
    for context in contexts:
        context.close()


def play(page) -> None:
    button(page, "play").click()
    wait_until(lambda: button(page, "pause").is_enabled(), what="the Pause button to become enabled")


def pause(page) -> None:
    button(page, "pause").click()
    wait_until(lambda: button(page, "play").is_enabled(), what="the Play button to become enabled")


def test_page_loads_and_play_trains_and_pause_stops(open_page, artifacts):
    page = open_page()
    assert page.locator(NO_EXCEPTION).count() == 0
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

    pause(page)
    wait_until(lambda: not streaming(page), what="the still picture after Pause")
    stopped = epoch(page)
    time.sleep(1.5)
    assert epoch(page) == stopped
    assert page.locator(NO_EXCEPTION).count() == 0


def test_two_pages_train_independently(open_page):
    a, b = open_page(), open_page()
    play(a)
    wait_until(lambda: epoch(a) > 10, what="page A to train")
    assert epoch(b) == 0
    button(b, "step").click()
    wait_until(lambda: epoch(b) == 1, what="page B's single step")
    a_now = epoch(a)
    wait_until(lambda: epoch(a) > a_now, what="page A to keep training")
    time.sleep(0.5)
    assert epoch(b) == 1
    pause(a)
    assert a.locator(NO_EXCEPTION).count() == 0 and b.locator(NO_EXCEPTION).count() == 0


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

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        files=[{"name": "junk.nn", "mimeType": "application/octet-stream", "buffer": b"junk bytes"}]
    )
    page.get_by_text("Could not load junk.nn").wait_for(timeout=30_000)
    assert page.locator(NO_EXCEPTION).count() == 0
    assert epoch(page) == 3


def test_a_run_that_diverges_while_playing_stops_with_its_message(open_page):
    page = open_page("Learning rate too high (diverges)")
    button(page, "play").click()  # not play(): the run may stop before Pause is ever seen enabled
    page.get_by_text("Training diverged").wait_for(timeout=30_000)
    wait_until(lambda: button(page, "play").is_enabled(), what="Play to be enabled again")
    assert not streaming(page) and 0 < epoch(page) < 100
    assert page.locator(NO_EXCEPTION).count() == 0
