"""The learning pages in headless Chromium against a real ``streamlit run app.py`` (issue 12): every
equation fits its column (none clipped), user text in messages is shown as typed, a number typed out of
range is refused visibly, and screenshots of the activation lab, the backprop page and the XOR page at
1500×1000 go to ``artifacts/``.

Pages are reached through the sidebar's navigation links, as a learner does. Waits have deadlines; nothing
here asserts on speed.
"""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.browser

#: Every equation on the page that is shown (not in a closed expander): how wide it is, how wide its
#: box is, and its start. KaTeX's display box scrolls what does not fit, with no visible scrollbar.
EQUATIONS = """() => Array.from(document.querySelectorAll('.katex-display'))
  .filter(e => e.offsetParent !== null)
  .map(e => [e.scrollWidth, e.clientWidth, e.textContent.slice(0, 50)])"""
NO_EXCEPTION = '[data-testid="stException"]'


def settle(page, deadline: float = 60.0) -> None:
    """Wait until the script run that the last action started has finished."""
    time.sleep(0.4)
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if page.locator('.stApp[data-test-script-state="notRunning"]').count():
            time.sleep(0.3)
            if page.locator('.stApp[data-test-script-state="notRunning"]').count():
                return
        time.sleep(0.1)
    raise AssertionError(f"the page was still running after {deadline:.0f} s")


def clipped(page) -> list:
    """Equations wider than their box (KaTeX's matrix brackets overhang it by 2 px even where there is
    room to spare: 3 px are allowed)."""
    return [e for e in page.evaluate(EQUATIONS) if e[0] > e[1] + 3]


@pytest.fixture
def page(new_context, server):
    """The app at 1500×1000, its pages' errors watched (conftest's ``new_context``)."""
    p = new_context(viewport={"width": 1500, "height": 1000}).new_page()
    p.goto(server.url, timeout=60_000)
    p.wait_for_selector('[data-testid="stSidebarNav"]', timeout=60_000)
    settle(p)
    return p


def visit(page, title: str, heading: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).click()
    page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
    settle(page)


def walk_all_steps(page) -> int:
    """Click Next until the last step, checking the equations at every step; returns the steps seen."""
    seen = 1
    while True:
        assert clipped(page) == [], f"step {seen}: {clipped(page)}"
        button = page.locator(".st-key-bp-next button")
        if button.is_disabled():
            return seen
        button.click()
        seen += 1
        page.get_by_text(re.compile(rf"step {seen} / \d+")).wait_for(timeout=60_000)
        settle(page)


def test_backprop_equations_fit_their_column(page, artifacts):
    visit(page, "Backprop step by step", "Backpropagation, step by step")
    slider = page.locator(".st-key-bp-hidden input[type=range]")
    slider.focus()
    page.keyboard.press("End")  # 3 hidden units: the widest matrices of the small example
    page.locator(".st-key-bp-hidden [data-testid=stSliderThumbValue]", has_text="3").wait_for()
    settle(page)
    assert walk_all_steps(page) == 11
    page.screenshot(path=str(artifacts / "backprop-update-3-hidden.png"))
    # The playground's network (2-4-2-1 by default): layers of 4 units.
    visit(page, "Playground", "Playground")
    visit(page, "Backprop step by step", "Backpropagation, step by step")
    page.locator(".st-key-bp-source label", has_text="The playground's network").click()
    page.get_by_text(re.compile(r"step 1 / 16")).wait_for(timeout=60_000)
    settle(page)
    assert walk_all_steps(page) == 16
    assert page.locator(NO_EXCEPTION).count() == 0


def test_a_number_typed_out_of_range_is_refused_visibly(page):
    """Streamlit's own bounds would keep the typed 0 in a red box (the reason only in a hover tooltip)
    while the page went on with the old η; without them the page gets the 0 and says why it refuses it."""
    visit(page, "Backprop step by step", "Backpropagation, step by step")
    box = page.locator(".st-key-bp-lr input")
    box.fill("0")
    box.press("Enter")
    alert = page.locator('[data-testid="stAlert"]', has_text="below the smallest allowed")
    alert.wait_for(timeout=60_000)
    assert "Learning rate" in alert.inner_text() and box.input_value() == "0"


def test_activation_lab_equations_fit_and_user_text_is_literal(page, artifacts):
    visit(page, "Activation lab", "Activation lab")
    names = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "swish", "gelu", "sin", "gaussian"]
    formulas = "\n".join(["x*tanh(log(1+exp(x)))", "x / (1 + abs(x))", *names, "linear"])
    box = page.locator(".st-key-act-formulas textarea")
    box.fill(formulas)
    box.press("Control+Enter")
    page.locator(".st-key-act-send-14").wait_for(timeout=120_000)  # 3 built-ins + 13 lines drawn
    settle(page)
    page.screenshot(path=str(artifacts / "activation-lab.png"))
    page.locator(".st-key-act-send-3").scroll_into_view_if_needed()  # the formula whose f' is split
    page.screenshot(path=str(artifacts / "activation-lab-mish.png"))
    assert len(page.evaluate(EQUATIONS)) == 32 and clipped(page) == []
    box.fill("__import__('os')\nx**x**x\n" + "x+" * 2500 + "x")
    box.press("Control+Enter")
    page.locator('[data-testid="stAlert"]').nth(2).wait_for(timeout=60_000)
    settle(page)
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    assert "__import__" in alerts[0] and "__import__('os')" in alerts[0]
    assert "a**b**c" in alerts[1] and "x**x**x" in alerts[1]
    assert "too long" in alerts[2] and len(alerts[2]) < 300  # the reason, and the text cut short
    assert alerts[2].index("too long") < alerts[2].index("x+x+")


def test_xor_page_screenshot(page, artifacts):
    visit(page, "Why XOR needs a hidden layer", "Why XOR needs a hidden layer")
    page.locator(".st-key-xor-train button").click()
    page.get_by_text(re.compile("XOR solved")).wait_for(timeout=60_000)
    settle(page)
    page.screenshot(path=str(artifacts / "xor.png"))
    page.get_by_text(re.compile("XOR solved")).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "xor-trained.png"))
    assert page.locator(NO_EXCEPTION).count() == 0


def test_seed_lab_and_inspector_screenshots(page, artifacts):
    """The two pages the other screenshots miss, after a run and with the playground's network loaded."""
    visit(page, "Seed robustness lab", "Seed-robustness lab")
    page.locator(".st-key-seed-run button").click()
    page.get_by_text("Solve rate").wait_for(timeout=120_000)
    settle(page, deadline=120.0)
    page.screenshot(path=str(artifacts / "seed-lab.png"), full_page=True)
    assert page.locator(NO_EXCEPTION).count() == 0
    visit(page, "Model inspector", "Model inspector")
    page.locator(".st-key-insp-source label", has_text="The playground's network").click()
    page.get_by_role("heading", name="Architecture").wait_for(timeout=60_000)
    settle(page)
    page.screenshot(path=str(artifacts / "model-inspector.png"), full_page=True)
    assert page.locator(NO_EXCEPTION).count() == 0
