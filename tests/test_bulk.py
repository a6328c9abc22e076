"""Bulk ingestion: near-duplicates, dry runs, resuming an interrupted import, workers."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest

from clipper import pipeline
from clipper.archive import Archive
from clipper.cli import cli
from clipper.extract.plaintext import extract_plain_text
from clipper.fingerprint import NEAR_DUPLICATE_THRESHOLD
from clipper.model import Clipping
from clipper.searching import Filters

WIRE = (
    "Un séisme de magnitude 5,8 a frappé le nord de l'Italie\n\n"
    "Un séisme de magnitude 5,8 a frappé jeudi matin le nord de l'Italie, provoquant "
    "d'importants dégâts dans plusieurs villages de montagne et l'évacuation de centaines "
    "d'habitants, selon les autorités locales. Les secours ont été mobilisés dans la nuit et "
    "les écoles de la région resteront fermées vendredi par précaution. Aucune victime n'a "
    "été signalée à ce stade, mais plusieurs personnes ont été légèrement blessées par des "
    "chutes de débris. Le gouvernement a annoncé le déblocage d'un fonds d'urgence pour "
    "aider les communes touchées à reloger les familles dont les maisons sont inhabitables.\n"
)


def _republished(outlet: str, variant: str) -> str:
    return WIRE.replace("jeudi matin", variant) + f"\n{outlet} avec AFP\n"


DISTINCT = (
    "La récolte de lavande s'annonce abondante\n\n"
    "Les producteurs de lavande du plateau de Valensole se réjouissent d'une récolte qui "
    "s'annonce abondante après un printemps pluvieux, même si les prix restent bas face "
    "à la concurrence étrangère et aux stocks accumulés ces dernières années.\n"
)


@pytest.fixture
def wire_dir(tmp_path):
    folder = tmp_path / "wire"
    folder.mkdir()
    (folder / "a.txt").write_text(_republished("Le Progrès", "jeudi matin"))
    (folder / "b.txt").write_text(_republished("Ouest-France", "jeudi à l'aube"))
    (folder / "c.txt").write_text(_republished("La Voix du Nord", "dans la matinée de jeudi"))
    (folder / "d.txt").write_text(DISTINCT)
    return folder


def test_near_duplicates_are_stored_grouped_and_reported(archive: Archive, wire_dir):
    report = archive.add_paths([wire_dir])
    first, second, third, lavender = (o.clipping for o in report.outcomes)
    assert [o.status for o in report.outcomes] == ["added"] * 4
    assert first.duplicate_of is None
    assert (second.duplicate_of, third.duplicate_of) == (first.id, first.id)
    assert NEAR_DUPLICATE_THRESHOLD <= second.similarity < 1.0
    assert lavender.duplicate_of is None
    # Each is reported against its most similar predecessor; the group is the first's.
    near_second, near_third = (o.near.id for o in report.near_duplicates)
    assert near_second == first.id and near_third in {first.id, second.id}
    assert {c.id for c in archive.copies(first)} == {second.id, third.id}
    assert [c.id for c in archive.copies(second)] == [first.id, third.id]


def test_near_duplicate_found_against_the_index_in_a_later_run(archive: Archive, wire_dir):
    archive.add_paths([wire_dir / "a.txt"])
    outcome = archive.add_paths([wire_dir / "b.txt"]).outcomes[0]
    assert outcome.near is not None and outcome.near.origin == str(wire_dir / "a.txt")


def test_search_collapse_shows_each_story_once(runner, wire_dir):
    runner.invoke(cli, ["add", str(wire_dir)], catch_exceptions=False)
    plain = json.loads(runner.invoke(cli, ["search", "séisme", "--json"]).stdout)
    assert plain["total"] == 3
    collapsed = runner.invoke(cli, ["search", "séisme", "--collapse"])
    lines = collapsed.stdout.splitlines()
    assert lines[0].startswith(" 1. Un séisme de magnitude 5,8")
    assert "    +2 copies: La Voix du Nord, Ouest-France" in lines
    assert lines[-1] == "1 clipping, showing 1–1"
    data = json.loads(runner.invoke(cli, ["search", "séisme", "--collapse", "--json"]).stdout)
    assert data["total"] == 1
    assert {c["source"] for c in data["hits"][0]["copies"]} == {"Ouest-France", "La Voix du Nord"}


def test_show_lists_the_copies(runner, wire_dir):
    result = json.loads(runner.invoke(cli, ["add", str(wire_dir), "--json"]).stdout)
    first = result["added"][0]["id"]
    shown = runner.invoke(cli, ["show", first]).stdout
    assert "copies:   2" in shown
    data = json.loads(runner.invoke(cli, ["show", first, "--json"]).stdout)
    assert len(data["copies"]) == 2
    assert all(c["similarity"] >= NEAR_DUPLICATE_THRESHOLD for c in data["copies"])


def test_add_reports_near_duplicates_on_the_command_line(runner, wire_dir):
    result = runner.invoke(cli, ["add", str(wire_dir)])
    lines = result.stdout.splitlines()
    first_id = lines[0].split()[1]
    assert f"(near-duplicate of {first_id}, similarity" in lines[1]
    assert result.stderr == "4 added (2 near-duplicates)\n"


def test_dry_run_reports_and_writes_nothing(runner, wire_dir, corpus_dir):
    runner.invoke(cli, ["add", str(wire_dir / "a.txt")], catch_exceptions=False)
    before = sorted(p.name for p in corpus_dir.rglob("*") if p.is_file())
    result = runner.invoke(cli, ["add", str(wire_dir), "--dry-run"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("already stored as")
    assert result.stdout.splitlines()[1].startswith("would add")
    assert result.stderr == "3 would be added (2 near-duplicates), 1 already stored\n"
    assert sorted(p.name for p in corpus_dir.rglob("*") if p.is_file()) == before


def _jsonl(tmp_path, count: int):
    path = tmp_path / "articles.jsonl"
    lines = [
        json.dumps(
            {
                "title": f"Dépêche numéro {i}",
                "text": f"Le corps de la dépêche {i} "
                f"parle du sujet {i * 7919 % 1000} et de la ville {i}.",
                "lang": "fr",
            }
        )
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_interrupted_import_resumes_without_loss_or_duplicates(archive, tmp_path, monkeypatch):
    path = _jsonl(tmp_path, 12)
    real_prepare = pipeline.prepare
    calls = {"n": 0}

    def failing_prepare(source, metadata):
        calls["n"] += 1
        if calls["n"] == 6:
            raise KeyboardInterrupt  # the user pressed Ctrl-C mid-import
        return real_prepare(source, metadata)

    monkeypatch.setattr(pipeline, "prepare", failing_prepare)
    with pytest.raises(KeyboardInterrupt):
        archive.import_jsonl(path)
    assert archive.corpus.count() == 5  # whole clippings only
    monkeypatch.setattr(pipeline, "prepare", real_prepare)
    report = archive.import_jsonl(path)
    assert (len(report.added), len(report.duplicates)) == (7, 5)
    assert archive.corpus.count() == 12
    assert archive.search("dépêche").total == 12  # the 5 stored before the stop are indexed


def test_bulk_import_commits_in_checkpoints(archive, tmp_path, monkeypatch):
    from clipper import indexing

    monkeypatch.setattr(indexing, "CHECKPOINT_EVERY", 10)
    # Checkpoints hold 30,000 clippings, never "small" to the merge policy; at
    # this scale they would be, and the final commit would merge them.
    monkeypatch.setattr(indexing, "SMALL_SEGMENT_DOCS", 1)
    # A copy of the first wire story arrives after a checkpoint: still grouped with it.
    folder = _dispatches_and_two_copies(tmp_path, pipeline.PARALLEL_THRESHOLD + 3)
    report = archive.add_paths([folder])
    assert len(report.added) == pipeline.PARALLEL_THRESHOLD + 5
    first, copy = (o.clipping for o in report.outcomes if o.clipping.title.startswith("Un"))
    assert copy.duplicate_of == first.id
    assert archive.search("dépêche").total == pipeline.PARALLEL_THRESHOLD + 3
    assert _segment_count(archive) > 2  # one commit a checkpoint, not one for the batch
    archive.reindex()  # a rebuild commits in checkpoints too
    assert _segment_count(archive) > 2
    assert archive.search("dépêche").total == pipeline.PARALLEL_THRESHOLD + 3


def test_large_batches_report_summaries_small_ones_whole_clippings(archive, tmp_path):
    folder = _dispatches_and_two_copies(tmp_path, pipeline.PARALLEL_THRESHOLD)
    report = archive.add_paths([folder])
    first, copy = (o for o in report.outcomes if o.clipping.title.startswith("Un séisme"))
    assert (first.clipping.text, first.clipping.captions) == ("", [])  # a summary
    assert first.clipping.lang == "fr" and copy.clipping.duplicate_of == first.clipping.id
    assert copy.near is not None and copy.near.id == first.clipping.id
    assert archive.get(first.clipping.id).text.startswith("Un séisme de magnitude")
    single = archive.add_paths([_write(tmp_path / "one.txt", DISTINCT)]).outcomes[0]
    assert single.clipping.text.startswith("Les producteurs de lavande")  # whole


def test_a_streamed_report_keeps_counts_and_failures_only(archive, tmp_path):
    folder = _dispatches_and_two_copies(tmp_path, pipeline.PARALLEL_THRESHOLD)
    (folder / "01b.txt").write_text("Dépêche 1\n\nLe texte 1 de la dépêche 1.\n")  # again
    (folder / "empty.txt").write_text("")
    streamed = []
    report = archive.add_paths([folder], on_outcome=streamed.append, keep_outcomes=False)
    statuses = Counter(o.status for o in streamed)
    assert statuses == {"added": pipeline.PARALLEL_THRESHOLD + 2, "duplicate": 1, "failed": 1}
    assert report.counts == {**statuses, "near_duplicate": 1}
    assert report.outcomes == [] and [o.name for o in report.failed] == [str(folder / "empty.txt")]
    with pytest.raises(ValueError, match="counts only"):
        report.added  # noqa: B018 -- the property is what raises
    assert archive.search("dépêche").total == pipeline.PARALLEL_THRESHOLD


@pytest.mark.parametrize("count", [3, pipeline.PARALLEL_THRESHOLD + 3], ids=["small", "bulk"])
def test_the_same_text_twice_in_one_import_is_indexed_once_with_every_tag(archive, tmp_path, count):
    path = _jsonl(tmp_path, count)
    record = {"title": "Grève", "text": "Les cheminots entament une grève reconductible."}
    with path.open("a") as handle:  # twice, then once more with a tag
        for tags in ([], [], ["social"]):
            handle.write(json.dumps({**record, "tags": tags}) + "\n")
    report = archive.import_jsonl(path)
    assert (len(report.added), len(report.duplicates)) == (count + 1, 2)
    found = archive.search("cheminots")
    assert [h.clipping.tags for h in found.hits] == [["social"]]
    assert archive.search("cheminots", Filters(tag="social")).total == 1
    assert archive.search("dépêche").total == count


@pytest.mark.parametrize("count", [3, pipeline.PARALLEL_THRESHOLD + 3], ids=["small", "bulk"])
def test_new_clippings_are_added_without_a_search_for_one_to_replace(
    archive, tmp_path, monkeypatch, count
):
    from clipper.indexing import IndexWriter

    replaced = []
    real_add = IndexWriter.add
    monkeypatch.setattr(
        IndexWriter,
        "add",
        lambda self, c, sig=None: (replaced.append(c.id), real_add(self, c, sig)),
    )
    archive.import_jsonl(_jsonl(tmp_path, count))
    assert replaced == []  # Whoosh's update would open every segment for each
    assert archive.search("dépêche").total == count
    # A file deleted by hand leaves its document in the index: added again,
    # the clipping replaces it rather than being listed twice.
    gone = archive.search("dépêche", limit=1).hits[0].clipping
    archive.corpus.metadata_path(gone.id).unlink()
    archive.corpus.original_path(gone).unlink()
    archive.close()
    reopened = Archive.open(archive.root)
    report = reopened.import_jsonl(_jsonl(tmp_path, count))
    assert (len(report.added), len(report.duplicates)) == (1, count - 1)
    assert replaced == [gone.id]
    assert reopened.search("dépêche").total == count
    reopened.close()


def _dispatches_and_two_copies(tmp_path, count: int):
    """A folder of ``count`` short dispatches, plus two republished copies of a wire story."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(count):
        (folder / f"{i:02d}.txt").write_text(f"Dépêche {i}\n\nLe texte {i} de la dépêche {i}.\n")
    (folder / "00a.txt").write_text(_republished("Le Progrès", "jeudi matin"))
    (folder / "99z.txt").write_text(_republished("Ouest-France", "jeudi à l'aube"))
    return folder


