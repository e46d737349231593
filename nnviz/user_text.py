"""Text a learner typed or uploaded, made safe to show in Markdown, and the messages about typed numbers.

Every page (the playground and the learning pages) shows user text through this module.

Streamlit renders messages as Markdown: a file name such as ``[x](http://a)`` becomes a link, ``*a*``
italics, ``$x$`` LaTeX. :func:`code` shows such text literally, in code formatting and shortened;
:func:`escape` makes text plain where code formatting would not suit (a message from the engine that
may quote what was typed).
"""

from __future__ import annotations

import re

#: Longest piece of user text shown in a message (longer text is cut in the middle).
MAX_SHOWN = 60

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:&\"'=^@%])")


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` on one line, at most ``limit`` characters (the middle cut out and marked by ``…``)."""
    one_line = " ".join(str(text).split("\n"))
    one_line = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in one_line)
    if len(one_line) <= limit:
        return one_line
    head = (limit - 1) // 2
    return one_line[:head] + "…" + one_line[len(one_line) - (limit - 1 - head) :]


def code(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` as a Markdown code span: shown literally, shortened to ``limit`` characters.

    The fence is one backtick longer than any run of backticks inside, so no text can close it early.
    """
    shown = shorten(text, limit)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def escape(text: str, limit: int = 300) -> str:
    """``text`` with every Markdown character escaped (shown as typed), on one line, shortened."""
    return _PUNCTUATION.sub(r"\\\1", shorten(text, limit))


def number(value: float) -> str:
    """A typed number as a person would write it: whole numbers in full (``2,147,483,647``), else ``%g``."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    return f"{value:g}"


def out_of_range(label: str, value: float, lo: float, hi: float) -> str | None:
    """Why a typed number is refused (the reason first), or None when ``lo <= value <= hi``."""
    if lo <= value <= hi:
        return None
    side = "below the smallest allowed" if value < lo else "above the largest allowed"
    return f"{label}: {number(value)} is {side} ({number(lo)} to {number(hi)}); type a number in that range."


def error_text(reason: object, text: str | None = None) -> str:
    """A message for ``st.error``: the reason first (escaped), then the user's text it is about, as code."""
    message = escape(str(reason))
    return message if text is None else f"{message} — in {code(text)}"
