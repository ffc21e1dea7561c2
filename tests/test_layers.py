"""The architecture's walls: core imports neither Qt nor torch; qt reaches backends only through
services; services and core never import Qt; the window opens before torch loads."""

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "latentview"


def imported_modules(path: Path):
    """(line, names) per import statement in the file, those inside functions included: `import a, b`
    gives each module, `from p import n` gives p and p.n (so `from latentview import backends` counts);
    relative imports are resolved."""
    package = path.relative_to(PKG.parent).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, [alias.name]
        elif isinstance(node, ast.ImportFrom):
            parts = list(package[: len(package) - node.level + 1]) if node.level else []
            base = ".".join(parts + ([node.module] if node.module else []))
            yield node.lineno, [base] + [f"{base}.{alias.name}" for alias in node.names]


def violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    """ "file:line: module" for every import under latentview/<folder> of a forbidden package."""
    found = []
    for path in sorted((PKG / folder).rglob("*.py")):
        for line, names in sorted(imported_modules(path)):
            bad = [n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden)]
            if bad:
                found.append(f"{path.relative_to(PKG).as_posix()}:{line}: {bad[0]}")
    return found


def test_qt_imports_no_backends():
    """qt/ talks to services (and core) only: backends are reached through services doors."""
    found = violations("qt", ("latentview.backends",))
    assert not found, "qt/ imports backends; use a latentview.services door:\n" + "\n".join(found)


def test_layer_check_sees_imports_inside_functions(tmp_path, monkeypatch):
    """The check itself: nested, `from latentview import backends` and relative imports all count."""
    pkg = tmp_path / "latentview"
    (pkg / "qt" / "x").mkdir(parents=True)
    (pkg / "qt" / "x" / "m.py").write_text(
        "import os\n\ndef f():\n    from latentview import backends\n\n"
        "def g():\n    from ...backends.images import label_for\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PKG", pkg)
    assert violations("qt", ("latentview.backends",)) == [
        "qt/x/m.py:4: latentview.backends",
        "qt/x/m.py:7: latentview.backends.images",
    ]


def test_core_backends_and_services_never_import_qt():
    """Static (imports inside functions too): the layers below qt never reach Qt or the app."""
    qt = ("latentview.qt", "latentview.app", "PySide6", "pyqtgraph")
    for folder in ("core", "backends", "services"):
        assert violations(folder, qt) == [], folder
    assert violations("core", ("latentview.backends", "latentview.services", "latentview.cli")) == []


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
