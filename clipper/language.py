"""Language identification with py3langid (bundled model, no network).

py3langid ships its model LZMA-compressed; decompressing it costs about half
a second, more than everything else a single ``clipper add`` does. The
decompressed arrays are therefore kept in the user cache directory (written
atomically, keyed by the py3langid version) and read from there afterwards;
any problem with the cache falls back to py3langid's own loader.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

# Enough text to decide; identification cost grows with length.
_SAMPLE_CHARS = 2000
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    try:
        model = _cached_model(MODEL_DIR / MODEL_FILE)
    except Exception:  # a damaged or foreign cache must never stop an add
        model = None
    if model is None:
        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ptc, pc, classes, nextmove, row, output = model
    return LanguageIdentifier(ptc, pc, classes, nextmove, output, tk_row=row, norm_probs=True)


def _cache_path() -> Path:
    from importlib.metadata import version

    import platformdirs

    directory = os.environ.get("CLIPPER_CACHE_DIR") or platformdirs.user_cache_dir("clipper")
    return Path(directory) / f"py3langid-{version('py3langid')}-model.npz"


def _cached_model(source: Path) -> tuple[Any, ...] | None:
    import lzma

    import numpy as np
    from py3langid.modelio import _to_array

    path = _cache_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}-{os.getpid()}")
        with lzma.open(source) as compressed, open(tmp, "wb") as plain:
            while chunk := compressed.read(1 << 20):
                plain.write(chunk)
        os.replace(tmp, path)
    with np.load(path, allow_pickle=False) as data:
        if set(_ARRAYS) - set(data.files):
            return None
        return (
            data["ptc"],
            data["pc"],
            data["classes"].tolist(),
            _to_array(data["nextmove"]),
            _to_array(data["nextmove_row"]),
            data["out_feat"].tolist(),
        )


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or ``None`` when too short to tell."""
    sample = text[:_SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < 20:
        return None
    lang, probability = _identifier().classify(sample)
    return str(lang) if probability >= 0.5 else None
