"""The encoders the app offers and the consent code-carrying files need.

The Qt layer talks to services only (tests/test_layers.py); this is its door to the model catalogue
in backends (built-in embedders, the trust store). The user's own models have theirs:
services/own_models.py.
"""

from __future__ import annotations

from latentview.backends.embedders import DEFAULT_MODEL, EMBEDDERS, display_name, layers_for
from latentview.backends.trust_store import TrustNeeded

__all__ = ["DEFAULT_MODEL", "EMBEDDERS", "TrustNeeded", "display_name", "layers_for"]
