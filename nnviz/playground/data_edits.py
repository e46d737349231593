"""Changes to a session's data from the page: a point clicked on the picture, a new data set (no Streamlit).

How a click travels: the live view (``live_view.js``) turns a click on the boundary picture into data
coordinates and sends them to Python as the component event ``click`` (``{x, y, remove}``; ``remove``
for a shift-click), which reruns the page with the view's click handler first
(:func:`nnviz.playground.view.on_click`). :func:`click` checks the browser's numbers, then adds a
training point of the chosen class or value (:mod:`.your_data`), or removes the nearest one, through
:meth:`Player.changing` (paused meanwhile, playing on afterwards); :meth:`Experiment.set_data` keeps the
weights and the epoch count, so training goes on with the new point. The points live in the session's
experiment (:attr:`Experiment.own`) and stay when the network is reset or rebuilt. An uploaded CSV
replaces them and starts a new run (:func:`use` with ``new_run``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from nnviz.core.datasets import CUSTOM as YOUR_DATA
from nnviz.core.datasets import Dataset
from nnviz.core.errors import SpecError
from nnviz.playground import your_data
from nnviz.playground.classes import fitted_output, output_units
from nnviz.playground.player import Player
from nnviz.playground.settings import SettingsError

#: What a click does: add a point, or remove the nearest (the eraser).
ADD, ERASE = "add", "erase"


def click(player: Player, event: Any, value: float, erase: bool = False) -> bool:
    """Add a training point of ``value`` where ``event`` (``{"x", "y", "remove"}`` from the browser) says,
    or remove the nearest point (``remove`` or ``erase``); the data becomes Your data. True when the
    settings changed (the widgets must show them). A refused click (the limit of points or classes,
    nothing near to remove) changes nothing and says why in the experiment's notice; malformed numbers
    (not a click the live view sends) are ignored."""
    exp = player.experiment
    x, y = (event.get(k) if isinstance(event, dict) else None for k in ("x", "y"))
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
        return False
    remove = erase or event.get("remove") is True
    data = exp.dataset  # the points do not change while a worker trains: no pause needed to read them
    x, y = your_data.snapped(x, data.box[1] - data.box[0]), your_data.snapped(y, data.box[3] - data.box[2])
    try:
        changed = your_data.without_point(data, x, y) if remove else your_data.with_point(data, x, y, value)
    except SpecError as exc:
        exp.notice = f"The point was not added: {exc}."
        return False
    if changed is None:
        exp.notice = "No point near there to remove."
        return False
    return use(player, changed)


def use(player: Player, own: Dataset, *, new_run: bool = False) -> bool:
    """Make ``own`` the session's data (Your data). The weights and the epoch count stay (a click), unless
    ``new_run`` (a file) or the data needs another output (a third class, values instead of classes): then a
    new network starts, with the output and loss its classes need (:func:`.classes.fitted_output`). False
    (with a notice, nothing changed) when the settings that data needs are refused."""
    exp = player.experiment
    s = exp.settings
    activation, loss = fitted_output(own.classes, s.output.activation, s.loss)
    keep = (activation, loss) == (s.output.activation, s.loss) and output_units(own.classes) == exp.nn.outputs
    settings = replace(s, dataset=YOUR_DATA, loss=loss, output=replace(s.output, activation=activation))
    try:
        with player.changing():
            if keep and not new_run:
                exp.set_data(own)
            else:  # checked first: nothing changes if the settings do not fit (a lesson's hidden output)
                exp.check(settings, own)
                exp.own = own
                exp.apply(settings, rebuild=True)
    except SettingsError as exc:
        exp.notice = f"{your_data.LABEL} was not used: {exc}"
        return False
    return True


__all__ = ["ADD", "ERASE", "click", "use"]