def _write(path, text: str):
    path.write_text(text)
    return path


def _segment_count(archive: Archive) -> int:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(archive.corpus.index_dir))
    try:
        return len(ix._segments())
    finally:
        ix.close()


def test_rerunning_an_import_skips_everything(archive, tmp_path):
    path = _jsonl(tmp_path, 5)
    archive.import_jsonl(path)
    report = archive.import_jsonl(path)
    assert (len(report.added), len(report.duplicates), len(report.failed)) == (0, 5, 0)


def test_workers_give_the_same_result_as_one_process(tmp_path):
    path = _jsonl(tmp_path, pipeline.PARALLEL_THRESHOLD + 8)
    serial = Archive.open_or_create(tmp_path / "serial")
    parallel = Archive.open_or_create(tmp_path / "parallel")
    with path.open("rb") as handle:
        sources = [
            pipeline.Source(f"x:{i}", kind="jsonl", data=line) for i, line in enumerate(handle)
        ]
    one = list(pipeline.prepare_all(sources, pipeline.Metadata(), parallel=False))
    two = list(pipeline.prepare_all(sources, pipeline.Metadata(), parallel=True, jobs=2))
    assert [p.clipping_id for p in one] == [p.clipping_id for p in two]
    assert [p.extracted.title for p in one] == [p.extracted.title for p in two]
    serial.close()
    parallel.close()


