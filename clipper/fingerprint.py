"""Near-duplicate fingerprints: MinHash over word shingles, banded for LSH.

A wire story republished by ten outlets with small edits shares most of its
word 4-grams. MinHash estimates the Jaccard similarity of two clippings'
shingle sets from 128 numbers each; locality-sensitive hashing splits those
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
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from clipper.textutil import fold

NUM_PERM = 120
BANDS = 20
# 6 rows a band: a pair at similarity 0.8 shares a band with probability 0.998,
# one at 0.5 with 0.27.
ROWS = NUM_PERM // BANDS
SHINGLE_WORDS = 4
BAND_BYTES = BANDS * 4
# Estimated Jaccard similarity from which two clippings are near-duplicates.
# Chosen from the OrangeSum duplicate groups (docs/quality.md).
NEAR_DUPLICATE_THRESHOLD = 0.8

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_WORD = re.compile(r"\w+")

Signature = npt.NDArray[np.uint64]


@lru_cache(maxsize=1)
def _permutations() -> tuple[Signature, Signature]:
    # Fixed seed: signatures must be comparable across processes and versions.
    rng = np.random.RandomState(20241017 + NUM_PERM)
    a = rng.randint(1, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
    b = rng.randint(0, (1 << 61) - 1, size=NUM_PERM, dtype=np.uint64)
    return a, b


def shingles(text: str) -> npt.NDArray[np.uint64]:
    """32-bit hashes of the text's word 4-grams (folded, lower case)."""
    words = _WORD.findall(fold(text.lower()))
    if len(words) < SHINGLE_WORDS:
        grams = {" ".join(words)} if words else set()
    else:
        grams = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - 3)}
    return np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))


def signature(text: str) -> Signature:
    """The MinHash signature of ``text``: ``NUM_PERM`` 32-bit minima."""
    hashes = shingles(text)
    if hashes.size == 0:
        return np.full(NUM_PERM, _MAX_HASH, dtype=np.uint64)
    a, b = _permutations()
    with np.errstate(over="ignore"):  # wrap-around is part of the hash family
        permuted = ((np.outer(hashes, a) + b) % _MERSENNE) & _MAX_HASH
    return np.asarray(permuted.min(axis=0), dtype=np.uint64)


def similarity(first: Signature, second: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.count_nonzero(first == second)) / NUM_PERM


def band_values(sig: Signature) -> npt.NDArray[np.uint32]:
    """One 32-bit hash per band (never 0, which marks "no value"): equal values make candidates."""
    rows = sig.astype(np.uint32).reshape(BANDS, ROWS)
    return np.array([zlib.crc32(row.tobytes()) or 1 for row in rows], dtype=np.uint32)


def band_bytes(sig: Signature) -> bytes:
    """The band values as ``BAND_BYTES`` little-endian bytes, for the index column."""
    return band_values(sig).astype("<u4").tobytes()


def bands_from_bytes(data: bytes) -> npt.NDArray[np.uint32]:
    """Band values of many clippings, one row each, from concatenated ``band_bytes``."""
    return np.frombuffer(data, dtype="<u4").reshape(-1, BANDS)


def best_candidates(
    table: npt.NDArray[np.uint32], sig: Signature, limit: int
) -> list[tuple[int, int]]:
    """``(shared bands, row)`` of the rows of ``table`` sharing the most bands with ``sig``.

    Rows sharing none are left out; the lower row comes first among equals.
    """
    if table.size == 0:
        return []
    shared = np.count_nonzero(table == band_values(sig), axis=1)
    rows = np.flatnonzero(shared)
    best = rows[np.lexsort((rows, -shared[rows]))[:limit]]
    return [(int(shared[row]), int(row)) for row in best]


def _band_keys(sig: Signature) -> list[int]:
    """The bands as integers (band number in the high bits), for in-memory lookups."""
    return [(i << 32) | int(value) for i, value in enumerate(band_values(sig))]


class NearDuplicateFinder:
    """Candidates by band, confirmed by estimated similarity.

    Holds the signatures of one batch (those already committed to the index
    are passed to :meth:`best_match`). Kept compact, since a batch can be a
    whole corpus: signatures as 480 bytes, bands as integers, and a band
    shared by a single clipping maps to its id rather than to a list.
    """

    def __init__(self, threshold: float = NEAR_DUPLICATE_THRESHOLD) -> None:
        self.threshold = threshold
        self._by_band: dict[int, str | list[str]] = {}
        self._signatures: dict[str, bytes] = {}

    def remember(self, clipping_id: str, sig: Signature) -> None:
        self._signatures[clipping_id] = sig.astype(np.uint32).tobytes()
        for key in _band_keys(sig):
            known = self._by_band.get(key)
            if known is None:
                self._by_band[key] = clipping_id
            elif isinstance(known, str):
                self._by_band[key] = [known, clipping_id]
            else:
                known.append(clipping_id)

    def best_match(
        self, sig: Signature, indexed: Sequence[tuple[str, Signature]] = ()
    ) -> tuple[str, float] | None:
        """The most similar known clipping at or above the threshold, if any."""
        candidates: dict[str, Signature] = dict(indexed)
        for key in _band_keys(sig):
            known = self._by_band.get(key, ())
            for clipping_id in [known] if isinstance(known, str) else known:
                stored = np.frombuffer(self._signatures[clipping_id], dtype=np.uint32)
                candidates[clipping_id] = stored.astype(np.uint64)
        best: tuple[str, float] | None = None
        for clipping_id, other in candidates.items():
            score = similarity(sig, other)
            if score >= self.threshold and (best is None or score > best[1]):
                best = (clipping_id, score)
        return best
