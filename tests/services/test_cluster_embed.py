"""`embed --engine ray` on a real local Ray instance (2 CPUs, shared by the module): the same rows as the
local engine, a killed encoder actor, resume, and the sentence when Ray is missing."""

from __future__ import annotations

import builtins
import logging
import os
import signal
import threading
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from latentview.backends.images import scan_images
from latentview.core.textsafe import display_path
from latentview.services.runner import drive
from tests.messy_images import make_messy_folder


@pytest.fixture(scope="module")
def ray_instance():
    from latentview.backends.ray_engine import import_ray

    ray = import_ray()
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level=logging.ERROR,
             log_to_driver=False, configure_logging=False)  # fmt: skip
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    root = tmp_path_factory.mktemp("ray") / "photos"
    good, bad = make_messy_folder(root)
    return root, good, bad


def _read_folder(out) -> dict[str, tuple]:
    """path → (label, embedding or None, error) over every shard; asserts no path appears twice."""
    rows: dict[str, tuple] = {}
    names = sorted(n for n in os.listdir(out) if n.endswith(".parquet"))
    for name in names:
        t = pq.read_table(os.path.join(out, name))
        assert t.column_names == ["path", "label", "x", "y", "embedding", "error"]
        for path, label, emb, err in zip(*(t.column(c).to_pylist() for c in ("path", "label", "embedding",
                                                                            "error"))):  # fmt: skip
            assert path not in rows, f"duplicate row {path}"
            rows[path] = (label, None if emb is None else np.asarray(emb, np.float32), err)
    return rows


def _local_rows(root) -> dict[str, tuple]:
    from latentview.services.ingest import IngestOptions, ingest_folder

    ds = drive(ingest_folder(str(root), IngestOptions(use_cache=False)))
    rows = {display_path(p): (lab, ds.embeddings[i].astype(np.float32), "")
            for i, (p, lab) in enumerate(zip(ds.items, ds.labels))}  # fmt: skip
    for f in ds.failures:
        rows[display_path(f.item)] = (None, None, f.reason)
    return rows


def test_ray_engine_equals_local_engine_and_resumes(ray_instance, messy, tmp_path, capsys):
    from latentview.cli.embed import main

    root, good, bad = messy
    out = tmp_path / "shards"
    assert main([str(root), "-o", str(out), "--engine", "ray", "--chunk-size", "3"]) == 0
    summary = capsys.readouterr().out
    assert f"embedded {len(good)}," in summary and "shards written 5, kept 0" in summary
    ray_rows, local_rows = _read_folder(out), _local_rows(root)
    assert set(ray_rows) == set(local_rows)
    for path, (label, emb, err) in local_rows.items():
        r_label, r_emb, r_err = ray_rows[path]
        assert r_err == err, path
        if label is not None:
            assert r_label == label
        if emb is None:
            assert r_emb is None
        else:
            cos = float(emb @ r_emb / (np.linalg.norm(emb) * np.linalg.norm(r_emb)))
            assert cos >= 0.9999, (path, cos)
    assert {os.path.basename(p) for p, (_, e, _) in ray_rows.items() if e is None} >= bad

    # Resume: one file changes; only its shard is written again, the others are kept as they were.
    kept = {n: os.stat(out / n).st_mtime_ns for n in os.listdir(out) if n.startswith("part-")}
    changed = root / "alpha" / "plain.png"
    os.utime(changed, ns=(time.time_ns(), time.time_ns()))
    assert main([str(root), "-o", str(out), "--engine", "ray", "--chunk-size", "3"]) == 0
    assert "shards written 1, kept 4" in capsys.readouterr().out
    rewritten = [n for n in kept if os.stat(out / n).st_mtime_ns != kept[n]]
    assert len(rewritten) == 2 and all(n.startswith(rewritten[0][:11]) for n in rewritten)  # shard+manifest
    assert set(_read_folder(out)) == set(local_rows)


def _actor_pids(name: str) -> list[int]:
    """Our Ray workers whose process title names `name` (Ray sets 'ray::MapWorker(…EmbedChunk…)')."""
    me, pids = os.getpid(), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                cmd = fh.read().decode("utf-8", "replace")
            if name not in cmd or not _descends_from(int(pid), me):
                continue
        except OSError:
            continue
        pids.append(int(pid))
    return pids


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        with open(f"/proc/{pid}/stat") as fh:
            pid = int(fh.read().rsplit(")", 1)[1].split()[1])
    return False


def test_killed_encoder_actor_still_gives_every_row_once(ray_instance, photo_folder, tmp_path):
    from latentview.services.cluster_embed import ClusterOptions, embed_to_shards

    out = tmp_path / "shards"
    result: dict = {}
    opts = ClusterOptions("efficientnet-lite0", workers=2, chunk_size=2)

    def run():
        try:
            result["r"] = drive(embed_to_shards(str(photo_folder), str(out), opts))
        except BaseException as exc:  # reported by the assertion below
            result["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 120
    while not any(n.endswith(".manifest.json") for n in (os.listdir(out) if out.exists() else [])):
        assert time.monotonic() < deadline and worker.is_alive(), "no shard was written"
        time.sleep(0.05)  # polling the output folder: the run is in another thread's Ray job
    victims = _actor_pids("EmbedChunk")
    assert victims, "no encoder actor process found"
    os.kill(victims[0], signal.SIGKILL)
    assert worker.is_alive(), "the run ended before the kill: make the folder bigger"
    worker.join(300)
    assert "error" not in result, result.get("error")
    r = result["r"]
    shards = sorted(n for n in os.listdir(out) if n.startswith("part-") and n.endswith(".parquet"))
    n_files = len(scan_images(str(photo_folder)).files)
    assert r.embedded == n_files and r.failed == 0 and len(shards) == (n_files + 1) // 2
    rows = _read_folder(out)  # asserts every path once
    assert len(rows) == n_files and all(e is not None for _, e, _ in rows.values())
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def test_without_ray_the_engine_says_how_to_install(monkeypatch, messy, tmp_path, capsys):
    from latentview.cli.embed import main

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError(f"No module named '{name}'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    assert main([str(messy[0]), "-o", str(tmp_path / "out"), "--engine", "ray"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "pip install 'latentview[cluster]'" in err
    assert not (tmp_path / "out").exists()