@pytest.mark.parametrize(
    ("closing", "agency"),
    [
        ("(AP)", "AP"),
        ("Source : dpa", "dpa"),
        ("Source: Belga", "Belga"),
        ("(ANSA)", "ANSA"),
        ("Le Soir avec Belga", "Belga"),
        ("Source : Agence France-Presse", "AFP"),
        ("With Reuters", "Reuters"),
    ],
)
def test_wire_credits_are_recognised(closing, agency):
    text = f"Titre court\n\nUn paragraphe de texte suffisamment long pour l'article.\n\n{closing}\n"
    assert extract_plain_text(text).agency == agency


def test_band_candidates_rank_by_shared_bands():
    from clipper.fingerprint import BANDS, band_values, best_candidates, signature

    sig = signature(WIRE)
    mine = band_values(sig)
    unrelated = band_values(signature(DISTINCT))
    table = np.array([unrelated, mine, np.where(np.arange(BANDS) < 3, mine, unrelated)])
    table[0, 5] = mine[5]  # one shared band
    assert best_candidates(table, mine, 5) == [(BANDS, 1), (3, 2), (1, 0)]
    assert best_candidates(table, mine, 1) == [(BANDS, 1)]
    assert best_candidates(table[:0], mine, 5) == []
    assert best_candidates(np.array([unrelated]), mine, 5) == []


