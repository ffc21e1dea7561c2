"""Thin Qt views over the core; the only layer that imports PySide6 and pyqtgraph."""
