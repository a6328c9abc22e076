"""Near-duplicate fingerprints: MinHash over word shingles, banded for LSH.

A wire story republished by ten outlets with small edits shares most of its
word 4-grams. MinHash estimates the Jaccard similarity of two clippings'
shingle sets from 120 numbers each; locality-sensitive hashing splits those
numbers into bands so that candidates are found by exact band matches (kept in
a fixed-width index column, 80 bytes a clipping) instead of comparing every
pair.

Written with numpy rather than datasketch: importing datasketch pulls in
scipy (about 0.5 s at the start of every ``clipper add``), and the algorithm
is a dozen lines.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from clipper.textutil import fold

if TYPE_CHECKING:
    from clipper.model import Clipping

NUM_PERM = 120
BANDS = 20
# 6 rows a band: a pair at similarity 0.8 shares a band with probability 0.998,
# one at 0.5 with 0.27.
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 4
# Estimated Jaccard similarity from which two clippings are near-duplicates.
# Chosen from the OrangeSum duplicate groups (docs/quality.md).
NEAR_DUPLICATE_THRESHOLD = 0.8
# How many band-sharing documents (those sharing the most bands first) to confirm
# by signature per new clipping: each costs a metadata read and a MinHash.
NEAR_CANDIDATES = 5

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_WORD = re.compile(r"\w+")
FINGERPRINT_CHARS = 200_000
_BLOCK = 4096  # shingles hashed at a time: 4 MB a temporary

Signature = npt.NDArray[np.uint64]


@lru_cache(maxsize=1)
def _permutations() -> tuple[Signature, Signature]:
    # Fixed seed: signatures must be comparable across processes and versions.
    rng = np.random.RandomState(20241017 + NUM_PERM)
    a = rng.randint(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
    b = rng.randint(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
    return a, b


def shingles(text: str) -> npt.NDArray[np.uint64]:
    """32-bit hashes of the word 4-grams (folded, lower case) of the text's beginning.

    A copy of an article shares its beginning; beyond ``FINGERPRINT_CHARS``
    (several times a long article) more text would only cost time and memory.
    """
    words = _WORD.findall(fold(text[:FINGERPRINT_CHARS].lower()))
    if len(words) < SHINGLE_WORDS:
        grams = {" ".join(words)} if words else set()
    else:
        grams = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - 3)}
    return np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))


def fingerprint_text(clipping: Clipping) -> str:
    """What of a clipping its fingerprint is made from."""
    return f"{clipping.title}\n{clipping.text}"


def signature(text: str) -> Signature:
    """The MinHash signature of ``text``: ``NUM_PERM`` 32-bit minima."""
    hashes = shingles(text)
    if hashes.size == 0:
        return np.full(NUM_PERM, _MAX_HASH, dtype=np.uint64)
    a, b = _permutations()
    minima = np.full(NUM_PERM, _MAX_HASH, dtype=np.uint64)
    # In blocks: the whole shingles-by-permutations matrix of a long text would
    # take 1 KB a shingle, several times over in temporaries.
    for start in range(0, hashes.size, _BLOCK):
        block = hashes[start : start + _BLOCK]
        with np.errstate(over="ignore"):  # wrap-around is part of the hash family
            permuted = ((np.outer(block, a) + b) % _MERSENNE) & _MAX_HASH
        np.minimum(minima, permuted.min(axis=0), out=minima)
    return minima


def similarity(first: Signature, second: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.count_nonzero(first == second)) / NUM_PERM


def band_values(sig: Signature) -> npt.NDArray[np.uint32]:
    """One 32-bit hash per band (never 0, which marks "no value"): equal values make candidates."""
    rows = sig.astype(np.uint32).reshape(BANDS, ROWS)
    return np.array([zlib.crc32(row.tobytes()) or 1 for row in rows], dtype=np.uint32)


def band_bytes(sig: Signature) -> bytes:
    """The band values as little-endian 32-bit integers (80 bytes), for the index column."""
    return band_values(sig).astype("<u4").tobytes()


def bands_from_bytes(data: bytes) -> npt.NDArray[np.uint32]:
    """Band values of many clippings, one row each, from concatenated ``band_bytes``."""
    return np.frombuffer(data, dtype="<u4").reshape(-1, BANDS)


def best_candidates(
    table: npt.NDArray[np.uint32], values: npt.NDArray[np.uint32], limit: int
) -> list[tuple[int, int]]:
    """``(shared bands, row)`` of the rows of ``table`` sharing the most bands with ``values``.

    ``values`` are a clipping's :func:`band_values`. Rows sharing none are left
    out; the lower row comes first among equals.
    """
    if table.size == 0:
        return []
    shared = np.count_nonzero(table == values, axis=1)
    rows = np.flatnonzero(shared)
    best = rows[np.lexsort((rows, -shared[rows]))[:limit]]
    return [(int(shared[row]), int(row)) for row in best]


def _band_keys(sig: Signature) -> npt.NDArray[np.uint64]:
    """The bands as 64-bit keys (band number in the high bits), for in-memory lookups."""
    values = band_values(sig).astype(np.uint64)
    return (np.arange(BANDS, dtype=np.uint64) << np.uint64(32)) | values


def best_match(
    sig: Signature,
    candidates: Iterable[tuple[str, Signature]],
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> tuple[str, float] | None:
    """The most similar candidate at or above ``threshold``, if any (the first among equals)."""
    best: tuple[str, float] | None = None
    for clipping_id, other in candidates:
        score = similarity(sig, other)
        if score >= threshold and (best is None or score > best[1]):
            best = (clipping_id, score)
    return best


class NearDuplicateFinder:
    """The clippings of one batch that share MinHash bands with a new one.

    A batch can be a whole corpus, so this keeps 12 bytes a band and no
    signatures: recent bands in a dict, older ones in sorted arrays searched
    by bisection. Candidates are rare; their signatures are recomputed from
    their text by the caller.
    """

    # Recent bands merged into the sorted arrays past this many (a few MB of dict).
    FREEZE_AT = 50_000

    def __init__(self) -> None:
        self._ids: list[str] = []  # row -> clipping id
        self._recent: dict[int, int | list[int]] = {}  # band key -> row(s)
        self._keys = np.empty(0, dtype=np.uint64)  # sorted band keys ...
        self._rows = np.empty(0, dtype=np.uint32)  # ... and the row of each

    def __len__(self) -> int:
        return len(self._ids)

    def remember(self, clipping_id: str, sig: Signature) -> None:
        row = len(self._ids)
        self._ids.append(clipping_id)
        for key in _band_keys(sig).tolist():
            known = self._recent.get(key)
            if known is None:
                self._recent[key] = row
            elif isinstance(known, int):
                self._recent[key] = [known, row]
            else:
                known.append(row)
        if len(self._recent) >= self.FREEZE_AT:
            self._freeze()

    def candidates(self, sig: Signature, limit: int) -> list[str]:
        """Up to ``limit`` remembered clippings sharing the most bands with ``sig``."""
        shared: Counter[int] = Counter()
        keys = _band_keys(sig)
        low = np.searchsorted(self._keys, keys, side="left")
        high = np.searchsorted(self._keys, keys, side="right")
        for key, start, stop in zip(keys.tolist(), low.tolist(), high.tolist(), strict=True):
            if start < stop:
                shared.update(self._rows[start:stop].tolist())
            known = self._recent.get(key)
            if known is not None:
                shared.update([known] if isinstance(known, int) else known)
        ranked = sorted(shared.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [self._ids[row] for row, _count in ranked]

    def _freeze(self) -> None:
        keys = np.fromiter(
            (key for key, rows in self._recent.items() for _ in _as_list(rows)), dtype=np.uint64
        )
        rows = np.fromiter(
            (row for rows in self._recent.values() for row in _as_list(rows)), dtype=np.uint32
        )
        keys = np.concatenate([self._keys, keys])
        rows = np.concatenate([self._rows, rows])
        order = np.argsort(keys, kind="stable")
        self._keys, self._rows = keys[order], rows[order]
        self._recent = {}


def _as_list(rows: int | list[int]) -> list[int]:
    return [rows] if isinstance(rows, int) else rows