def test_band_column_width_matches_the_fingerprint():
    from clipper.fields import BAND_BYTES
    from clipper.fingerprint import band_bytes, signature

    assert len(band_bytes(signature(WIRE))) == BAND_BYTES


def test_near_candidates_read_every_segment_and_skip_deleted_documents():
    from whoosh.filedb.filestore import RamStorage

    from clipper.fields import build_schema
    from clipper.fingerprint import signature
    from clipper.indexing import IndexLookup, document_for

    texts = {
        "a" * 16: _republished("Le Progrès", "jeudi matin"),
        "b" * 16: DISTINCT,
        "c" * 16: _republished("Ouest-France", "jeudi à l'aube"),
        "d" * 16: _republished("La Voix du Nord", "dans la matinée de jeudi"),
    }
    clippings = {cid: _clipping(cid, text) for cid, text in texts.items()}
    ix = RamStorage().create_index(build_schema())
    for clipping in clippings.values():  # one segment each
        writer = ix.writer()
        writer.add_document(**document_for(clipping))
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("id", "a" * 16)
    writer.commit(merge=False)
    assert len(ix._segments()) == 4

    corpus = SimpleNamespace(read=clippings.__getitem__)
    with ix.searcher() as searcher:
        found = IndexLookup(searcher).near_candidates(signature(WIRE), corpus)
    # The deleted first copy is skipped; the other two are found in their segments.
    assert sorted(cid for cid, _sig in found) == ["c" * 16, "d" * 16]


