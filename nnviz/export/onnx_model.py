"""A network as an ONNX model: ``Gemm`` layers and their activations, float32, checked before it is written.

Needs the ``onnx`` package (``pip install onnx``, the ``onnx`` extra of ``pyproject.toml``), which the app
does not: it is imported only when a model is built. The model has one input ``X`` of shape
``(n, inputs)`` and one output ``Y`` of shape ``(n, outputs)``; it uses opset :data:`OPSET` and IR version
:data:`IR_VERSION`, which current runtimes (onnxruntime among them) read. Its predictions equal the
engine's to about 1e-5 (float32).
"""

from __future__ import annotations

from pathlib import Path

from nnviz.core import codegen
from nnviz.core.version import __version__

from .onnx_graph import GraphBuilder, activation

#: The ONNX operator set the model uses (every operator here has existed in it since opset 13 or before).
OPSET = 17
#: The ONNX file format version written (the one that goes with opset 17).
IR_VERSION = 8


def onnx_model(network):
    """``network`` (any nnviz ``FeedForward``) as a checked ``onnx.ModelProto``.

    Raises
    ------
    ExportError
        If the onnx package is missing, an activation uses a function ONNX has no operator for (the
        message names it), an activation is a pair of NumPy functions, or a weight is not finite.
    """
    plans = codegen.layer_plans(network)
    graph = GraphBuilder()
    onnx, helper = graph.onnx, graph.onnx.helper
    a = "X"
    for number, plan in enumerate(plans, 1):
        inputs = [a, graph.tensor(plan.weights, f"layer{number}_weights")]
        if plan.bias is not None:
            inputs.append(graph.tensor(plan.bias, f"layer{number}_bias"))
        z = graph.op("Gemm", *inputs, transB=1)  # a @ W.T + b
        a = activation(graph, plan, z, number)
    graph.nodes.append(helper.make_node("Identity", [a], ["Y"], name="output"))
    model = helper.make_model(
        helper.make_graph(
            graph.nodes,
            "nnviz_network",
            [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, ["n", network.inputs])],
            [helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, ["n", len(plans[-1].weights)])],
            initializer=graph.initializers,
        ),
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="nnviz",
        producer_version=__version__,
        doc_string=codegen.summary(network, plans),
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def to_onnx(network, path: str | Path) -> None:
    """Write ``network`` to an ``.onnx`` file (see :func:`onnx_model`)."""
    Path(path).write_bytes(onnx_bytes(network))


def onnx_bytes(network) -> bytes:
    """The ``.onnx`` file's bytes (for a download)."""
    return onnx_model(network).SerializeToString()
