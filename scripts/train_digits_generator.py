"""Train latentview's own generator: a 2-D VAE on scikit-learn's 8×8 digits (ships offline), on CPU.

    .venv/bin/python scripts/train_digits_generator.py [--epochs 300] [--grid manifold.png]

Writes the decoder to latentview/assets/digits_vae.safetensors (~170 KB). Takes ~30 s on one core.
A 2-D latent makes the whole latent space one map: watch the digits sort themselves into regions.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from latentview.backends.generators import DIGITS_WEIGHTS, DigitsDecoder

NZ = 2


class Encoder(nn.Module):
    def __init__(self, hidden: int = 256):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, hidden // 2), nn.ReLU())
        self.mu = nn.Linear(hidden // 2, NZ)
        self.logvar = nn.Linear(hidden // 2, NZ)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)


def train(epochs: int, seed: int = 0, beta: float = 1.0):
    torch.manual_seed(seed)
    x = torch.from_numpy(load_digits().data.astype(np.float32) / 16.0)
    enc, dec = Encoder(), DigitsDecoder.module(NZ)
    opt = torch.optim.Adam([*enc.parameters(), *dec.parameters()], lr=2e-3)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        perm = torch.randperm(len(x))
        total = 0.0
        for start in range(0, len(x), 128):
            batch = x[perm[start : start + 128]]
            mu, logvar = enc(batch)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            recon = dec(z).reshape(len(batch), 64)
            rec = nn.functional.binary_cross_entropy(recon, batch, reduction="sum")
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            loss = (rec + beta * kl) / len(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(batch)
        if epoch % 50 == 0 or epoch == epochs - 1:
            print(f"epoch {epoch:4d}  loss {total / len(x):7.2f}  {time.perf_counter() - t0:5.1f} s")
    return dec.eval()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=1000)
    p.add_argument("-o", "--output", default=str(DIGITS_WEIGHTS))
    p.add_argument("--grid", help="also save a PNG of the decoded latent grid (-2.5…2.5)²")
    args = p.parse_args()
    torch.set_num_threads(1)
    dec = train(args.epochs)
    from safetensors.torch import save_file

    state = {k: v.detach().contiguous() for k, v in dec.state_dict().items()}
    meta = {"arch": "digits-vae", "nz": str(NZ), "data": "sklearn load_digits", "epochs": str(args.epochs)}
    save_file(state, args.output, metadata=meta)
    print(f"saved {args.output} ({Path(args.output).stat().st_size / 1024:.0f} KB)")
    if args.grid:
        from PIL import Image

        g = np.linspace(-2.5, 2.5, 15, dtype=np.float32)
        z = np.stack(np.meshgrid(g, -g), -1).reshape(-1, NZ)
        with torch.no_grad():
            imgs = dec(torch.from_numpy(z)).numpy().reshape(15, 15, 8, 8)
        grid = (imgs.transpose(0, 2, 1, 3).reshape(120, 120) * 255).astype(np.uint8)
        Image.fromarray(grid).resize((480, 480), Image.NEAREST).save(args.grid)


if __name__ == "__main__":
    main()
