"""Approximate cosine k-NN for millions of rows: an inverted-file (IVF) index over the float16 store.

Rows are grouped by their nearest of `nlist` k-means centroids; a click scans only the rows of the
`nprobe` lists nearest to the query, exactly. How many lists is measured, not guessed: at build time
held-out rows get their exact neighbours, and nprobe is raised until they would be found (target
recall@10 0.95); the index reports what it reaches (`recall_estimate`, shown in the Inspector), and
where no nprobe pays (near-uniform data) it scans every row. Clicks read a list-ordered float16 copy
of the unit rows, one slice a list (as big as the store; gathering scattered rows instead cost 5–8× per
row). HNSW was measured first (usearch 2.26, 512-d): about 1,000 inserts/s on this shared
2-core machine, over half an hour for 2M rows, where IVF's assignment is one matrix product per block.
The index builds in a background thread; until it is ready, clicks get the exact search.
`benchmarks/ann_recall.py` measures recall@10 against exact search on hard sets.
"""

from __future__ import annotations

import threading

import numpy as np

from latentview.backends.knn import HalfPrecisionSearch

ANN_ABOVE = 1_000_000  # rows: below, the exact float16 scan is ~30 ms a click and stays
TARGET_RECALL = 0.95  # recall@10 a click must reach, measured on held-out rows when the index is built
EXACT_SHARE = 0.35  # when the target needs more than this share of the rows scanned, scan them all


