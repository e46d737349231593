"""nnviz.core: a small, correct, fast neural-network engine on NumPy and SymPy.

>>> from nnviz.core import Network, LayerSpecNBF
>>> nn = Network(2, [LayerSpecNBF(4, True, "tanh"), LayerSpecNBF(1, True, "sigmoid")], seed=0)
"""

from .activation_forms import activation_from
from .activations import ACTIVATIONS, Activation
from .diagnosis import EnsembleReport, Thresholds, diagnose
from .ensemble import Ensemble
from .ensemble_trainer import EnsembleTrainer
from .errors import DivergedError, FormulaError, NNFormatError, NNVizError, SpecError
from .formula import parse_activation
from .init import INITIALISERS
from .layer import Layer, LayerSpec, LayerSpecD, LayerSpecNB, LayerSpecNBF
from .losses import LOSSES
from .network import Network
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, Optimizer
from .trainer import Trainer
from .version import __version__

__all__ = [
    "ACTIVATIONS",
    "INITIALISERS",
    "LOSSES",
    "OPTIMIZERS",
    "Activation",
    "Adam",
    "Ensemble",
    "EnsembleReport",
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
    "Thresholds",
    "Trainer",
    "__version__",
    "activation_from",
    "diagnose",
    "parse_activation",
]
