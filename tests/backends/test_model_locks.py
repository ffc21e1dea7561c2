"""Shared in-process model caches: two threads asking for the same model at once get one build."""

from __future__ import annotations

import threading
import time

from latentview.backends import embedders, generators


def _race(fn, n=4):
    barrier = threading.Barrier(n)
    out, errors = [], []

    def worker():
        barrier.wait()
        try:
            out.append(fn())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    return out


def test_an_embedder_is_built_once_when_threads_race():
    builds = []

    def slow_build():
        builds.append(1)
        time.sleep(0.3)  # a model load: long enough for the other threads to ask meanwhile
        return object()

    embedders.register(embedders.EmbedderSpec("race-test", "race", True, "test", slow_build, onnx=False))
    try:
        got = _race(lambda: embedders.get_embedder("race-test"))
    finally:
        embedders.EMBEDDERS.pop("race-test", None)
        embedders._loaded.pop("race-test:auto", None)
    assert len(builds) == 1 and len({id(g) for g in got}) == 1


def test_a_generator_is_built_once_when_threads_race():
    builds = []

    def slow_build():
        builds.append(1)
        time.sleep(0.3)
        return object()

    generators.GENERATORS["race-test"] = generators.GeneratorSpec("race-test", "race", "test", slow_build)
    try:
        got = _race(lambda: generators.get_generator("race-test"))
    finally:
        generators.GENERATORS.pop("race-test", None)
        generators._loaded.pop("race-test", None)
    assert len(builds) == 1 and len({id(g) for g in got}) == 1
