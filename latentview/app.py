"""Composition root: command line, QApplication, wiring. The only module that knows every layer.

`latentview [FOLDER | TABLE] [--demo] [--screenshot PNG]` opens the window; `latentview embed|words|gan …`
run headless. Heavy imports (torch, pyqtgraph, umap) happen after the window is visible.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

# Sub-commands live in their own modules, imported only when used: name -> "module:function".
SUBCOMMANDS = {
    "embed": "latentview.cli.embed:main",
    "words": "latentview.cli.words:main",
    "gan": "latentview.cli.gan:main",
    "compare": "latentview.cli.compare:main",
    "project": "latentview.cli.project:main",
}


def _gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="latentview",
        description="See and steer the latent spaces of deep-learning models. "
        f"Headless commands: {', '.join(SUBCOMMANDS)} (latentview COMMAND --help).",
    )
    p.add_argument("folder", nargs="?", help="a folder of images, or an embeddings table (Parquet, Arrow, CSV, "
                   ".npy/.npz, projector vectors.tsv) to map")  # fmt: skip
    p.add_argument("--demo", action="store_true", help="open the built-in demo images")
    p.add_argument(
        "--model", help="image encoder: efficientnet-lite0 (default), another built-in, or PATH.onnx"
    )
    p.add_argument(
        "--layer", help="embedding layer: raw-pixels, stage1…stage7, or a tensor of your ONNX graph"
    )
    p.add_argument("--projection", choices=("pca", "umap", "tsne"), help="2-D layout (default umap)")
    p.add_argument(
        "--trust-code",
        action="store_true",
        help="open gensim pickles and TorchScript files you choose without asking (they can run code)",
    )
    p.add_argument("--screenshot", metavar="PNG", help="save the window once the map is drawn, then exit")
    p.add_argument("--timeout", type=float, default=900, help="give up --screenshot after this many s")
    from latentview.cli.project import add_table_options

    add_table_options(p)
    p.add_argument("--exit-after-show", action="store_true",
                   help="quit as soon as the window is shown (times start-up; scripts/build_app.sh)")  # fmt: skip
    return p


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # clustering runs in a spawned process; the frozen app needs this
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        module, func = SUBCOMMANDS[argv[0]].split(":")
        return getattr(importlib.import_module(module), func)(argv[1:])
    args = _gui_parser().parse_args(argv)
    if args.folder and not os.path.exists(args.folder):
        print(f"latentview: not found: {args.folder}", file=sys.stderr)
        return 2
    if args.folder and is_table_arg(args.folder, args):
        args.table, args.folder = args.folder, None
    else:
        args.table = None
    return run_gui(args)


def is_table_arg(path: str, args) -> bool:
    """A table file or shard folder, or any path given with table options."""
    from latentview.backends.tables import is_table_path

    given = any(getattr(args, k, None) for k in ("metadata", "vectors", "embed_text"))
    return is_table_path(path) or (given and os.path.isfile(path))


def run_gui(args) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("latentview")
    app.setOrganizationName("latentview")
    from latentview.qt.shell.main_window import MainWindow
    from latentview.qt.shell.resources import app_icon
    from latentview.services.neighbours import default_search_factory

    if args.trust_code:
        from latentview.qt.common import trust_dialog

        trust_dialog.ALWAYS = True
    # The composition root picks the k-NN backend; the window and its session only use it.
    window = MainWindow(search_factory=default_search_factory())
    window.setWindowIcon(app_icon())
    if (args.model or args.layer) and not _apply_model(window, args):
        return 2
    if args.projection:
        window.settings.set_method(args.projection)
    window.show()
    if args.exit_after_show:
        QTimer.singleShot(0, window.close)
        return app.exec()
    status = {"code": 0}
    if args.screenshot:
        _screenshot_when_ready(window, args, status)
    _open_given(window, args)
    app.exec()
    if not window.runner.shutdown(timeout_ms=2000):
        # A computation that cannot be interrupted (a UMAP fit) is still running: leave now rather
        # than make the user wait; caches are written in transactions, so nothing is half-written.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status["code"])
    return status["code"]


def _apply_model(window, args) -> bool:
    """--model / --layer: select the encoder in the window; False (and a sentence) when unknown."""
    from latentview.services import own_models
    from latentview.services.models import DEFAULT_MODEL, EMBEDDERS

    model = args.model or DEFAULT_MODEL
    if model not in EMBEDDERS and not (own_models.file_kind(model) and os.path.isfile(model)):
        print(f"latentview: unknown model '{model}'. Choose one of: {', '.join(EMBEDDERS)}, "
              "or an .onnx file.", file=sys.stderr)  # fmt: skip
        return False
    if getattr(args, "trust_code", False) and own_models.file_kind(model) == "torchscript":
        own_models.trust_code_file(model)
    window.settings.set_model(own_models.make_ref(os.path.abspath(model) if os.path.isfile(model) else model,
                                                  args.layer))  # fmt: skip
    return True


def _screenshot_when_ready(window, args, status: dict) -> None:
    """--screenshot: save the window once the map and its named clusters are drawn, then close; a
    failure or the timeout closes it with a non-zero status."""
    from PySide6.QtCore import QTimer

    ex = window.state.explore

    def grab() -> None:
        # Let thumbnails, name placement and the final paint land before grabbing.
        QTimer.singleShot(300, shoot)

    def shoot() -> None:
        window.grab().save(args.screenshot)
        c = ex.clustering
        print(f"latentview: saved {args.screenshot} ({len(c) if c is not None else 0} named clusters)")
        window.close()

    def save(_method: str) -> None:
        """Wait for the named clusters too (they are what the map is for), unless none will come."""
        if ex.clustering is not None or not window.runner.is_running("clusters"):
            grab()
            return
        window.mapReady.disconnect(save)
        ex.clusters_changed.connect(lambda: ex.clustering is not None and grab())
        window.runner.finished.connect(lambda key, outcome: key == "clusters" and outcome != "ok" and grab())

    def fail(message: str) -> None:
        print(f"latentview: no map could be made: {message}", file=sys.stderr)
        status["code"] = 1
        window.close()

    def timeout() -> None:
        print(f"latentview: the map was not ready after {args.timeout:.0f} s", file=sys.stderr)
        status["code"] = 3
        window.close()

    window.mapReady.connect(save)
    window.mapFailed.connect(fail)
    QTimer.singleShot(int(args.timeout * 1000), timeout)


def _open_given(window, args) -> None:
    """What the command line names opens once the event loop runs: a table, a folder or the demo."""
    from PySide6.QtCore import QTimer

    if args.table:
        from latentview.cli.project import spec_from_args
        from latentview.qt.tables.opener import TableOpener

        spec = spec_from_args(args)
        QTimer.singleShot(0, lambda: window.feature(TableOpener).open(spec))
    elif args.folder:
        QTimer.singleShot(0, lambda: window.open_folder(os.path.abspath(args.folder)))
    elif args.demo:
        QTimer.singleShot(0, window.open_demo)


if __name__ == "__main__":
    raise SystemExit(main())
