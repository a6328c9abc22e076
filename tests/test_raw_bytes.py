"""Raw bytes where text is expected (e-mail headers, file names, arguments), and
stores interrupted by an unexpected error: nothing crashes, nothing is left behind."""

from __future__ import annotations

import pytest

from clipper import storage
from clipper.archive import Archive
from clipper.cli import cli
from clipper.decoding import repair_surrogates
from clipper.model import Clipping, content_id


def invoke(runner, *args):
    return runner.invoke(cli, [str(a) for a in args])


def assert_check_is_clean(runner):
    checked = invoke(runner, "check")
    assert checked.exit_code == 0, checked.output
    assert "problem" not in checked.output


ARTICLES = [
    ("un.txt", "Le conseil municipal a voté le budget de la piscine jeudi soir.\n"),
    ("deux.txt", "La préfecture annonce des restrictions d’eau dans trois communes.\n"),
    ("trois.txt", "Le festival de jazz accueille quarante mille spectateurs cet été.\n"),
]


@pytest.fixture
def failing_metadata(monkeypatch):
    """The metadata serialiser fails for the second article, as a bug would."""
    real = storage.metadata_bytes

    def metadata_bytes(clipping):
        if "préfecture" in clipping.text:
            raise RuntimeError("serialiser bug")
        return real(clipping)

    monkeypatch.setattr(storage, "metadata_bytes", metadata_bytes)


@pytest.mark.parametrize("grouped", [False, True])
def test_an_unexpected_error_while_storing_leaves_no_debris(
    runner, tmp_path, monkeypatch, failing_metadata, grouped
):
    options: list[str] = []
    if grouped:  # the bulk path, which writes files in groups (in this process: --jobs 1)
        monkeypatch.setattr("clipper.pipeline.PARALLEL_THRESHOLD", 1)
        options = ["--jobs", "1"]
    paths = []
    for name, text in ARTICLES:
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    added = invoke(runner, "add", *paths, *options)
    assert added.exit_code == 1
    assert f"Error: {paths[1]}: unexpected RuntimeError: serialiser bug" in added.stderr
    corpus = Archive.open_or_create(tmp_path / "corpus").corpus
    assert sorted(c.text for c in corpus.iter_clippings()) == sorted(
        [ARTICLES[0][1].strip(), ARTICLES[2][1].strip()]
    )
    assert_check_is_clean(runner)
    assert sorted(p.name for p in corpus.clippings_dir.rglob("*") if p.is_file()) == sorted(
        name for c in corpus.iter_clippings() for name in (f"{c.id}.json", c.original)
    )


def test_a_failure_between_the_original_and_its_metadata_removes_the_original(
    runner, tmp_path, monkeypatch
):
    real = storage.write_atomic

    def write_atomic(path, data):
        if path.suffix == ".json" and b"pr\xc3\xa9fecture" in data:
            raise RuntimeError("interrupted")
        real(path, data)

    monkeypatch.setattr(storage, "write_atomic", write_atomic)
    paths = []
    for name, text in ARTICLES:
        (tmp_path / name).write_text(text)
        paths.append(tmp_path / name)
    added = invoke(runner, "add", *paths)
    assert added.exit_code == 1
    assert f"Error: {paths[1]}: unexpected RuntimeError: interrupted" in added.stderr
    assert Archive.open_or_create(tmp_path / "corpus").corpus.count() == 2
    assert_check_is_clean(runner)


def _clipping(text: str) -> Clipping:
    clipping_id = content_id(text)
    return Clipping(clipping_id, "T", text, "2024-01-01T00:00:00", f"{clipping_id}.orig.txt")


@pytest.mark.parametrize("step", ["write", "rename"])
def test_a_group_interrupted_while_writing_leaves_nothing_behind(tmp_path, monkeypatch, step):
    corpus = storage.Corpus.create(tmp_path / "c")
    group = storage.GroupWriter(corpus)
    for _, text in ARTICLES:
        group.write(_clipping(text), text.encode())
    real_write, real_replace = storage._write_temporary, storage.os.replace

    def write_temporary(path, data):
        if step == "write" and path.suffix == ".json" and b"jazz" in data:
            raise RuntimeError("interrupted")
        return real_write(path, data)

    def replace(source, target):
        if step == "rename" and str(target).endswith(".json"):
            raise RuntimeError("interrupted")
        real_replace(source, target)

    monkeypatch.setattr(storage, "_write_temporary", write_temporary)
    monkeypatch.setattr(storage.os, "replace", replace)
    with pytest.raises(RuntimeError):
        group.flush()
    assert [p for p in corpus.clippings_dir.rglob("*") if p.is_file()] == []


EMAIL = b"From: Jos\xc3\xa9 <a@b.fr>\nSubject: Caf\xc3\xa9\n\nLe prix du caf\xc3\xa9\xe2\x80\xa6\n"


