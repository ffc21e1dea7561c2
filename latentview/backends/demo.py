"""The built-in demo: a labelled image folder made offline from what ships with scikit-image and
scikit-learn (backends/sample_sets.py, set "demo").

Eleven kinds, each varied rather than crops of one photo: photos of a cat and of coffee (re-framed,
recoloured, pasted), space (rocket, astronaut, moon, Hubble deep field), microscopy (four kinds of
slide), textures (brick, grass, gravel), places (a temple, a flower, a cameraman), LFW faces, and
digits, documents, charts and shape scenes drawn at photo size with real fonts and backgrounds.
"""

from __future__ import annotations

from pathlib import Path

from latentview.backends.paths import cache_dir

DEMO_VERSION = 3
PER_CATEGORY = 24


def demo_folder(per_category: int = PER_CATEGORY) -> Path:
    """Build once into the user cache (deterministic), then reuse."""
    from latentview.backends.sample_sets import write_set

    root = cache_dir() / f"demo-v{DEMO_VERSION}-{per_category}"
    marker = root / ".complete"
    if marker.exists():
        return root
    write_set("demo", root, per_category, seed=7)
    marker.write_text("ok\n")
    return root
