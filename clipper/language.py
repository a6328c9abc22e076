"""Language identification with py3langid (bundled model, no network).

py3langid ships its model LZMA-compressed; decompressing it costs about half
a second, more than everything else a single ``clipper add`` does. The
decompressed arrays are therefore kept in the user cache directory, one
``.npy`` file each (written into a fresh folder renamed into place, keyed by
the py3langid version), and memory-mapped from there: a text touches a few
rows of the 68 MB model, so an ``add`` reads only those instead of all of it.
Any problem with the cache falls back to py3langid's own loader.
"""

from __future__ import annotations

import os
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

# Enough text to decide; identification cost grows with length.
_SAMPLE_CHARS = 2000
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
_TYPECODES: dict[int, Literal["H", "I", "Q"]] = {2: "H", 4: "I", 8: "Q"}  # item size -> format


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
    import platformdirs
    import py3langid  # its __version__: importlib.metadata costs an add about 10 ms

    directory = os.environ.get("CLIPPER_CACHE_DIR") or platformdirs.user_cache_dir("clipper")
    return Path(directory) / f"py3langid-{py3langid.__version__}-model"


def _cached_model(source: Path) -> tuple[Any, ...] | None:
    import numpy as np

    path = _cache_path()
    if not path.is_dir():
        _write_cache(source, path)
    arrays = {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
    nextmove = arrays["nextmove"]
    # py3langid walks its state table item by item: a typed view of the mapped
    # file serves that without copying it (its own loader builds an array).
    states = memoryview(nextmove).cast("B").cast(_TYPECODES[nextmove.dtype.itemsize])
    return (
        arrays["ptc"],
        np.asarray(arrays["pc"]),
        arrays["classes"].tolist(),
        states,
        arrays["nextmove_row"].tolist(),
        arrays["out_feat"].tolist(),
    )


def _write_cache(source: Path, path: Path) -> None:
    """Decompress py3langid's model into one ``.npy`` file per array, atomically."""
    import io
    import lzma

    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        # Once per py3langid version: the model fits in memory (68 MB).
        model = io.BytesIO(lzma.decompress(source.read_bytes()))
        with np.load(model, allow_pickle=False) as data:
            if set(_ARRAYS) - set(data.files):
                raise ValueError(f"{source}: not the model layout this version reads")
            for name in _ARRAYS:
                np.save(tmp / f"{name}.npy", data[name], allow_pickle=False)
        try:
            os.replace(tmp, path)
        except OSError:
            if not path.is_dir():  # another process may have put its copy in place first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or ``None`` when too short to tell."""
    sample = text[:_SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < 20:
        return None
    lang, probability = _identifier().classify(sample)
    return str(lang) if probability >= 0.5 else None
