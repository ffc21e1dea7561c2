"""Bring your own space, as a user would: train a small model, export its embeddings, open them.

Trains a tiny MLP on scikit-learn's handwritten digits (1,797 real 8×8 scans, shipped in the wheel)
for a few seconds on the CPU, takes its 32-d hidden layer as the embedding of every digit, and writes
what a notebook would: a Parquet table with the vectors, the true label, the model's prediction and
confidence, and a path to each digit's picture (PNG, relative to the table). Then:

    latentview OUT/digits.parquet                 # the window: colour by label, click, lasso…
    latentview project OUT/digits.parquet -o OUT/digits_map.csv --projection pca --clusters

Usage: python examples/own_space.py [OUT_FOLDER] (default: ./own_space_out)
"""

from __future__ import annotations

import os
import sys

import numpy as np


def train_embeddings(seed: int = 0):
    """(hidden-layer vectors (N, 32), labels, predictions, confidences, 8×8 images)."""
    import torch
    from sklearn.datasets import load_digits

    torch.manual_seed(seed)
    digits = load_digits()
    x = torch.tensor(digits.data / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target)
    encoder = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 32),
                                  torch.nn.ReLU())  # fmt: skip
    head = torch.nn.Linear(32, 10)
    opt = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=3e-3)
    train = torch.rand(len(x), generator=torch.Generator().manual_seed(seed)) < 0.8
    for _epoch in range(60):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(encoder(x[train])), y[train])
        loss.backward()
        opt.step()
    with torch.no_grad():
        z = encoder(x)
        probs = torch.softmax(head(z), dim=1)
    acc = float((probs.argmax(1)[~train] == y[~train]).float().mean())
    print(f"tiny MLP: held-out accuracy {acc:.3f}")
    return z.numpy(), digits.target, probs.argmax(1).numpy(), probs.max(1).values.numpy(), digits.images


def write_table(out: str) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from PIL import Image

    z, labels, pred, conf, images = train_embeddings()
    os.makedirs(os.path.join(out, "digits"), exist_ok=True)
    paths = []
    for i, img in enumerate(images):
        rel = os.path.join("digits", f"{i:04d}.png")
        pix = (255 - img * 255 / 16).astype(np.uint8)  # dark ink on white
        Image.fromarray(pix).resize((64, 64), Image.NEAREST).save(os.path.join(out, rel))
        paths.append(rel)
    table = pa.table({
        "image": paths,
        "label": [str(v) for v in labels],
        "predicted": [str(v) for v in pred],
        "confidence": conf.astype(np.float64),
        "embedding": pa.FixedSizeListArray.from_arrays(pa.array(z.astype(np.float32).ravel()), z.shape[1]),
    })  # fmt: skip
    path = os.path.join(out, "digits.parquet")
    pq.write_table(table, path)
    print(f"wrote {path}: {len(z)} rows × {z.shape[1]}-d embedding, label, predicted, confidence, image")
    return path


if __name__ == "__main__":
    write_table(sys.argv[1] if len(sys.argv) > 1 else "own_space_out")
