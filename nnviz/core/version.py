"""The version of nnviz (also written into every ``.nn`` file's metadata)."""

__version__ = "0.1.0"
