import numpy as np

from latentview.backends.cache import EmbeddingCache, file_key


def test_cache_round_trip_and_staleness(tmp_path):
    f = tmp_path / "a.jpg"
    f.write_bytes(b"x" * 10)
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    key = file_key(str(f))
    cache.store("m", [(key, np.arange(4, dtype=np.float32), None)])
    hit = cache.lookup("m", [key])[key[0]]
    assert hit.embedding.tolist() == [0, 1, 2, 3] and hit.error is None
    assert cache.lookup("other-model", [key]) == {}
    f.write_bytes(b"y" * 11)  # content changed: size (and mtime) differ → stale
    assert cache.lookup("m", [file_key(str(f))]) == {}
    cache.store("m", [(file_key(str(f)), None, "corrupt")])
    assert cache.lookup("m", [file_key(str(f))])[key[0]].error == "corrupt"
    cache.close()
