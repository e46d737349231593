"""Reading a whole file whose format has a size limit, without reading much past that limit."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .errors import NNVizError


def read_bounded(
    path: str | os.PathLike[str], limit: int, too_big: Callable[[str, int], NNVizError]
) -> bytes:
    """The bytes of the file at ``path``, or its first ``limit + 1`` bytes if it has more.

    A file whose size on disk is over ``limit`` is refused before it is read: ``too_big(file name, size)``
    is raised. Pipes and ``/proc`` files report size 0, so the file is read in chunks and reading stops one
    byte past the limit: the caller's size check then refuses it by its length.

    Raises
    ------
    NNVizError
        ``too_big(...)``, as above.
    OSError
        If the file cannot be opened or read.
    """
    with open(Path(path), "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limit:
            raise too_big(Path(path).name, size)
        chunks, total = [], 0
        while total <= limit:
            chunk = fh.read(min(2**20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    return b"".join(chunks)
