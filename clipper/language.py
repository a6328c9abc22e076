"""Language identification with py3langid (bundled model, no network)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

# Enough text to decide; identification cost grows with length.
_SAMPLE_CHARS = 2000


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or ``None`` when too short to tell."""
    sample = text[:_SAMPLE_CHARS]
    if sum(c.isalpha() for c in sample) < 20:
        return None
    lang, probability = _identifier().classify(sample)
    return str(lang) if probability >= 0.5 else None
