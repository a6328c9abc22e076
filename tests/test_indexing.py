"""Writing the index: the document of a clipping, the index's state, and keeping it in
step with the corpus files (diff, sync, rebuild, a failed batch)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime

import pytest

from clipper import indexing
from clipper.fingerprint import band_bytes, fingerprint_text, signature
from clipper.indexing import VERSION_FILE, IndexDiff, diff, document_for, index_state, rebuild, sync
from clipper.locking import mark_pending, pending
from clipper.model import Clipping, content_id
from clipper.storage import Corpus, metadata_stamp

TEXT = "Les chalutiers sont restés à quai toute la semaine, le vent soufflant à cent kilomètres."
ADDED = "2024-03-06T09:15:00.000000+00:00"


def _clipping(text: str = TEXT) -> Clipping:
    clipping_id = content_id(text)
    return Clipping(clipping_id, "Tempête sur la côte", text, ADDED, f"{clipping_id}.orig.txt")


def _full_clipping() -> Clipping:
    clipping = _clipping()
    clipping.source = "La Voix\ndu  Port"
    clipping.agency = "AFP"
    clipping.author = "Jeanne Morvan"
    clipping.date = "2024-03-05"
    clipping.lang = "fr"
    clipping.url = "https://www.VoixDuPort.example/mer/tempete-42?page=2"
    clipping.tags = ["mer", "pêche, côtière"]
    clipping.keywords = ["pêche", "tempête"]
    clipping.captions = ["Un chalutier amarré."]
    clipping.credits = ["Photo J. Morvan"]
    clipping.duplicate_of = "a0a0a0a0a0a0a0a0"
    return clipping


def _stemmed_fields(document: dict) -> list[str]:
    return sorted(k for k in document if k.startswith(("title_", "body_")))


# -- the document of a clipping ------------------------------------------------


def test_a_clipping_with_every_field_gives_this_document():
    clipping = _full_clipping()
    assert document_for(clipping) == {
        "id": clipping.id,
        "title": "Tempête sur la côte",
        "body": TEXT,
        "title_fr": "Tempête sur la côte",
        "body_fr": TEXT,
        "group": "a0a0a0a0a0a0a0a0",
        "bands": band_bytes(signature(fingerprint_text(clipping))),
        "stamp": metadata_stamp(clipping),
        "captions": "Un chalutier amarré.\nPhoto J. Morvan",
        "source": "La Voix\ndu  Port",
        "source_key": "La Voix du Port",
        "agency": "AFP",
        "agency_key": "AFP",
        "author": "Jeanne Morvan",
        "keywords": "pêche\ntempête",
        "url": "www.voixduport.example",  # the site only: no term per article
        "url_key": "voixduport.example/mer/tempete-42?page=2",
        "lang": "fr",
        "tag": "mer,pêche, côtière",
        "tag_label": "mer,pêche  côtière",
        "date": datetime(2024, 3, 5),
        "added": datetime(2024, 3, 6, 9, 15),
        "sortdate": datetime(2024, 3, 5),
        "year": "2024",
    }
    assert len(document_for(clipping)["bands"]) == 80


def test_a_clipping_with_only_its_required_fields_gives_no_empty_field():
    clipping = _clipping()
    clipping.lang = "de"
    document = document_for(clipping)
    assert sorted(document) == [
        "added", "bands", "body", "group", "id", "lang", "sortdate", "stamp", "title", "year",
    ]  # fmt: skip
    assert document["group"] == clipping.id  # a group of its own


@pytest.mark.parametrize(
    ("lang", "stemmed"),
    [
        ("fr", ["body_fr", "title_fr"]),
        ("en", ["body_en", "title_en"]),
        (None, ["body_en", "body_fr", "title_en", "title_fr"]),  # unknown: stemmed in both
        ("de", []),  # a language without a stemmer: exact fields only
    ],
)
def test_a_clipping_is_stemmed_in_its_own_language_or_in_all_when_unknown(lang, stemmed):
    clipping = _clipping()
    clipping.lang = lang
    document = document_for(clipping)
    assert _stemmed_fields(document) == stemmed
    assert {document[name] for name in stemmed} <= {TEXT, "Tempête sur la côte"}


@pytest.mark.parametrize(
    ("date", "indexed", "year"),
    [
        ("2023-11", datetime(2023, 11, 1), "2023"),
        ("1998", datetime(1998, 1, 1), "1998"),
        ("2024-01-01T23:30:00+05:00", datetime(2024, 1, 1, 23, 30), "2024"),
        (None, None, "undated"),
        ("vers 1990", None, "undated"),
    ],
)
def test_the_year_is_the_dates_and_an_undated_clipping_sorts_by_when_it_was_added(
    date, indexed, year
):
    clipping = _clipping()
    clipping.date = date
    document = document_for(clipping)
    assert document.get("date") == indexed
    assert document["year"] == year  # never the year it was added
    assert document["sortdate"] == (indexed or datetime(2024, 3, 6, 9, 15))


def test_a_given_fingerprint_is_used_rather_than_computed_again():
    clipping = _clipping()
    other = signature("Un tout autre texte sur la récolte des pommes dans la vallée.")
    assert document_for(clipping, other)["bands"] == band_bytes(other)
    assert document_for(clipping)["bands"] != band_bytes(other)


# -- the state of the index ----------------------------------------------------


def test_a_new_corpus_has_no_index_and_a_used_one_has_an_up_to_date_one(corpus_dir, archive):
    assert index_state(archive.corpus) == "missing"
    archive.add_bytes(b"La digue a tenu pendant la nuit.\n", "digue.txt")
    assert index_state(archive.corpus) == "ok"
    assert json.loads((corpus_dir / ".index" / VERSION_FILE).read_text()) == {
        "schema": indexing.SCHEMA_VERSION
    }


@pytest.mark.parametrize(
    ("damage", "state"),
    [
        ("another schema version", "stale"),
        ("an unreadable version file", "stale"),
        ("a version file that is not an object", "stale"),
        ("no version file", "missing"),
        ("no table of contents", "missing"),
    ],
)
def test_an_index_of_another_version_is_stale_and_one_without_its_files_missing(
    archive, news, damage, state
):
    archive.close()
    index_dir = archive.corpus.index_dir
    version = index_dir / VERSION_FILE
    if damage == "another schema version":
        version.write_text(json.dumps({"schema": indexing.SCHEMA_VERSION - 1}))
    elif damage == "an unreadable version file":
        version.write_text("{")
    elif damage == "a version file that is not an object":
        version.write_text("[15]")
    elif damage == "no version file":
        version.unlink()
    else:
        for toc in index_dir.glob("_MAIN_*.toc"):
            toc.unlink()
    assert index_state(archive.corpus) == state


# -- keeping the index in step with the files ----------------------------------


def test_diff_names_what_changed_behind_the_index_and_sync_puts_it_right(archive, news):
    archive.close()
    corpus = archive.corpus
    corpus.remove(corpus.read(news["harbour"]))  # files gone, document left
    newcomer = _clipping()
    corpus.write(newcomer, TEXT.encode())  # files stored, never indexed
    retagged = corpus.read(news["verger"])
    retagged.tags = ["printemps"]
    corpus.update(retagged)  # metadata changed after indexing
    expected = IndexDiff(missing=[newcomer.id], extra=[news["harbour"]], stale=[news["verger"]])
    assert diff(corpus) == expected
    mark_pending(corpus.root)  # as a writer that died before its commit leaves it
    assert sync(corpus) == expected
    assert diff(corpus) == IndexDiff([], [], [])
    assert not pending(corpus.root)
    assert [h.clipping.id for h in archive.search("tag:printemps").hits] == [news["verger"]]
    assert archive.search("harbour").total == 0


def test_sync_of_an_index_in_step_writes_nothing(archive, news):
    archive.close()
    before = sorted(p.name for p in archive.corpus.index_dir.iterdir())
    assert sync(archive.corpus).clean
    assert sorted(p.name for p in archive.corpus.index_dir.iterdir()) == before


def test_without_an_index_every_clipping_is_missing(archive, news):
    archive.close()
    shutil.rmtree(archive.corpus.index_dir)
    assert diff(archive.corpus) == IndexDiff(sorted(news.values()), [], [])


def test_a_clipping_whose_metadata_cannot_be_read_is_passed_over(archive, news):
    archive.close()
    corpus = archive.corpus
    damaged = corpus.read(news["tram"])
    corpus.metadata_path(damaged.id).write_text('{"title": "sans texte"}')
    unreadable = "f00df00df00df00d"
    corpus.metadata_path(unreadable).parent.mkdir(parents=True)
    corpus.metadata_path(unreadable).write_text("{")
    # Neither is indexable: the stale one is not reported, the new one stays missing.
    assert sync(corpus) == IndexDiff([unreadable], [], [])
    assert diff(corpus) == IndexDiff([unreadable], [], [])


def test_rebuild_indexes_every_clipping_again_and_counts_them(archive, news, corpus_dir):
    archive.close()
    corpus = archive.corpus
    corpus.remove(corpus.read(news["harbour"]))
    mark_pending(corpus_dir)
    progress: list[int] = []
    assert rebuild(corpus, progress.append) == 2
    assert sum(progress) == 2
    assert diff(corpus) == IndexDiff([], [], [])  # the removed one is gone from the index
    assert index_state(corpus) == "ok" and not pending(corpus_dir)
    # No new or old index folder is left beside it.
    assert [p.name for p in corpus_dir.iterdir() if p.name.startswith(".index")] == [".index"]


def test_rebuild_of_an_empty_corpus_makes_an_empty_index(corpus_dir):
    corpus = Corpus.create(corpus_dir)
    assert rebuild(corpus) == 0
    assert index_state(corpus) == "ok"
    assert diff(corpus).clean


def test_a_batch_that_fails_still_indexes_the_files_it_stored(archive, news):
    archive.close()
    corpus = archive.corpus
    newcomer = _clipping()
    with pytest.raises(RuntimeError, match="coupure"):
        with indexing.writing(corpus) as writer:
            corpus.write(newcomer, TEXT.encode())
            writer.add(newcomer)
            assert pending(corpus.root)
            raise RuntimeError("coupure")
    assert diff(corpus) == IndexDiff([], [], [])
    assert not pending(corpus.root)
    assert [h.clipping.id for h in archive.search("chalutiers").hits] == [newcomer.id]


@pytest.mark.parametrize(
    ("documents", "tier"), [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2), (7, 2), (8, 3), (999, 9)]
)
def test_small_segments_fall_in_tiers_of_powers_of_two(documents, tier):
    assert indexing.SMALL_SEGMENTS_TO_MERGE == 2
    assert indexing._tier(documents) == tier
