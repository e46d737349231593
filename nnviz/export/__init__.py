"""Exports that need a package the engine does not: ONNX (``pip install onnx``).

The NumPy and PyTorch exports need only SymPy and live in the engine (``Network.to_numpy_code``,
``Network.to_torch_code``); ``to_onnx(nn, path)`` writes an ``.onnx`` file.
"""

from .onnx_model import onnx_bytes, onnx_model, to_onnx

__all__ = ["onnx_bytes", "onnx_model", "to_onnx"]
