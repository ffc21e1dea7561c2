"""One small clustered space written in every table format latentview opens (shared by the table tests)."""

from __future__ import annotations

import csv
import os

import numpy as np

N, D = 90, 12
KINDS = ("apple", "boat", "cloud")


def space(n: int = N, d: int = D, seed: int = 0):
    """(vectors float32 (n, d), labels, texts): three well-separated clusters."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(KINDS), d)) * 6
    lab = np.arange(n) % len(KINDS)
    x = (centres[lab] + rng.normal(size=(n, d))).astype(np.float32)
    labels = [KINDS[i] for i in lab]
    texts = [f"{KINDS[i]} number {j}" for j, i in enumerate(lab)]
    return x, labels, texts


def _fixed_list(x):
    import pyarrow as pa

    return pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), x.shape[1])


def write_all(folder) -> dict[str, str]:
    """name -> path of the same space in each format."""
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    folder = str(folder)
    x, labels, texts = space()
    score = np.linspace(0, 1, N)
    out = {}
    base = {"name": texts, "label": labels, "score": score}
    out["parquet"] = os.path.join(folder, "fixed.parquet")
    pq.write_table(pa.table({**base, "embedding": _fixed_list(x)}), out["parquet"])
    out["parquet_list"] = os.path.join(folder, "list.parquet")
    pq.write_table(
        pa.table({**base, "vec": pa.array(x.tolist(), pa.list_(pa.float64()))}), out["parquet_list"]
    )
    shards = os.path.join(folder, "shards")
    os.makedirs(shards)
    for i, s in enumerate(range(0, N, 40)):
        part = pa.table(
            {k: v[s : s + 40] for k, v in base.items()} | {"embedding": _fixed_list(x[s : s + 40])}
        )
        pq.write_table(part, os.path.join(shards, f"part-{i:03d}.parquet"))
    out["shards"] = shards
    out["feather"] = os.path.join(folder, "space.feather")
    feather.write_feather(
        pa.table({**base, "embedding": _fixed_list(x)}), out["feather"], compression="uncompressed"
    )
    out["csv"] = os.path.join(folder, "wide.csv")
    with open(out["csv"], "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["name", "label", "score", *[f"emb_{i}" for i in range(D)]])
        for i in range(N):
            w.writerow([texts[i], labels[i], score[i], *[f"{v:.7g}" for v in x[i]]])
    out["npy"] = os.path.join(folder, "vectors_np.npy")
    np.save(out["npy"], x)
    with open(os.path.join(folder, "vectors_np.tsv"), "w") as fh:  # sibling metadata, same stem
        fh.write("name\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in zip(texts, labels)))
    out["npz"] = os.path.join(folder, "arrays.npz")
    np.savez(out["npz"], embeddings=x, label=np.array(labels), name=np.array(texts))
    proj = os.path.join(folder, "projector")
    os.makedirs(proj)
    with open(os.path.join(proj, "vectors.tsv"), "w") as fh:
        fh.write("".join("\t".join(f"{v:.7g}" for v in row) + "\n" for row in x))
    with open(os.path.join(proj, "metadata.tsv"), "w") as fh:
        fh.write("name\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in zip(texts, labels)))
    out["projector"] = os.path.join(proj, "vectors.tsv")
    return out
