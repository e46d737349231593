"""nnviz: a neural-network playground. The engine is :mod:`nnviz.core`; the rest is the app's logic."""

from nnviz.core.version import __version__

__all__ = ["__version__"]
