"""Property tests: whatever text is accepted comes back byte for byte."""

from __future__ import annotations

import codecs

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clipper.archive import Archive

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]
texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=400
)


def _encode(text: str, encoding: str, crlf: bool) -> bytes | None:
    if crlf:
        text = text.replace("\n", "\r\n")
    try:
        data = text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeEncodeError:
        return None
    return codecs.BOM_UTF8 + data if encoding == "utf-8-sig" else data


def _fresh_archive(tmp_path_factory) -> Archive:
    return Archive.open_or_create(tmp_path_factory.mktemp("corpus"))


@settings(max_examples=50, deadline=None)
@given(
    text=texts.filter(lambda t: sum(c.isalpha() for c in t) >= 3),
    encoding=st.sampled_from(ENCODINGS),
    crlf=st.booleans(),
)
def test_text_in_any_encoding_comes_back_identical(tmp_path_factory, text, encoding, crlf):
    data = _encode(text, encoding, crlf)
    assume(data is not None)
    archive = _fresh_archive(tmp_path_factory)
    try:
        outcome = archive.add_bytes(data, "clip.txt")
        if outcome.status == "failed":
            # Only texts that are blank or control characters once decoded may be refused.
            assert (
                "empty" in outcome.error
                or "binary" in outcome.error
                or "no article" in (outcome.error)
            ), outcome.error
            return
        assert outcome.status == "added"
        assert archive.raw(outcome.clipping.id) == data
    finally:
        archive.close()


@settings(max_examples=50, deadline=None)
@given(st.binary(min_size=1, max_size=300))
def test_arbitrary_bytes_are_stored_exactly_or_refused_cleanly(tmp_path_factory, data):
    archive = _fresh_archive(tmp_path_factory)
    try:
        outcome = archive.add_bytes(data, "blob.txt")
        if outcome.status == "added":
            assert archive.raw(outcome.clipping.id) == data
        else:
            assert outcome.status == "failed"
            assert outcome.error.startswith("blob.txt: ")
            assert archive.corpus.count() == 0
            assert not any(archive.corpus.clippings_dir.rglob("*.*"))
    finally:
        archive.close()


def test_language_model_cache_is_used_and_survives_damage(tmp_path, monkeypatch):
    from clipper import language

    monkeypatch.setenv("CLIPPER_CACHE_DIR", str(tmp_path))
    language._identifier.cache_clear()
    try:
        assert language.detect_language("Les départs sont annulés ce matin à Lyon") == "fr"
        cached = list(tmp_path.glob("py3langid-*-model"))
        assert len(cached) == 1
        assert sorted(p.name for p in cached[0].iterdir()) == sorted(
            f"{name}.npy" for name in language._ARRAYS
        )
        # A broken cache falls back to the bundled model.
        (cached[0] / "nextmove.npy").write_bytes(b"damaged")
        language._identifier.cache_clear()
        assert language.detect_language("The central bank held rates steady today") == "en"
    finally:
        language._identifier.cache_clear()
