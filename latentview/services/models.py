"""The encoders the app offers, the models users add, and the consent code-carrying files need.

The Qt layer talks to services only (tests/test_layers.py); this is its one door to the model
catalogue in backends (built-in embedders, own ONNX/TorchScript models, the trust store).
"""

from __future__ import annotations

from latentview.backends import own_models
from latentview.backends.embedders import DEFAULT_MODEL, EMBEDDERS, display_name, layers_for
from latentview.backends.trust_store import TrustNeeded

__all__ = ["DEFAULT_MODEL", "EMBEDDERS", "TrustNeeded", "display_name", "layers_for", "own_models"]
