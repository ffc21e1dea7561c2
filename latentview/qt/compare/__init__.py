"""Compare latent spaces side by side: linked views, per-point agreement, whole-space measures, layers sweep."""
