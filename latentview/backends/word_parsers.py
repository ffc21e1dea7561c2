"""Bounded parsers for word2vec binary and text / GloVe / fastText files (no gensim, no pickle).

Written for files from the wild: a line longer than MAX_LINE, a binary word longer than MAX_WORD or a
zero-filled body stops the read with a sentence instead of eating memory or hours; the row width must
match the header (or the first row); rows holding NaN or infinity are skipped and counted; duplicate
words keep their first vector; the cancel flag is checked every few thousand words.
"""

from __future__ import annotations

import numpy as np

from latentview.backends import words as wv

_CHECK_EVERY = 4096  # words between cancel checks / progress updates


def _malformed(name: str, message: str) -> wv.WordVectorsError:
    return wv.WordVectorsError(f"“{name}” is malformed: {message}.")


class _Collector:
    """Words and float32 rows in blocks; skips non-finite rows and duplicate words (counted)."""

    def __init__(self, tracker: wv.LoadTracker):
        self.tracker = tracker
        self.words: list[str] = []
        self.blocks: list[np.ndarray] = []
        self._seen: set[str] = set()

    def add(self, raw_words: list[bytes], rows: np.ndarray) -> None:
        finite = np.isfinite(rows).all(axis=1)
        keep = []
        for i, raw in enumerate(raw_words):
            word = raw.decode("utf-8", "replace")
            if not finite[i]:
                self.tracker.skipped += 1
            elif word in self._seen:
                self.tracker.duplicates += 1
            else:
                self._seen.add(word)
                self.words.append(word)
                keep.append(i)
        self.blocks.append(rows[keep] if len(keep) < len(rows) else rows)

    def result(self, dim: int) -> tuple[list[str], np.ndarray]:
        vectors = np.concatenate(self.blocks) if self.blocks else np.zeros((0, dim), np.float32)
        return self.words, np.ascontiguousarray(vectors, dtype=np.float32)


def _check_cancel(tracker: wv.LoadTracker) -> None:
    if tracker.cancelled:
        raise wv.LoadCancelled()


# --- text: word2vec text, fastText .vec, GloVe -------------------------------------------------------
def _lines(fh, name: str, tracker: wv.LoadTracker, by_bytes: bool):
    """Complete lines in batches, never holding more than CHUNK + MAX_LINE bytes of one line."""
    tail = b""
    read = 0
    while True:
        _check_cancel(tracker)
        data = fh.read(wv.CHUNK)
        read += len(data)
        if by_bytes:
            tracker.done = read
        if not data:
            if tail.strip():
                yield [tail]
            return
        lines = (tail + data).split(b"\n")
        tail = lines.pop()
        if len(tail) > wv.MAX_LINE:
            raise _malformed(
                name, f"a line is longer than {wv.MAX_LINE // 1024:,} KB, so it holds no word vector"
            )
        yield lines


def parse_text(fh, header: tuple[int, int] | None, tracker: wv.LoadTracker, name: str,
               total_bytes: int = 0) -> tuple[list[str], np.ndarray]:  # fmt: skip
    """word2vec text (with `header` = (count, dim), its first line skipped) or GloVe (no header)."""
    dim = header[1] if header else None
    by_bytes = header is None
    tracker.total = header[0] if header else total_bytes
    out = _Collector(tracker)
    line_no = 0
    first = header is not None
    for batch in _lines(fh, name, tracker, by_bytes):
        raw_words, tokens = [], []
        for line in batch:
            line_no += 1
            if first:  # the header line
                first = False
                continue
            parts = line.split()
            if not parts:
                continue
            if dim is None:
                dim = len(parts) - 1
                if dim < 1:
                    raise _malformed(name, f"line {line_no} holds a word without numbers")
            if len(parts) != dim + 1:
                said = "the header says" if header else "the first line has"
                raise _malformed(name, f"line {line_no} has {len(parts) - 1} numbers but {said} {dim}")
            raw_words.append(parts[0])
            tokens.extend(parts[1:])
        if not raw_words:
            continue
        try:
            rows = np.array(tokens, dtype=np.float32).reshape(len(raw_words), dim)
        except ValueError:
            bad = next(t for t in tokens if not _is_float(t))
            raise _malformed(name, f"‘{bad[:20].decode('utf-8', 'replace')}’ is not a number") from None
        out.add(raw_words, rows)
        if not by_bytes:
            tracker.done = len(out.words) + tracker.skipped + tracker.duplicates
    if header and len(out.words) + tracker.skipped + tracker.duplicates < header[0]:
        raise wv.WordVectorsError(
            f"“{name}” looks truncated: its header promises {header[0]:,} words but it holds "
            f"{len(out.words) + tracker.skipped + tracker.duplicates:,}."
        )
    return out.result(dim or 1)


def _is_float(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


# --- word2vec binary ---------------------------------------------------------------------------------
def parse_binary(
    fh, header: tuple[int, int], tracker: wv.LoadTracker, name: str
) -> tuple[list[str], np.ndarray]:
    """word2vec C format: 'count dim\\n', then per word: the word, a space, dim float32, optional '\\n'."""
    count, dim = header
    fh.readline(256)
    tracker.total = count
    row = 4 * dim
    buf = fh.read(wv.CHUNK + wv.MAX_WORD + row)
    if buf[: 1 << 16].count(0) == min(len(buf), 1 << 16):
        raise wv.WordVectorsError(
            f"“{name}” holds only zero bytes after its header: an unfinished or preallocated download."
        )
    pos = 0
    out = _Collector(tracker)
    raw_words: list[bytes] = []
    rows = np.empty((min(count, _CHECK_EVERY), dim), np.float32)
    for i in range(count):
        if len(buf) - pos < wv.MAX_WORD + row + 1:
            buf = buf[pos:] + fh.read(wv.CHUNK)
            pos = 0
        space = buf.find(b" ", pos, pos + wv.MAX_WORD)
        if space < 0 or space + 1 + row > len(buf):
            if len(buf) - pos < row:
                raise wv.WordVectorsError(
                    f"“{name}” looks truncated: its header promises {count:,} words but it ends after {i:,}."
                )
            zeros = buf[pos : pos + wv.MAX_WORD].count(0) == min(wv.MAX_WORD, len(buf) - pos)
            why = (
                "zero-filled data (an unfinished download?)"
                if zeros
                else f"no word within {wv.MAX_WORD} bytes"
            )
            raise _malformed(name, f"word {i + 1:,} is followed by {why}")
        raw_words.append(buf[pos:space].lstrip(b"\n"))
        rows[len(raw_words) - 1] = np.frombuffer(buf, np.float32, dim, space + 1)
        pos = space + 1 + row
        if len(raw_words) == len(rows):
            out.add(raw_words, rows.copy())
            raw_words = []
            tracker.done = i + 1
            _check_cancel(tracker)
    if raw_words:
        out.add(raw_words, rows[: len(raw_words)].copy())
    tracker.done = count
    return out.result(dim)
