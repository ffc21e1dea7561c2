"""The GAN dock's part of a session file: generator, seed, truncation, direction amounts, the base
latent and the pinned interpolation ends — so a reopened GAN session shows the same face.

Registered as the "gan" session part (`Features.session_part`): `save()` returns {"gan": {...}} (plain
JSON), `restore(extra)` loads the generator if another one is showing and applies the state once it (and its directions) land.
"""

from __future__ import annotations

import numpy as np

from latentview.qt.gan.steering import MAX_SEED


def _vector(values, nz: int) -> np.ndarray | None:
    if values is None:
        return None
    z = np.asarray(values, dtype=np.float32).reshape(-1)
    return z if len(z) == nz and np.all(np.isfinite(z)) else None


class GanSessionState:
    def __init__(self, panel):
        self.panel = panel
        self._pending: dict | None = None
        panel.generatorReady.connect(self._apply)
        panel.directionsReady.connect(self._apply_amounts)

    def save(self) -> dict:
        p = self.panel
        if p.gen is None or p.state is None:
            return {}
        st, ip = p.state, p.interpolation
        return {"gan": {
            "generator": p.generator_box.currentData(), "nz": int(p.gen.nz), "seed": st.seed,
            "scale": float(st.scale), "amounts": {k: float(v) for k, v in st.amounts.items()},
            "base": st.base.astype(float).tolist(),
            "pin_a": None if ip.a is None else ip.a.astype(float).tolist(),
            "pin_b": None if ip.b is None else ip.b.astype(float).tolist(),
        }}  # fmt: skip

    def restore(self, extra: dict) -> None:
        state = (extra or {}).get("gan")
        if not isinstance(state, dict) or not state.get("generator"):
            return
        self._pending = state
        p = self.panel
        if p.gen is not None and p.generator_box.currentData() == state["generator"]:
            self._apply()
        else:
            p.load(state["generator"], state.get("nz"))  # generatorReady → _apply

    def _apply(self, *_args) -> None:
        g, p = self._pending, self.panel
        if g is None or p.gen is None or p.generator_box.currentData() != g["generator"]:
            return
        nz = p.gen.nz
        base = _vector(g.get("base"), nz)
        st = p.state
        if base is not None:
            st.base = base
        seed = g.get("seed")
        # a seed the Seed box cannot show is no seed: the saved base latent holds the image anyway
        st.seed = seed if type(seed) is int and 0 <= seed <= MAX_SEED else None
        st.scale = float(g.get("scale", 1.0))
        st.amounts = {str(k): float(v) for k, v in (g.get("amounts") or {}).items()}
        ip = p.interpolation
        ip.a, ip.b = _vector(g.get("pin_a"), nz), _vector(g.get("pin_b"), nz)
        ip._update_info()
        ip.pathChanged.emit()
        p.set_latent_controls()  # the Seed box too: a saved latent that is no seed's shows no number
        p.request_render()
        if p.directions is not None:
            self._pending = None  # the amounts apply now; otherwise when the directions land

    def _apply_amounts(self, _n: int) -> None:
        if self._pending is not None and self.panel.gen is not None:
            self._pending = None
            self.panel.set_latent_controls()
            self.panel.request_render()