def test_email_with_raw_utf8_headers_is_added(runner, tmp_path):
    message = tmp_path / "m.eml"
    message.write_bytes(EMAIL)
    added = invoke(runner, "add", message)
    assert added.exit_code == 0, added.output
    clipping = Archive.open_or_create(tmp_path / "corpus").corpus.iter_clippings()
    (stored,) = list(clipping)
    assert (stored.title, stored.source, stored.text) == ("Café", "José", "Le prix du café…")
    assert stored.encoding == "utf-8"
    assert_check_is_clean(runner)


def test_email_with_raw_cp1252_headers_and_body_is_added(archive):
    message = (
        b"From: Ren\xe9e Dupr\xe9 <r@b.fr>\nSubject: Caf\xe9 cr\xe8me \xe0 1,20 \x80\n"
        b"Date: Mon, 1 Jan 2024 10:00:00 +0100\n\n"
        b"Le caf\xe9 cr\xe8me co\xfbte d\xe9sormais 1,20 \x80 au comptoir.\n"
    )
    outcome = archive.add_bytes(message, "m.eml")
    assert outcome.status == "added", outcome.error
    clipping = outcome.clipping
    assert (clipping.title, clipping.source) == ("Café crème à 1,20 €", "Renée Dupré")
    assert clipping.text == "Le café crème coûte désormais 1,20 € au comptoir."
    assert clipping.encoding == "cp1252"


def test_file_name_and_options_that_are_not_utf8_are_stored(runner, tmp_path):
    # On Linux a file name is bytes; Python hands undecodable ones over as
    # surrogate escapes, and so are such bytes in command-line arguments.
    name = tmp_path / "caf\udce9.txt"
    name.write_bytes("Un article sur le café et le thé, assez long pour être un texte.\n".encode())
    added = invoke(runner, "add", name, "--title", "\udce9t\udce9", "--tag", "th\udce9")
    assert added.exit_code == 0, added.output
    (stored,) = list(Archive.open_or_create(tmp_path / "corpus").corpus.iter_clippings())
    assert (stored.title, stored.tags, stored.origin) == (
        "été",
        ["thé"],
        str(tmp_path / "café.txt"),
    )
    tagged = invoke(runner, "tag", stored.id, "+\udcc3\udca0 lire")
    assert tagged.exit_code == 0, tagged.output
    assert Archive.open_or_create(tmp_path / "corpus").get(stored.id).tags == ["thé", "à lire"]
    assert_check_is_clean(runner)


def test_json_lines_with_lone_surrogate_escapes_are_imported(runner, tmp_path):
    lines = tmp_path / "in.jsonl"
    lines.write_text(
        '{"title": "Caf\\udce9", "text": "Le prix du caf\\udce9 monte.", "author": "\\ud800X"}\n'
    )
    imported = invoke(runner, "import", lines)
    assert imported.exit_code == 0, imported.output
    (stored,) = list(Archive.open_or_create(tmp_path / "corpus").corpus.iter_clippings())
    assert (stored.title, stored.text, stored.author) == (
        "Café",
        "Le prix du café monte.",
        "\ufffdX",
    )
    assert_check_is_clean(runner)


def test_repair_surrogates():
    assert repair_surrogates("plain, déjà") == "plain, déjà"
    assert repair_surrogates("Jos\udcc3\udca9 et Ren\udce9e") == "José et Renée"
    assert repair_surrogates("\ud83d alone, \udc81 undefined") == "\ufffd alone, \ufffd undefined"


def test_a_saved_search_typed_with_bytes_that_are_not_utf8_is_saved(archive):
    archive.add_bytes(ARTICLES[0][1].encode(), "un.txt")
    archive.add_watch("cafe", "caf\udce9")
    assert [w.query for w in archive.watches()] == ["café"]


def test_an_unexpected_error_in_one_extraction_fails_that_input_only(
    archive, tmp_path, monkeypatch
):
    from clipper import pipeline

    real = pipeline.extract_source

    def extract_source(source, data, fmt, url=None):
        if "bad" in source.name:
            raise RuntimeError("a bug met by this input")
        return real(source, data, fmt, url)

    monkeypatch.setattr(pipeline, "extract_source", extract_source)
    paths = []
    for name in ("a.txt", "bad.txt", "c.txt"):
        (tmp_path / name).write_text(f"Titre {name}\n\nUn texte sur {name}.\n", encoding="utf-8")
        paths.append(tmp_path / name)
    report = archive.add_paths(paths)
    assert [o.status for o in report.outcomes] == ["added", "failed", "added"]
    assert report.outcomes[1].error == (
        f"{tmp_path / 'bad.txt'}: unexpected RuntimeError: a bug met by this input"
    )
