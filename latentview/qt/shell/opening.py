"""Opening data and laying it out: folders, the demo, a new model, projections and full-space
neighbours, each on the task runner (the GUI thread never embeds, projects or indexes)."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QFileDialog

from latentview.core.dataset import Dataset
from latentview.core.progress import Log
from latentview.core.textsafe import display_path
from latentview.services.models import display_name
from latentview.services.projection import ProjectionParams, codes_then_project

INDEX_IN_BACKGROUND = 4_000_000  # embedding values above which neighbours are searched on the runner


class OpenData:
    """Mixed into MainWindow: what File ▸ Open…, a drop, the model box and the projection box start."""

    def _ask_folder(self) -> None:
        if not self.confirm_replace_map():
            return
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if folder:
            self.open_folder(folder)

    def open_demo(self, _checked=False) -> None:
        from latentview.services.ingest import ingest_demo

        if not self.confirm_replace_map():
            return
        self.runner.submit("ingest", ingest_demo, self.settings.model_name,
                           on_result=self._on_ingested, on_error=self._on_failed,
                           title="Preparing demo")  # fmt: skip
        self._ingest_started = time.perf_counter()
        self._warm_up_umap()

    def _warm_up_umap(self) -> None:
        """A first launch compiles UMAP's kernels while the images are embedded (the map and the
        clusters both need them next); once per window, only when the map is a UMAP."""
        from latentview.services.projection import warm_up

        if getattr(self, "_umap_warmed", False) or self.settings.params().method != "umap":
            return
        self._umap_warmed = True
        self.runner.submit("warm-up", warm_up, title="Preparing UMAP", on_error=lambda _msg: None)

    def retry_failed(self) -> None:
        """Embed the shown folder again; files whose failure is cached are tried again."""
        ds = self.session.dataset
        if ds is not None and ds.kind == "images" and ds.source:
            self.open_folder(ds.source, retry_failed=True)

    def open_folder(self, folder: str, model: str | None = None, use_cache: bool = True,
                    retry_failed: bool = False, on_error=None) -> None:  # fmt: skip
        from latentview.services.ingest import IngestOptions, ingest_folder

        if model:
            self.settings.set_model(model)
        self._ingest_started = time.perf_counter()
        self.log.add(Log(f"Opening {display_path(folder)} with {self.settings.model_name}", "info"))
        opts = IngestOptions(model=self.settings.model_name, use_cache=use_cache, retry_failed=retry_failed,
                             label_depth=self.settings.label_depth)  # fmt: skip
        self.runner.submit("ingest", ingest_folder, folder, opts, on_result=self._on_ingested,
                           on_error=on_error or self._on_failed, title="Embedding images")  # fmt: skip
        self._warm_up_umap()

    def show_dataset(self, dataset: Dataset, params: ProjectionParams | None = None) -> None:
        """Put any dataset (images, words, GAN samples) on the map."""
        self.session.set_dataset(dataset)
        self.reproject(params or self.settings.params())

    def _on_ingested(self, dataset: Dataset) -> None:
        secs = time.perf_counter() - self._ingest_started
        bad = len(dataset.failures)
        self.log.add(Log(f"{len(dataset):,} images embedded ({display_name(dataset.model)}), {bad} skipped, "
                         f"{secs:.1f} s", "info"))  # fmt: skip
        if any(hook(dataset) for hook in self.features.ingest_hooks):
            return  # e.g. new images of the shown folder, placed into its map (qt/mapstack/extend)
        self.show_dataset(dataset)

    def _on_failed(self, message: str) -> None:
        """Errors stay visible: in the Log (shown), in the status bar until the next message, and under
        the empty map's hint."""
        self.log.add(Log(message, "error"))
        self.docks["Log"].show()
        self.statusBar().showMessage(message)
        self._last_error = message
        self._update_hint()
        self.mapFailed.emit(message)

    def _relabel(self, depth: int) -> None:
        """Labels by first folder level or by the full relative folder path, without embedding again."""
        from latentview.services.images import label_for

        ds = self.session.dataset
        if ds is None or ds.kind != "images" or not ds.source:
            return
        ds.labels = [label_for(p, ds.source, depth) for p in ds.items]
        if self.session.coords is not None:
            self._on_coords(True)

    def _on_model_change(self, model: str) -> None:
        from latentview.qt.map.add_model import allowed_to_run

        ds = self.session.dataset
        if not allowed_to_run(self, model):  # a code-carrying file the user declined
            self.settings.set_model(ds.model if ds is not None and ds.model else "")
            return
        if ds is not None and ds.kind == "images" and ds.source and "table" not in ds.meta:
            # the shown folder, embedded again (cached per model and layer)
            self.open_folder(ds.source, on_error=self._on_model_failed)

    def _on_model_failed(self, message: str) -> None:
        """The new model could not run: the combo goes back to the model on the map, the sentence to
        the Log (the status bar only points there, so nothing long runs off it)."""
        ds = self.session.dataset
        if ds is not None and ds.model:
            self.settings.set_model(ds.model)
        self.log.add(Log(message, "error"))
        self.statusBar().showMessage("The model was not changed: see the Log.", 8000)

    def reproject(self, params: ProjectionParams) -> None:
        ds = self.session.dataset
        if ds is None:
            return
        self.settings.set_method(params.method)
        key = (params.method, tuple(sorted(params.resolved().items())))
        layouts = self._projection_cache.setdefault(ds, {})
        if key in layouts:
            self.session.set_coords(layouts[key], params.method, final=True)
            return

        def done(coords, key=key, ds=ds):
            self._projection_cache.setdefault(ds, {})[key] = coords
            self.session.set_layout(ds, coords, params.method, final=True)  # rows added meanwhile: placed

        def partial(part, ds=ds):
            self.session.set_layout(ds, part.value, part.label, final=False)

        self.runner.submit("project", codes_then_project, ds, params, on_result=done,
                           on_partial=partial, on_error=self._on_failed,
                           title=f"Projecting ({params.method.upper()})")  # fmt: skip

    def focus_point(self, index: int) -> None:
        """Focus a point and show its full-space neighbours. On a big map the search runs on the runner
        (the first time it also builds the index: seconds at a million rows, maybe importing torch);
        the newest click wins, and a click during the build is answered when the index is ready."""
        from latentview.services.neighbours import neighbours_task

        s = self.session
        if s.dataset is None or s.dataset.embeddings.size < INDEX_IN_BACKGROUND:
            s.set_focus(index)
            return
        self._pending_focus = index
        ds = s.dataset
        if s.search_or_none is None and self.runner.is_running("neighbours") and self._index_for is ds:
            return  # the index is being built; that task answers the newest click
        self._index_for = ds

        def done(result):
            search, i, neighbours = result
            if s.dataset is ds:
                s.set_search(search)
                s.set_focus(i, neighbours)
                if self._pending_focus != i:
                    self.focus_point(self._pending_focus)

        self.runner.submit("neighbours", neighbours_task, ds.embeddings, s.search_or_none,
                           lambda: self._pending_focus, s.k, self.state.search_factory, on_result=done,
                           on_error=self._on_failed, title="Finding neighbours")  # fmt: skip