class IVFSearch(HalfPrecisionSearch):
    """Exact search until `ready`, then IVF. `background=False` builds before returning (benchmarks).

    `nprobe` is chosen at build time, not guessed: `check` rows (clicks are rows) get their exact
    neighbours in the same pass that assigns the lists, which tells, for every nprobe, the share of
    true neighbours that a click would find. The smallest nprobe whose share reaches the target on half
    of them is kept; the other half gives `recall_estimate` (1.0 while and when the search is exact).
    Where no nprobe pays (near-uniform data: neighbours are spread over every list), `exact` is set and
    clicks scan all rows. A given `nprobe` is kept as is (its recall is still estimated).
    """

    def __init__(self, embeddings: np.ndarray, nlist: int | None = None, nprobe: int | None = None,
                 background: bool = True, seed: int = 0, target: float = TARGET_RECALL,
                 check: int = 400, packed: bool = True):  # fmt: skip
        super().__init__(embeddings)
        n = len(self._rows)
        # ~1,000 rows a list (1M rows: 1,000 lists): on 4,000 overlapping clusters, lists of ~4,000 rows
        # needed 42 % of the rows read for recall 0.95, lists of ~1,000 needed 0.5 %.
        self.nlist = nlist or int(np.clip(n // 1000, 16, 1024))
        self._fixed_nprobe = min(nprobe, self.nlist) if nprobe else None
        self.nprobe = self._fixed_nprobe or min(max(16, self.nlist // 24), self.nlist)
        self.target, self._check, self._seed = target, min(check, n), seed
        self._estimate = 1.0
        self.scanned_share = 1.0  # mean share of the rows a click reads
        self.exact = False
        self._pack = packed
        self._packed = None  # unit rows in list order: a click reads each probed list as one slice
        self._centroids = None
        self._order = self._offsets = None
        self.ready = threading.Event()
        if background:
            threading.Thread(target=self._build, name="latentview-ivf", daemon=True).start()
        else:
            self._build()

    @property
    def recall_estimate(self) -> float:
        """Share of the true 10 nearest a click finds, measured on held-out rows (1.0 while exact)."""
        return self._estimate if self.ready.is_set() and not self.exact else 1.0

    def _unit_block(self, start: int, stop: int):
        block = self._rows[start:stop].float()
        if self._inv_norm is not None:
            block *= self._inv_norm[start:stop, None]
        return block

    def _unit_rows(self, idx):
        rows = self._rows[idx].float()
        if self._inv_norm is not None:
            rows *= self._inv_norm[idx, None]
        return rows

    def _kmeans(self, gen, iters: int = 8):
        """Spherical k-means on a sample of 64 rows a list."""
        torch = self._torch
        n = len(self._rows)
        sample = self._unit_rows(torch.randperm(n, generator=gen)[: min(n, 64 * self.nlist)])
        cent = sample[torch.randperm(len(sample), generator=gen)[: self.nlist]].clone()
        for _ in range(iters):
            assign = (sample @ cent.T).argmax(1)
            sums = torch.zeros_like(cent).index_add_(0, assign, sample)
            empty = torch.bincount(assign, minlength=self.nlist) == 0
            sums[empty] = cent[empty]
            cent = torch.nn.functional.normalize(sums, dim=1)
        return cent

    def _assign(self, cent, checks, k: int, block: int = 32_768):
        """Each row's list, and the exact k nearest rows of each check row (self excluded), in one pass."""
        torch = self._torch
        n, m = len(self._rows), len(checks)
        self_col = torch.as_tensor(checks, dtype=torch.int64)
        q = self._unit_rows(self_col)
        both = torch.cat([cent, q]).T.contiguous()
        lists = torch.empty(n, dtype=torch.int32)
        best_v = torch.full((m, k), -3.0)
        best_i = torch.zeros((m, k), dtype=torch.int64)
        for s in range(0, n, block):
            sims = self._unit_block(s, s + block) @ both
            lists[s : s + len(sims)] = sims[:, : self.nlist].argmax(1).to(torch.int32)
            qs = sims[:, self.nlist :].T.contiguous()  # (m, block)
            inside = (self_col >= s) & (self_col < s + len(sims))
            qs[inside.nonzero()[:, 0], self_col[inside] - s] = -3.0
            v, i = torch.topk(qs, min(k, qs.shape[1]), dim=1)
            best_v, pick = torch.topk(torch.cat([best_v, v], 1), k, dim=1)
            best_i = torch.gather(torch.cat([best_i, i + s], 1), 1, pick)
        return lists, q, best_i

    def _build(self, k: int = 10) -> None:
        torch = self._torch
        gen = torch.Generator().manual_seed(self._seed)
        with torch.inference_mode():
            cent = self._kmeans(gen)
            checks = torch.randperm(len(self._rows), generator=gen)[: self._check].numpy()
            lists, q, truth = self._assign(cent, checks, min(k, len(self._rows) - 1))
            self._order = torch.argsort(lists, stable=True).to(torch.int64)
            counts = torch.bincount(lists.to(torch.int64), minlength=self.nlist)
            self._offsets = np.concatenate([[0], np.cumsum(counts.numpy())])
            self._calibrate(lists.numpy(), (q @ cent.T).numpy(), truth.numpy(), counts.numpy())
            if self._pack and not self.exact:
                self._packed = self._packed_rows()
        self._order_np = self._order.numpy()  # numpy fancy indexing: ~3× torch's here
        self._inv_norm_np = None if self._inv_norm is None else self._inv_norm.numpy()
        self._centroids = cent.to(torch.float16)
        self.ready.set()

    def _packed_rows(self, block: int = 65_536):
        """A float16 copy of the unit rows in list order (as big as the store): reading rows scattered
        over the store cost 5–8× a contiguous scan per row here, which ate most of what probing saves.
        None when memory is short (clicks then gather the rows from the store)."""
        torch = self._torch
        if _available_bytes() < 2 * 2 * self._rows.numel():  # Linux overcommits: check before, not after
            return None
        try:
            packed = torch.empty(self._rows.shape, dtype=torch.float16)
        except RuntimeError:
            return None
        order = self._order.numpy()
        for s in range(0, len(packed), block):
            ids = order[s : s + block]
            rows = torch.from_numpy(self._gather(ids))
            if self._inv_norm is not None:
                rows = (rows.float() * self._inv_norm[ids, None]).to(torch.float16)
            packed[s : s + len(ids)] = rows
        return packed

    def _calibrate(self, lists, q_cent, truth, counts) -> None:
        """Pick nprobe from the check rows: a true neighbour is found when its list ranks < nprobe among the
        query's lists. Chosen on one half, `recall_estimate` measured on the other."""
        m = len(truth)
        if m == 0:
            return
        order = np.argsort(-q_cent, axis=1, kind="stable")
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(self.nlist)[None, :], axis=1)
        found_at = np.take_along_axis(rank, lists[truth], axis=1)  # (m, k): probes needed for each neighbour
        half = max(1, m // 2)
        choose, judge = found_at[:half].ravel(), found_at[half:].ravel() if m > 1 else found_at.ravel()
        nprobe = self._fixed_nprobe
        if nprobe is None:
            aim = min(1.0, self.target + 0.03)  # a margin: on 1M overlapping rows, +0.02 gave 0.944
            need = np.sort(choose)[min(len(choose) - 1, int(np.ceil(aim * len(choose))) - 1)] + 1
            nprobe = int(np.clip(need, 1, self.nlist))
        share = float(np.mean(np.cumsum(counts[order], axis=1)[:, nprobe - 1])) / max(1, len(lists))
        self.nprobe = nprobe
        if self._fixed_nprobe is None and share > EXACT_SHARE:
            self.exact, self.scanned_share = True, 1.0
            return
        self._estimate = float(np.mean(judge < nprobe))
        self.scanned_share = share

    def _gather(self, idx: np.ndarray) -> np.ndarray:
        """The rows at `idx` (ascending within each list), copied as 8-byte words: ~3× torch's float16 index_select here."""
        rows = self._rows.numpy()
        if rows.shape[1] % 4 == 0:
            return rows.view(np.int64)[idx].view(np.float16)
        return rows[idx]

    def query_vector(self, vector: np.ndarray, k: int, exclude: int | None = None):
        if not self.ready.is_set() or self.exact:
            return super().query_vector(vector, k, exclude)
        torch = self._torch
        q = torch.as_tensor(np.asarray(vector, np.float32))
        q = (q / q.norm().clamp_min(1e-12)).to(torch.float16)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # this thread only (OpenMP): see `_probe`
        try:
            return self._probe(q, k, exclude)
        finally:
            torch.set_num_threads(threads)

    def _probe(self, q, k: int, exclude: int | None):
        """Scan the probed lists on one thread: they are small reads, and handing half of each to a second
        thread cost more than it saved (a click 3–6× slower on this busy 2-core machine)."""
        torch = self._torch
        with torch.inference_mode():
            probe = torch.topk((self._centroids @ q).float(), self.nprobe).indices.numpy()
            spans = [(self._offsets[c], self._offsets[c + 1]) for c in np.sort(probe)]
            idx = np.concatenate([self._order_np[a:b] for a, b in spans])
            if self._packed is not None:
                sims = torch.cat([self._packed[a:b] @ q for a, b in spans]).float().numpy()
            else:
                sims = (torch.from_numpy(self._gather(idx)) @ q).float().numpy()
                if self._inv_norm is not None:
                    sims *= self._inv_norm_np[idx]
        if exclude is not None:
            sims[idx == exclude] = -2.0
        kk = min(k, len(sims))
        top = np.argpartition(-sims, kk - 1)[:kk]
        top = top[np.argsort(-sims[top], kind="stable")]
        return idx[top].astype(np.int64), np.clip(1.0 - sims[top], 0.0, 2.0)


def _available_bytes() -> float:
    try:
        with open("/proc/meminfo") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("MemAvailable"))
    except (OSError, StopIteration, ValueError):
        return float("inf")  # not Linux: trust the allocator


def recall_at_k(approx, exact, queries: np.ndarray, k: int = 10) -> float:
    """Mean share of the exact top-k (self excluded) that the approximate search also returns."""
    hits = 0
    for i in queries:
        want = set(exact.query(int(i), k)[0].tolist())
        hits += len(want & set(approx.query(int(i), k)[0].tolist()))
    return hits / (k * len(queries))
