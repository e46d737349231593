"""nnviz.core: a small, correct, fast neural-network engine on NumPy and SymPy.

>>> from nnviz.core import Network, LayerSpecNBF
>>> nn = Network(2, [LayerSpecNBF(4, True, "tanh"), LayerSpecNBF(1, True, "sigmoid")], seed=0)
"""

from .activations import ACTIVATIONS, Activation, activation_from
from .ensemble import Ensemble, EnsembleTrainer
from .errors import DivergedError, FormulaError, NNFormatError, NNVizError, SpecError
from .formula import parse_activation
from .init import INITIALISERS
from .layer import Layer, LayerSpec, LayerSpecD, LayerSpecNB, LayerSpecNBF
from .losses import LOSSES
from .network import Network
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, Optimizer
from .trainer import Trainer

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "LOSSES",
    "OPTIMIZERS",
    "Activation",
    "Adam",
    "Ensemble",
    "EnsembleTrainer",
    "DivergedError",
    "FormulaError",
    "Layer",
    "LayerSpec",
    "LayerSpecD",
    "LayerSpecNB",
    "LayerSpecNBF",
    "Momentum",
    "NNFormatError",
    "NNVizError",
    "Network",
    "Optimizer",
    "SGD",
    "SpecError",
    "Trainer",
    "activation_from",
    "parse_activation",
]
