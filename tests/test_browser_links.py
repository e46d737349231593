"""Links and the run ledger in real headless Chromium against a real ``streamlit run app.py``: Copy link
puts the link on the clipboard and the link opens the same set-up (a lesson's link without its hidden
controls); Compare runs overlays an earlier run on the live loss chart, Same start trains again from
the same weights, and the runs download as CSV. The helpers and the watched ``open_page`` fixture are
those of ``test_browser.py``."""

from __future__ import annotations

import csv
import io

import pytest
import test_browser
from test_browser import (
    WATCH_PAGE,
    alerted,
    appears,
    button,
    choose,
    downloaded,
    epoch,
    no_exception,
    script_state,
    wait_until,
)

pytestmark = pytest.mark.browser
open_page = test_browser.open_page  # the watched fixture, shared

#: What the live loss chart has drawn over its own curves (live_view.js writes the labels on the canvas).
OVERLAYS = """() => [...document.querySelectorAll('.nnviz-live canvas')]
  .map((c) => c.dataset.overlays).filter((o) => o !== undefined).join('')"""


def expand(page, title: str) -> None:
    page.get_by_text(title, exact=True).first.click()


def shown_link(page) -> str:
    """The link the Share expander shows for manual copying."""
    code = page.locator('[data-testid="stSidebar"] [data-testid="stCode"]').filter(has_text="?x=").first
    return code.inner_text(timeout=10_000).strip()


def pick(page, key: str, option: str) -> None:
    """Pick ``option`` in the select box or multiselect of widget ``key``; a rerun may replace the list
    while it opens, so it is opened and clicked until the widget shows the option, within a deadline."""
    from playwright.sync_api import Error as PlaywrightError

    widget = page.locator(f".st-key-{key.replace('.', '-')}")
    box, choice = widget.get_by_role("combobox"), page.get_by_role("option", name=option, exact=True)

    def picked() -> bool:
        shown = box.input_value() == option or option in widget.inner_text()  # a select box, a multiselect
        if shown and not choice.is_visible():
            return True
        try:
            if not choice.is_visible():
                box.click(timeout=5_000)
            choice.click(timeout=5_000)
            page.keyboard.press("Escape")
        except PlaywrightError:
            pass  # the list was replaced by a rerun: again
        return False

    wait_until(picked, deadline=60, what=f"{option!r} to be picked in {key}")


def settled(page) -> None:
    wait_until(lambda: script_state(page) == "notRunning", what="the page's run to end")


def test_copy_link_copies_the_link_and_it_opens_the_same_set_up_for_a_lesson(open_page, new_context):
    teacher = open_page()
    teacher.context.grant_permissions(["clipboard-read", "clipboard-write"])
    choose(teacher, "Optimizer", "adam")
    settled(teacher)
    expand(teacher, "Share this experiment / for a lesson")
    plain = shown_link(teacher)
    pick(teacher, "share.hide", "Data (whole section)")
    wait_until(lambda: shown_link(teacher) != plain, what="the link to carry what is hidden")
    settled(teacher)
    link = shown_link(teacher)
    teacher.get_by_role("button", name="Copy link").click()
    appears(teacher, "Copied to the clipboard")
    assert teacher.evaluate("navigator.clipboard.readText()") == link
    no_exception(teacher)

    context = new_context(viewport={"width": 1500, "height": 1200})
    context.add_init_script(WATCH_PAGE)
    learner = context.new_page()
    learner.goto(link, timeout=60_000)
    learner.wait_for_selector(".nnviz-epoch", timeout=60_000)
    appears(learner, "Opened a shared set-up")
    assert learner.get_by_role("combobox", name="Optimizer").input_value() == "adam"
    assert learner.get_by_role("combobox", name="Dataset").count() == 0  # the lesson hides the data
    assert learner.get_by_role("combobox", name="Preset").count() == 0
    appears(learner, "This lesson's link hides some controls.")
    button(learner, "step").click()
    wait_until(lambda: epoch(learner) == 1, what="the learner's step")
    no_exception(learner)


def test_a_hostile_link_is_refused_in_the_browser_with_one_message(open_page, server):
    page = open_page()
    page.goto(server.url + "/?x=not%20a%20link", timeout=60_000)
    page.wait_for_selector(".nnviz-epoch", timeout=60_000)
    appears(page, "This link was not applied (nothing changed)")
    assert alerted(page, "characters that a link never has")
    assert page.get_by_role("combobox", name="Optimizer").input_value() == "sgd"
    no_exception(page)


def test_same_start_an_earlier_run_drawn_over_the_loss_chart_and_the_runs_csv(open_page, tmp_path):
    page = open_page()
    for n in (1, 2):
        button(page, "step").click()
        wait_until(lambda n=n: epoch(page) == n, what=f"step {n}")
    settled(page)
    expand(page, "Compare runs")
    sidebar = page.locator('[data-testid="stSidebar"]')
    pick(page, "same.optimizer", "adam")  # the Same start form's
    settled(page)
    button(page, "same.start").click()
    appears(page, "starts from the same weights and data as run #1")
    wait_until(lambda: epoch(page) == 0, what="the new run at epoch 0")
    assert sidebar.get_by_role("combobox", name="Optimizer").input_value() == "adam"  # the sidebar follows
    button(page, "step").click()
    wait_until(lambda: epoch(page) == 1, what="the new run's step")
    settled(page)

    assert page.evaluate(OVERLAYS) == ""
    pick(page, "runs.overlay", "#1 · optimizer sgd")
    page.locator(".nnviz-curve").first.scroll_into_view_if_needed()  # the chart is drawn while on screen
    wait_until(lambda: page.evaluate(OVERLAYS) == "#1 · optimizer sgd", what="run #1 over the loss chart")

    rows = list(csv.DictReader(io.StringIO(downloaded(page, "runs.csv", tmp_path).read_text())))
    assert [(r["run"], r["optimizer"], r["epochs"], r["same start as"]) for r in rows] == [
        ("1", "sgd", "2", ""),
        ("2", "adam", "1", "1"),
    ]
    no_exception(page)
