"""Your data in real headless Chromium against a real ``streamlit run app.py``: points clicked on the live
picture appear in the data and train (paused and while playing), a shift-click removes one, a CSV uploads
and trains, and a bad CSV gets its message and changes nothing. The helpers and the watched ``open_page``
fixture are those of ``test_browser.py``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_browser
from test_browser import appears, button, epoch, no_exception, pause, play, wait_until

pytestmark = pytest.mark.browser
open_page = test_browser.open_page  # the watched fixture, shared

#: The Your data section's line that counts the points: "Now: 3 points (classes 0: 2, 1: 1); 3 train, 0 test."
COUNT = re.compile(r"Now: ([\d,]+) points?")


def points(page) -> int | None:
    """How many points the Your data section says the data has (None while it does not say)."""
    text = page.locator('[data-testid="stSidebar"]').inner_text()
    found = COUNT.search(text)
    return int(found.group(1).replace(",", "")) if found else None


def has_points(page, n: int) -> None:
    wait_until(lambda: (no_exception(page), points(page) == n)[1], deadline=60, what=f"{n} points")


def click_picture(page, u: float, v: float, shift: bool = False) -> None:
    """Click the boundary picture at ``(u, v)`` of its plot (0–1 from the left and from the top)."""
    canvas = page.locator(".nnviz-boundary")
    width = canvas.bounding_box()["width"]
    left, pad = 36, 6  # live_view.js boundaryLayout
    plot = width - left - pad
    canvas.click(position={"x": left + u * plot, "y": pad + v * plot}, modifiers=["Shift"] if shift else [])


def open_your_data(page) -> None:
    expander = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]').filter(
        has_text="Your data"
    )
    if not button(page, "data.empty").is_visible():
        expander.get_by_text("Your data", exact=True).first.click()
    wait_until(lambda: button(page, "data.empty").is_visible(), what="the Your data section to open")


def test_points_clicked_on_the_picture_appear_in_the_data_and_train(open_page):
    page = open_page()
    open_your_data(page)
    button(page, "data.empty").click()
    has_points(page, 0)
    appears(page, "no training points yet")
    for i, (u, v) in enumerate([(0.2, 0.2), (0.3, 0.25), (0.25, 0.35)], 1):
        click_picture(page, u, v)
        has_points(page, i)
    page.locator(".st-key-data-class").get_by_role("radio", name="1", exact=True).click()
    for i, (u, v) in enumerate([(0.8, 0.8), (0.7, 0.75), (0.75, 0.65)], 4):
        click_picture(page, u, v)
        has_points(page, i)
    assert "classes 0: 3, 1: 3" in page.locator('[data-testid="stSidebar"]').inner_text()
    click_picture(page, 0.75, 0.65, shift=True)  # removes the point just added
    has_points(page, 5)
    button(page, "step").click()
    wait_until(lambda: epoch(page) == 1, what="epoch 1")
    play(page)
    wait_until(lambda: epoch(page) > 20, deadline=60, what="training on the clicked points")
    click_picture(page, 0.85, 0.9)  # while playing: the point is added and training goes on
    has_points(page, 6)
    wait_until(lambda: button(page, "pause").is_enabled(), what="playing again after the click")
    reached = epoch(page)
    wait_until(lambda: epoch(page) > reached + 10, deadline=60, what="training to go on with the new point")
    pause(page)
    page.locator(".st-key-data-class").get_by_role("radio", name="new class 2", exact=True).click()
    click_picture(page, 0.2, 0.85)  # a third class: a softmax output of three units, a new run
    has_points(page, 7)
    appears(page, "accuracy (3 classes)")
    button(page, "step").click()
    wait_until(lambda: epoch(page) == 1, what="the three classes to train")
    no_exception(page)


def test_a_csv_uploads_and_trains_and_a_bad_one_changes_nothing(open_page):
    page = open_page()
    open_your_data(page)
    rows = "".join(f"{x},{y},{'a' if x < y else 'b'}\n" for x in range(-3, 4) for y in range(-3, 4))
    uploader = page.locator('.st-key-data-upload [data-testid="stFileUploaderDropzoneInput"]')
    uploader.set_input_files(files=[{"name": "grid.csv", "mimeType": "text/csv", "buffer": rows.encode()}])
    has_points(page, 49)
    appears(page, "Your data from")
    button(page, "step").click()
    wait_until(lambda: epoch(page) == 1, what="epoch 1 on the uploaded data")
    bad = b"x1,x2,label\n1,2,a\n3,oops,b\n"
    uploader.set_input_files(files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}])
    message = appears(page, "Could not read the data")
    assert "line 3, column x2" in message.inner_text() and "bad.csv" in message.inner_text()
    assert points(page) == 49 and epoch(page) == 1  # the old data and run stay
    button(page, "step").click()
    wait_until(lambda: epoch(page) == 2, what="the old run to go on")
    first = download_csv(page)
    assert first.startswith(b"x1,x2,label,split\n") and first.count(b"\n") == 50
    uploader.set_input_files(files=[{"name": "again.csv", "mimeType": "text/csv", "buffer": first}])
    wait_until(lambda: epoch(page) == 0, what="the downloaded CSV to be uploaded again (a new run)")
    has_points(page, 49)
    assert download_csv(page) == first  # the same points, labels and split, bit for bit
    no_exception(page)


def download_csv(page) -> bytes:
    """The bytes the "Download the data (.csv)" button gives."""
    with page.expect_download(timeout=30_000) as info:
        button(page, "data.download").click()
    return Path(info.value.path()).read_bytes()
