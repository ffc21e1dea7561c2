"""latentview: see and steer the latent spaces of deep-learning models."""

__version__ = "0.1.0"
