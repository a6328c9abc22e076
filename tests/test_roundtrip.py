"""Export then import: every clipping comes back as it was stored, original bytes included."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, fields, replace
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import given, settings
from hypothesis import strategies as st

from clipper.archive import Archive
from clipper.cli import cli
from clipper.export import jsonl_lines
from clipper.ingest import Metadata
from clipper.model import Clipping

NAMES = [f.name for f in fields(Clipping)]
# With the original bytes, every field; without, the original is the JSON line itself.
WITHOUT_ORIGINAL = [name for name in NAMES if name != "original"]

_hex_id = st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)
_optional_text = st.none() | st.text()
_text_list = st.lists(st.text(), max_size=3)
_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_moment = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.none() | st.timezones(),
)
# The forms a stored date takes: a year, a month, a day or a moment.
_date = (
    st.none()
    | st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)).flatmap(
        lambda d: st.sampled_from([d.isoformat()[:4], d.isoformat()[:7], d.isoformat()])
    )
    | _moment.map(datetime.isoformat)
)


@st.composite
def clippings(draw: st.DrawFn) -> list[tuple[Clipping, bytes]]:
    ids = draw(st.lists(_hex_id, min_size=1, max_size=4, unique=True))
    made = []
    for clipping_id in ids:
        head = draw(st.none() | st.sampled_from(ids) | _hex_id)  # a missing head too
        extension = draw(st.sampled_from([".txt", ".html", ".pdf", ".eml", ".md", ".jsonl"]))
        clipping = Clipping(
            id=clipping_id,
            title=draw(st.text()),
            text=draw(st.text()),  # empty included: restored, never extracted again
            added=draw(_moment).isoformat(),
            original=f"{clipping_id}.orig{extension}",
            content_type=draw(st.sampled_from(["text/plain", "text/html", "application/pdf"])),
            encoding=draw(st.sampled_from(["utf-8", "cp1252", "binary"])),
            source=draw(_optional_text),
            agency=draw(_optional_text),
            author=draw(_optional_text),
            date=draw(_date),
            lang=draw(st.none() | st.sampled_from(["fr", "en", "de"])),
            url=draw(_optional_text),
            note=draw(_optional_text),
            tags=draw(_text_list),
            captions=draw(_text_list),
            credits=draw(_text_list),
            subheadings=draw(_text_list),
            sidebar=draw(_text_list),
            origin=draw(_optional_text),
            duplicate_of=None if head == clipping_id else head,
            similarity=draw(st.none() | st.floats(0, 1)),
            extra=draw(st.dictionaries(st.text(), _json, max_size=3)),
        )
        made.append((clipping, draw(st.binary())))
    return made


def _store(root: Path, made: list[tuple[Clipping, bytes]]) -> Archive:
    """A corpus holding exactly these clippings, written as the corpus stores them."""
    archive = Archive.open_or_create(root)
    for clipping, original in made:
        archive.corpus.write(clipping, original)
    archive.reindex()
    return archive


def _export(archive: Archive, path: Path, *, originals: bool) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(jsonl_lines(archive.matching(), archive.original if originals else None))
    return path


@settings(max_examples=40, deadline=None)
@given(made=clippings(), originals=st.booleans())
def test_export_then_import_gives_back_every_field(tmp_path_factory, made, originals):
    base = tmp_path_factory.mktemp("roundtrip")
    with _store(base / "first", made) as first:
        exported = _export(first, base / "out.jsonl", originals=originals)
        problems = [(p.kind, p.target, p.detail) for p in first.check().problems]
    with Archive.open_or_create(base / "second") as second:
        report = second.import_jsonl(exported)
        assert report.counts["added"] == len(made), [o.error for o in report.failed]
        lines = exported.read_bytes().splitlines(keepends=True)
        for clipping, original in made:
            restored = second.get(clipping.id)
            compared = NAMES if originals else WITHOUT_ORIGINAL
            assert {k: asdict(restored)[k] for k in compared} == {
                k: asdict(clipping)[k] for k in compared
            }
            if originals:
                assert second.raw(clipping.id) == original
            else:  # the record's own line, as any imported JSON line
                assert second.raw(clipping.id) in lines
        # Generated originals need not give their clipping's id: `check` says the same
        # of both copies; a JSON line restored as original gives its own id.
        after = [(p.kind, p.target, p.detail) for p in second.check().problems]
        assert after == (problems if originals else [])
        # importing it again stores nothing twice
        assert second.import_jsonl(exported).counts["duplicate"] == len(made)


# -- on the command line --------------------------------------------------------


STORY = "Les rédactions et les modèles de langage\n\n" + " ".join(
    f"Le paragraphe {n} raconte comment la rédaction numéro {n} utilise des modèles "
    f"de langage pour résumer ses dépêches et traduire ses articles."
    for n in range(8)
)


def invoke(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _show(runner, corpus: Path, clipping_id: str) -> dict:
    return json.loads(invoke(runner, "--corpus", str(corpus), "show", clipping_id, "--json").stdout)


@pytest.fixture
def pair(archive: Archive) -> tuple[Clipping, Clipping]:
    """A story and its near-duplicate copy; the copy is the newer, so exported first."""
    head = archive.add_bytes(STORY.encode(), "o.txt", Metadata(date="2024-01-01"))
    copy = archive.add_bytes(
        (STORY + " Une phrase du site.").encode(), "c.txt", Metadata(date="2024-02-01")
    )
    assert copy.near is not None and copy.near.id == head.clipping.id
    assert head.clipping is not None and copy.clipping is not None
    return head.clipping, copy.clipping


def test_round_trip_keeps_which_copy_heads_a_group(runner, pair, tmp_path):
    head, copy = pair
    exported = tmp_path / "out.jsonl"
    assert invoke(runner, "export", "--output", str(exported)).exit_code == 0
    assert [json.loads(line)["id"] for line in exported.read_text().splitlines()] == [
        copy.id,
        head.id,
    ]
    other = tmp_path / "other"
    result = invoke(runner, "--corpus", str(other), "import", str(exported), "-v")
    assert result.exit_code == 0
    # the copy comes first, yet stays the copy
    assert result.stdout == (
        f"added {copy.short_id}  {copy.title}\nadded {head.short_id}  {head.title}\n"
    )
    assert result.stderr == "2 added\n"
    assert _show(runner, other, copy.id)["duplicate_of"] == head.id
    assert _show(runner, other, head.id)["duplicate_of"] is None
    assert _show(runner, other, copy.id)["similarity"] == copy.similarity


def test_a_copy_imported_without_its_head_stays_in_its_group(runner, pair, tmp_path):
    head, copy = pair
    exported = tmp_path / "copy.jsonl"
    invoke(runner, "export", "site", "--output", str(exported))
    assert [json.loads(line)["id"] for line in exported.read_text().splitlines()] == [copy.id]
    other = tmp_path / "other"
    assert invoke(runner, "--corpus", str(other), "import", str(exported)).exit_code == 0
    assert _show(runner, other, copy.id)["duplicate_of"] == head.id
    # once the head comes, the group is whole again
    full = tmp_path / "full.jsonl"
    invoke(runner, "export", "--output", str(full))
    result = invoke(runner, "--corpus", str(other), "import", str(full))
    assert result.stderr == "1 added, 1 already stored\n"
    assert _show(runner, other, copy.id)["duplicate_of"] == head.id


def test_an_empty_text_is_restored_not_refused(runner, corpus_dir, tmp_path):
    # Only a stored clipping can have an empty text (extraction refuses one).
    empty = Clipping(
        id="0123456789abcdef",
        title="Photo : la Bugatti Chiron",
        text="",
        added="2024-05-01T10:00:00+00:00",
        original="0123456789abcdef.orig.txt",
        captions=["Photo : la Bugatti Chiron Pur Sport à Francfort"],
        lang=None,
    )
    _store(corpus_dir, [(empty, b"Photo : la Bugatti Chiron Pur Sport \xe0 Francfort")]).close()
    exported = tmp_path / "out.jsonl"
    assert invoke(runner, "export", "--output", str(exported)).stderr == (
        f"exported 1 clipping to {exported}\n"
    )
    other = tmp_path / "other"
    result = invoke(runner, "--corpus", str(other), "import", str(exported))
    assert (result.exit_code, result.stderr) == (0, "1 added\n")
    with Archive.open(other) as archive:
        assert asdict(archive.get(empty.id)) == asdict(
            replace(empty, original="0123456789abcdef.orig.jsonl")
        )


def test_with_originals_restores_a_saved_page_byte_for_byte(runner, corpus_dir, tmp_path):
    page = FIXTURES / "html" / "article_fr.html"
    result = invoke(runner, "add", str(page), "--json")
    clipping_id = json.loads(result.stdout)["added"][0]["id"]
    exported = tmp_path / "out.jsonl"
    invoke(runner, "export", "--with-originals", "--output", str(exported))
    record = json.loads(exported.read_text())
    assert base64.b64decode(record["original_base64"]) == page.read_bytes()
    other = tmp_path / "other"
    assert invoke(runner, "--corpus", str(other), "import", str(exported)).exit_code == 0
    raw = invoke(runner, "--corpus", str(other), "show", clipping_id, "--raw")
    assert raw.stdout_bytes == page.read_bytes()
    assert _show(runner, other, clipping_id) == _show(runner, corpus_dir, clipping_id)
    check = invoke(runner, "--corpus", str(other), "check")
    assert (check.exit_code, check.stdout) == (0, "checked 1 clipping: everything is in order\n")


def test_with_originals_is_for_jsonl_only(runner, pair):
    result = runner.invoke(cli, ["export", "--format", "csv", "--with-originals"])
    assert result.exit_code == 2
    assert "Error: --with-originals goes with --format jsonl" in result.stderr


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"tags": "ia"}, "'tags' must be a list of strings, not a string"),
        ({"text": ["a", "b"]}, "'text' must be a string, not a list"),
        ({"similarity": "0.9"}, "'similarity' must be a number or null, not a string"),
        ({"duplicate_of": "../../x"}, "'duplicate_of' must be a clipping id (16 hex digits)"),
        ({"date": "2024-13"}, "'date' '2024-13' is not a date"),
        (
            {"original": "../../../etc/passwd", "original_base64": "aGk="},
            "'original' must be a stored file name such as ID.orig.html",
        ),
        ({"original_base64": "not base64!"}, "'original_base64' is not valid base64"),
    ],
)
def test_a_damaged_clipper_record_is_refused_and_the_rest_goes_in(
    runner, pair, tmp_path, change, error
):
    exported = tmp_path / "out.jsonl"
    invoke(runner, "export", "--output", str(exported))
    first, second = exported.read_text().splitlines()
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text(json.dumps({**json.loads(first), **change}) + "\n" + second + "\n")
    other = tmp_path / "other"
    result = invoke(runner, "--corpus", str(other), "import", str(damaged))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {damaged}:1: {error}")
    assert result.stderr.endswith("\n1 added, 1 failed\n")
    assert not list((other / "clippings").glob("*/.tmp-*"))


def test_an_old_export_without_the_format_marker_is_extracted_as_before(
    runner, corpus_dir, tmp_path
):
    record = {
        "id": "0123456789abcdef",
        "added": "2024-05-01T10:00:00+00:00",
        "title": "Un titre",
        "text": STORY,
        "lang": None,
    }
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert invoke(runner, "import", str(path)).exit_code == 0
    shown = _show(runner, corpus_dir, record["id"])
    assert (shown["added"], shown["content_type"]) == (record["added"], "application/json")
    assert shown["lang"] == "fr"  # detected: only clipper's own records keep a null
