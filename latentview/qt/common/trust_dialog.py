"""The one question asked before a file that can run code is opened (gensim pickle, TorchScript).

Loaders return a `TrustNeeded` (services/trust_store.py) instead of opening such a file; a panel
calls `confirm_code` and, on yes, loads again with the digest, which the store then remembers.
`latentview --trust-code` sets ALWAYS, so the window opens such files without asking (still never
from a session file or a cache on its own: only files the user opens).
"""

from __future__ import annotations

import os

from PySide6.QtWidgets import QMessageBox, QWidget

ALWAYS = False  # set by `latentview --trust-code`


def confirm_code(parent: QWidget | None, need) -> bool:
    """Ask whether to open `need.path`; the default answer is No."""
    if ALWAYS:
        return True
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Warning)
    box.setWindowTitle("This file can run code")
    box.setText(f"“{os.path.basename(need.path)}” is a {need.kind}: opening it runs code from the file.")
    box.setInformativeText(
        "Code in a file can read, change or delete your files. Open it only if you made it or trust where "
        "it came from. Your answer is remembered for this exact file; a changed file is asked about again."
    )
    box.setStandardButtons(QMessageBox.Open | QMessageBox.Cancel)
    box.setDefaultButton(QMessageBox.Cancel)
    return box.exec() == QMessageBox.Open
