"""More than two classes in real headless Chromium: a 3-class run plays (its frames, one byte a cell for
class and confidence, decoded by ``live_view.js``), and the picture shows the three classes' hues.

The hues are Okabe–Ito's, written out here and turned into hues with :mod:`colorsys`; the pixels are read
from the page's canvases. The helpers and the watched ``open_page`` fixture are those of ``test_browser.py``.
"""

from __future__ import annotations

import colorsys

import pytest
import test_browser
from test_browser import appears, epoch, frames_received, pause, play, wait_until

pytestmark = pytest.mark.browser
open_page = test_browser.open_page  # the watched fixture, shared

SPIRAL = "3-class spiral: 12-12 tanh, softmax"
#: Okabe–Ito's orange, blue and bluish green: the first three classes.
CLASSES = ("#e69f00", "#0072b2", "#009e73")
HUES = [colorsys.rgb_to_hls(*(int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)))[0] for c in CLASSES]

#: Share of a canvas's coloured pixels near each hue: ([counts per hue], pixels looked at). A pixel counts
#: when it is clearly coloured (HSL saturation ≥ 0.3) and its hue is within 0.03 of the class's.
HUE_COUNTS = """([selector, hues]) => {
  const canvas = selector === 'heat' ? document.querySelector('.nnviz-live').nnvizView.canvases.heat
                                     : document.querySelector(selector);
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = hues.map(() => 0);
  let pixels = 0;
  for (let i = 0; i < data.length; i += 4) {
    pixels += 1;
    const [r, g, b] = [data[i] / 255, data[i + 1] / 255, data[i + 2] / 255];
    const max = Math.max(r, g, b), min = Math.min(r, g, b), d = max - min, l = (max + min) / 2;
    if (d < 1e-6) continue;
    const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
    if (s < 0.3) continue;
    let h = max === r ? (g - b) / d + (g < b ? 6 : 0) : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    h /= 6;
    hues.forEach((hue, k) => {
      const dh = Math.abs(h - hue);
      if (Math.min(dh, 1 - dh) < 0.03) counts[k] += 1;
    });
  }
  return [counts, pixels];
}"""


def hue_shares(page, selector: str) -> list[float]:
    counts, pixels = page.evaluate(HUE_COUNTS, [selector, HUES])
    return [c / pixels for c in counts]


def test_a_three_class_run_plays_and_its_picture_shows_three_hues(open_page):
    page = open_page(SPIRAL)
    appears(page, "accuracy (3 classes)")
    play(page)
    wait_until(lambda: frames_received(page) >= 5, deadline=60, what="frames of the 3-class run")
    wait_until(lambda: epoch(page) >= 150, deadline=120, what="150 epochs of the 3-class spiral")
    pause(page)
    # The decoded map (64×64 cells, class colour faded by confidence): each class holds a good part of it
    heat = wait_until(
        lambda: (shares := hue_shares(page, "heat")) and min(shares) > 0.1 and shares,
        deadline=30,
        what="the map to show each class's hue over a tenth of its cells",
    )
    assert sum(heat) > 0.5, heat  # most cells are clearly one class after 150 epochs
    # ... and the boundary as drawn on the page (map lightened, points, axes) shows the three hues too
    drawn = hue_shares(page, ".nnviz-live canvas.nnviz-boundary")
    assert min(drawn) > 0.03, drawn
