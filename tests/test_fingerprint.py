"""MinHash fingerprints: blocked computation, bounded input, similarity."""

from __future__ import annotations

import random

import numpy as np

from clipper import fingerprint
from clipper.fingerprint import FINGERPRINT_CHARS, NUM_PERM, shingles, signature, similarity

WORDS = "grève port navire récolte élection musée inflation tramway banque pluie".split()


def _text(words: int, seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) + str(rng.randrange(500)) for _ in range(words))


def _signature_in_one_block(text: str) -> np.ndarray:
    hashes = shingles(text)
    a, b = fingerprint._permutations()
    with np.errstate(over="ignore"):
        permuted = ((np.outer(hashes, a) + b) % fingerprint._MERSENNE) & fingerprint._MAX_HASH
    return permuted.min(axis=0)


def test_blocked_signature_equals_the_whole_matrix_minimum():
    text = _text(3 * fingerprint._BLOCK + 17, seed=1)  # several blocks and a remainder
    assert len(shingles(text)) > 3 * fingerprint._BLOCK
    assert np.array_equal(signature(text), _signature_in_one_block(text))


def test_only_the_beginning_of_a_very_long_text_is_fingerprinted():
    beginning = _text(FINGERPRINT_CHARS // 4, seed=2)[:FINGERPRINT_CHARS]
    long_text = beginning + " " + _text(50_000, seed=3)
    assert np.array_equal(signature(long_text), signature(beginning))


def test_similarity_of_a_text_and_its_edited_copy():
    text = _text(400, seed=4)
    edited = text.replace(text.split()[200], "autre", 1)
    assert similarity(signature(text), signature(text)) == 1.0
    assert 0.8 <= similarity(signature(text), signature(edited)) < 1.0
    assert similarity(signature(text), signature(_text(400, seed=5))) < 0.2
    assert signature(text).shape == (NUM_PERM,)
