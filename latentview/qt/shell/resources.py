"""Runtime assets inside the package, so pip, editable and frozen installs find them alike."""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtGui import QIcon


def asset_path(name: str) -> str:
    return str(files("latentview") / "assets" / name)


def app_icon() -> QIcon:
    return QIcon(asset_path("icon.png"))
