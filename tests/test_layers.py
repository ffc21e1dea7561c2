"""The architecture's walls: core imports neither Qt nor torch; the window opens before torch loads."""

import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "latentview"


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})  # fmt: skip
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_core_imports_no_qt_torch_or_heavy_libraries():
    modules = sorted(p.stem for p in (PKG / "core").glob("*.py") if p.stem != "__init__")
    code = "import sys\n" + "".join(f"import latentview.core.{m}\n" for m in modules)
    code += (
        "print(sorted(m for m in ('PySide6','torch','pyqtgraph','gensim','umap','PIL') if m in sys.modules))"
    )
    assert _run(code) == "[]"


def test_backends_and_services_do_not_import_qt():
    code = (
        "import sys, pkgutil, importlib, latentview.backends, latentview.services\n"
        "for pkg in (latentview.backends, latentview.services):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(pkg.__name__ + '.' + m.name)\n"
        "print('PySide6' in sys.modules, 'pyqtgraph' in sys.modules)"
    )
    assert _run(code) == "False False"


def test_window_is_built_without_importing_torch():
    code = (
        "import sys\nfrom PySide6.QtWidgets import QApplication\napp = QApplication([])\n"
        "from latentview.qt.shell.main_window import MainWindow\nw = MainWindow(); w.show(); app.processEvents()\n"
        "print('torch' in sys.modules, 'umap' in sys.modules)"
    )
    assert _run(code) == "False False"
