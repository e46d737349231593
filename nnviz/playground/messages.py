"""Text from users (formulas, file names, typed numbers) shown back to them exactly, never as Markdown.

Streamlit renders messages as Markdown, so ``__import__`` would show as a bold "import" and a file named
``[x](http://…)`` as a link. Every page shows user text through :func:`literal` (a code span, shortened)
and escapes whole messages that may contain it with :func:`escape`.
"""

from __future__ import annotations

import re

#: Longest user text echoed back, in characters.
LIMIT = 60

_MARKDOWN = re.compile(r"([\\`*_\[\]<>~|$#])")


def shorten(text: str, limit: int = LIMIT) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis and the full length when it is longer."""
    text = str(text)
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text):,} characters)"


def escape(text: str) -> str:
    """``text`` with every Markdown character escaped, so that it shows as typed."""
    return _MARKDOWN.sub(r"\\\1", str(text)).replace("\n", " ")


def literal(text: str, limit: int = LIMIT) -> str:
    """User text as an inline code span (shown exactly, shortened): ``literal("a**b")`` → `` `a**b` ``."""
    text = shorten(text, limit).replace("`", "ˋ")  # a backtick would end the span
    return f"`{text}`"


def error_text(reason: object, text: str | None = None) -> str:
    """A message for ``st.error``: the reason first (escaped), then the user's text it is about."""
    message = escape(shorten(str(reason), 300))
    return message if text is None else f"{message} — in {literal(text)}"