def _clipping(clipping_id: str, text: str) -> Clipping:
    extracted = extract_plain_text(text)
    return Clipping(
        id=clipping_id,
        title=extracted.title,
        text=extracted.text,
        added="2026-11-26T10:00:00+00:00",
        original=f"{clipping_id}.orig.txt",
        lang="fr",
    )


def test_finder_finds_candidates_in_frozen_and_recent_bands(monkeypatch):
    from clipper.fingerprint import NearDuplicateFinder, signature

    monkeypatch.setattr(NearDuplicateFinder, "FREEZE_AT", 50)  # freezes every few clippings
    finder = NearDuplicateFinder()
    stories = [
        f"Dépêche {i} : le conseil municipal de la ville {i} a voté le budget {i}. " * 3
        for i in range(13)
    ]
    for i, text in enumerate(stories):
        finder.remember(f"id{i}", signature(text))
    # 20 bands a clipping: frozen by threes, the thirteenth still recent.
    assert len(finder) == 13 and finder._keys.size == 240 and len(finder._recent) == 20
    assert finder.candidates(signature(stories[0]), 3)[0] == "id0"  # frozen
    assert finder.candidates(signature(stories[12]), 3)[0] == "id12"  # recent
    assert finder.candidates(signature(WIRE), 3) == []
    finder.remember("copy", signature(stories[0]))
    assert finder.candidates(signature(stories[0]), 2) == ["id0", "copy"]


def test_single_adds_merge_small_segments_and_never_large_ones(monkeypatch):
    from whoosh.fields import ID, Schema
    from whoosh.filedb.filestore import RamStorage

    from clipper import indexing

    monkeypatch.setattr(indexing, "SMALL_SEGMENT_DOCS", 10)
    monkeypatch.setattr(indexing, "SMALL_SEGMENTS_TO_MERGE", 3)
    ix = RamStorage().create_index(Schema(id=ID(stored=True)))

    def commit(count: int) -> list[int]:
        writer = ix.writer()
        for _ in range(count):
            writer.add_document(id=f"d{ix.doc_count_all() + writer.docnum}")
        writer.commit(mergetype=indexing.merge_small_segments)
        return sorted(seg.doc_count_all() for seg in ix._segments())

    # Large segments, as bulk checkpoints leave: this policy never merges them.
    for _ in range(25):
        commit(12)
    assert commit(1) == [1] + [12] * 25
    assert commit(1) == [1, 1] + [12] * 25
    assert commit(1) == [1, 1, 1] + [12] * 25  # the new one is not counted yet
    assert commit(1) == [4] + [12] * 25  # the three small ones merged with the new one
    assert ix.doc_count_all() == 25 * 12 + 4


def test_single_adds_merge_segments_of_one_size_tier(monkeypatch):
    from whoosh.fields import ID, Schema
    from whoosh.filedb.filestore import RamStorage

    from clipper import indexing

    # Tiers of 1-2, 3-8, 9-26, 27-80 documents; merges stay under 30.
    monkeypatch.setattr(indexing, "SMALL_SEGMENT_DOCS", 30)
    monkeypatch.setattr(indexing, "SMALL_SEGMENTS_TO_MERGE", 3)
    ix = RamStorage().create_index(Schema(id=ID(stored=True)))

    def add_one() -> list[int]:
        writer = ix.writer()
        writer.add_document(id=f"d{ix.doc_count_all()}")
        writer.commit(mergetype=indexing.merge_small_segments)
        return sorted(seg.doc_count_all() for seg in ix._segments())

    sizes = [add_one() for _ in range(16)]
    assert sizes[3] == [4]  # three single ones merged with the new one
    # A fourth small segment does not bring the 4-document one into a merge:
    # only segments of one tier are merged, once the tier holds three.
    assert sizes[6] == [1, 1, 1, 4]
    assert sizes[7] == [4, 4]
    assert sizes[11] == [4, 4, 4]
    assert sizes[12] == [13]  # three of the 3-8 tier, and the new one
    assert sizes[15] == [1, 1, 1, 13]
    for _ in range(200):
        last = add_one()
        assert max(last) <= 30  # no merge makes a segment past the bound
    assert sum(last) == 216
    # What stays unmerged: no tier holds three segments that would merge
    # under the bound.
    tiers: dict[int, list[int]] = {}
    for size in last:
        tiers.setdefault(indexing._tier(size), []).append(size)
    assert all(len(group) < 3 or sum(group) >= 30 for group in tiers.values()), last
