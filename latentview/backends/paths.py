"""Where latentview keeps caches and settings: the user's directories, never the install folder."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`LATENTVIEW_CACHE_DIR` overrides (tests, portable installs); else the platform cache dir."""
    override = os.environ.get("LATENTVIEW_CACHE_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir("latentview", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    override = os.environ.get("LATENTVIEW_CONFIG_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs

        path = Path(platformdirs.user_config_dir("latentview", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def numba_cache_dir() -> Path:
    """UMAP's numba kernels compile once (~40 s) and are reused from here by later launches."""
    path = cache_dir() / "numba"
    path.mkdir(parents=True, exist_ok=True)
    return path
