"""nnviz: a neural-network playground. The engine is :mod:`nnviz.core`; the rest is the app's logic."""

__version__ = "0.1.0"
