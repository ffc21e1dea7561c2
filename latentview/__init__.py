"""latentview: see and steer the latent spaces of deep-learning models."""

import os as _os

# ONNX Runtime's telemetry writes a device id and an event queue under
# $XDG_CACHE_HOME/Microsoft/DeveloperTools the moment it is imported; an offline, private app
# must not. The switch is read when onnxruntime loads, so it is set before anything can import it.
_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

__version__ = "0.1.0"
