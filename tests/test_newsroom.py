"""Search like a newsroom: facets, sorting, timelines, suggestions, related stories,
saved searches and exports, on a corpus built from team-written clippings."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from clipper.archive import Archive
from clipper.cli import cli
from clipper.errors import UsageError
from clipper.ingest import Metadata
from clipper.searching import Filters

CLIPPINGS = [
    (
        "Les modèles de langage gagnent les rédactions",
        "Les rédactions testent des modèles de langage pour résumer les dépêches et "
        "traduire les articles. Les syndicats de journalistes demandent des garanties.",
        Metadata(
            source="Le Monde",
            agency="AFP",
            date="2024-03-04",
            tags=["ia", "médias"],
            lang="fr",
            author="Claire Martin",
            url="https://example.org/ia-redactions",
        ),
    ),
    (
        "Un modèle de langage ouvert pour le français",
        "Un laboratoire public publie un modèle de langage entraîné sur des textes en français, "
        "disponible pour les chercheurs et les entreprises.",
        Metadata(source="Libération", date="2024-03-20", tags=["ia"], lang="fr"),
    ),
    (
        "Language models reach the newsroom",
        "Newsrooms are testing language models to summarise wire copy and translate articles, "
        "while unions ask for safeguards.",
        Metadata(source="Reuters", agency="Reuters", date="2024-05-02", tags=["ai"], lang="en"),
    ),
    (
        "La sécheresse menace les récoltes",
        "Les agriculteurs du Sud-Ouest redoutent une nouvelle sécheresse après un hiver sec ; "
        "les nappes phréatiques sont au plus bas.",
        Metadata(source="Sud Ouest", date="2023-07-15", tags=["climat"], lang="fr"),
    ),
    (
        "Rédactions et intelligence artificielle : le débat continue",
        "Le débat sur l'usage des modèles de langage dans les rédactions se poursuit, entre "
        "gains de productivité et craintes pour l'emploi des journalistes.",
        Metadata(source="Le Monde", date="2024-03-05", tags=["ia"], lang="fr"),
    ),
]


@pytest.fixture
def ids(archive: Archive) -> list[str]:
    found = []
    for title, text, metadata in CLIPPINGS:
        outcome = archive.add_bytes(f"{title}\n\n{text}\n".encode(), f"{title[:10]}.txt", metadata)
        assert outcome.status == "added", outcome.error
        found.append(outcome.clipping.id)
    return found


# French and English spellings: a query word is not translated.
MODELS = "langage OR language"


def invoke(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


# -- facets -------------------------------------------------------------------


def test_facets_count_every_match(archive, ids):
    result = archive.search(MODELS, facets=["source", "lang", "agency", "tag", "year"], limit=1)
    assert result.total == 4
    assert result.facets == {
        "source": [("Le Monde", 2), ("Libération", 1), ("Reuters", 1)],
        "lang": [("fr", 3), ("en", 1)],
        "agency": [("AFP", 1), ("Reuters", 1)],
        "tag": [("ia", 3), ("ai", 1), ("médias", 1)],
        "year": [("2024", 4)],
    }


def test_facets_in_json_and_text(runner, ids):
    data = json.loads(invoke(runner, "search", MODELS, "--facet", "year", "--json").stdout)
    assert data["facets"] == {"year": [{"value": "2024", "count": 4}]}
    text = invoke(runner, "search", MODELS, "--facet", "source").stdout
    assert "source: Le Monde 2 · Libération 1 · Reuters 1" in text.splitlines()


def test_unknown_facet_is_a_usage_error(runner, ids):
    result = runner.invoke(cli, ["search", "langage", "--facet", "color"])
    assert result.exit_code == 2
    assert "unknown facet 'color'" in result.stderr


def test_info_shows_the_corpus_facets(runner, ids):
    text = invoke(runner, "info").stdout
    assert "year:   2024 4 · 2023 1" in text
    assert "lang:   fr 4 · en 1" in text


# -- sorting ------------------------------------------------------------------


def test_sort_by_date_both_ways(archive, ids):
    oldest = [h.clipping.id for h in archive.search(MODELS, sort="date").hits]
    newest = [h.clipping.id for h in archive.search(MODELS, sort="-date").hits]
    assert oldest == [ids[0], ids[4], ids[1], ids[2]]
    assert newest == oldest[::-1]


def test_relevance_ties_are_broken_newest_first(archive):
    for day in ("2024-01-01", "2024-06-01", "2024-03-01"):
        archive.add_bytes(
            f"Même titre\n\nUn texte identique daté du {day}.\n".encode(),
            f"{day}.txt",
            Metadata(date=day, lang="fr"),
        )
    hits = archive.search("identique").hits
    scores = {h.score for h in hits}
    assert len(scores) == 1  # a tie
    assert [h.clipping.date for h in hits] == ["2024-06-01", "2024-03-01", "2024-01-01"]


# -- timeline -----------------------------------------------------------------


def test_timeline_by_month_includes_empty_months(archive, ids):
    chart = archive.timeline(MODELS, by="month")
    assert chart.counts == [("2024-03", 3), ("2024-04", 0), ("2024-05", 1)]
    assert (chart.total, chart.undated) == (4, 0)


def test_timeline_picks_its_period_from_the_span(archive, ids):
    assert archive.timeline(MODELS).by == "week"  # two months
    assert archive.timeline("").by == "month"  # ten months


def test_undated_clippings_are_counted_apart_never_when_added(archive, ids):
    archive.add_bytes(
        b"Sans date\n\nUn texte sur les modeles de langage sans date.\n",
        "n.txt",
        Metadata(lang="fr"),
    )
    chart = archive.timeline(MODELS, by="year")
    assert (chart.total, chart.undated) == (5, 1)
    assert chart.counts == [("2024", 4)]  # not in the year it was added
    years = archive.search(MODELS, facets=("year",)).facets["year"]
    assert years == [("2024", 4), ("undated", 1)]


def test_timeline_cli_formats(runner, ids):
    text = invoke(runner, "search", MODELS, "--timeline", "--by", "month")
    lines = text.stdout.splitlines()
    assert lines[0].startswith("2024-03  ") and lines[0].endswith(" 3")
    assert lines[1] == "2024-04   0"
    assert lines[-1] == "4 clippings by month"
    as_csv = invoke(runner, "search", MODELS, "--timeline", "--by", "month", "--format", "csv")
    assert as_csv.stdout == "period,count\n2024-03,3\n2024-04,0\n2024-05,1\n"
    as_json = json.loads(invoke(runner, "search", MODELS, "--timeline", "--json").stdout)
    assert as_json["by"] == "week" and as_json["total"] == 4


def test_bad_period_is_a_usage_error(runner, ids):
    result = runner.invoke(cli, ["search", "langage", "--timeline", "--by", "decade"])
    assert result.exit_code == 2
    assert "Invalid value for '--by'" in result.stderr


# -- dates people type --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "filters", "expected"),
    [
        ("date:>2024-03", None, [2]),
        ("date:[2024-01 TO 2024-03-10]", None, [0, 4]),
        ("langage", Filters(since="2024-03-05", until="2024-04"), [1, 4]),
        (MODELS, Filters(since="2024"), [0, 1, 2, 4]),
    ],
)
def test_date_forms(archive, ids, query, filters, expected):
    found = {h.clipping.id for h in archive.search(query, filters).hits}
    assert found == {ids[i] for i in expected}


def test_relative_spans_cover_recent_additions(archive, ids):
    archive.add_bytes(
        b"Tout neuf\n\nAjout du jour sur les modeles.\n", "new.txt", Metadata(lang="fr")
    )  # undated: sorts by when it was added, today
    found = archive.search("modeles", Filters(since="7d")).hits
    assert [h.clipping.title for h in found] == ["Tout neuf"]


def test_unreadable_since_is_an_error_not_a_full_search(runner, ids):
    result = runner.invoke(cli, ["search", "langage", "--since", "la semaine d'avant-hier"])
    assert result.exit_code == 2
    assert "cannot read date" in result.stderr


# -- did you mean -------------------------------------------------------------


def test_suggestion_is_accent_aware(archive, ids):
    result = archive.search("modles")
    assert result.total == 0
    assert result.suggestion == "modèles"


def test_no_suggestion_when_words_are_known(archive, ids):
    assert archive.search("modeles langage").suggestion is None


def test_suggestion_on_the_command_line_and_in_json(runner, ids):
    result = runner.invoke(cli, ["search", "secheresse OR redactoins"])
    assert result.exit_code == 0  # one word matched
    data = json.loads(invoke(runner, "search", "redactoins", "--json").stdout or "{}")
    assert data["suggestion"] == "rédactions"
    missing = runner.invoke(cli, ["search", "redactoins"])
    assert missing.exit_code == 1
    assert missing.stderr == "No clipping matches 'redactoins'. Did you mean: rédactions\n"


# -- related clippings --------------------------------------------------------


def test_similar_finds_related_stories_not_itself(archive, ids):
    related = [h.clipping.id for h in archive.similar(ids[0], limit=3)]
    assert ids[0] not in related
    assert related[0] == ids[4]  # the other French story about newsrooms and models
    assert ids[3] not in related  # drought


def test_similar_leaves_out_copies_unless_asked(archive, ids):
    story = "Les rédactions et les modèles de langage\n\n" + " ".join(
        f"Le paragraphe {n} raconte comment la rédaction numéro {n} utilise des modèles "
        f"de langage pour résumer ses dépêches et traduire ses articles."
        for n in range(8)
    )
    original = archive.add_bytes(story.encode(), "o.txt", Metadata(lang="fr")).clipping
    copy = archive.add_bytes(
        (story + " Une phrase du site.").encode(), "c.txt", Metadata(lang="fr", source="Ouest")
    )
    assert copy.near is not None and copy.near.id == original.id
    assert copy.clipping.id not in [h.clipping.id for h in archive.similar(original.id)]
    with_copies = [h.clipping.id for h in archive.similar(original.id, include_copies=True)]
    assert copy.clipping.id in with_copies


def test_similar_cli(runner, ids):
    result = invoke(runner, "similar", ids[0][:6], "--format", "ids")
    assert result.stdout.splitlines()[0] == ids[4]
    unknown = runner.invoke(cli, ["similar", "ffff"])
    assert unknown.exit_code == 1
    assert unknown.stderr == "Error: no clipping with id ffff\n"


# -- saved searches -----------------------------------------------------------


def test_watch_lifecycle(runner, ids, tmp_path):
    assert invoke(runner, "watch", "add", "ia-fr", "langage", "--lang", "fr").stdout == (
        "saved search 'ia-fr': langage\n"
    )
    listed = invoke(runner, "watch", "list").stdout
    assert listed.startswith("ia-fr: langage --lang fr  (last run: never)")
    first = runner.invoke(cli, ["watch", "run", "ia-fr"])
    assert first.exit_code == 1  # nothing added since it was saved
    assert first.stderr == (
        "No new clippings: a saved search reports those added since it was saved or last run.\n"
    )
    new = tmp_path / "new.txt"
    new.write_text("Un nouveau modèle de langage\n\nLe texte parle d'un modèle de langage.\n")
    english = tmp_path / "en.txt"
    english.write_text("A new language model\n\nThe text is about a language model.\n")
    added = invoke(runner, "add", str(new), str(english))
    assert "matches saved search 'ia-fr'" in added.stdout
    run = runner.invoke(cli, ["watch", "run", "ia-fr", "--format", "ids"])
    assert run.exit_code == 0
    assert len(run.stdout.split()) == 1  # the French one only
    again = runner.invoke(cli, ["watch", "run", "ia-fr"])
    assert again.exit_code == 1
    assert invoke(runner, "watch", "rm", "ia-fr").stdout == "removed saved search 'ia-fr'\n"
    assert invoke(runner, "watch", "list", "--json").stdout == "[]\n"


def test_unknown_saved_search(runner, ids):
    result = runner.invoke(cli, ["watch", "run", "nope"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no saved search named 'nope'")


def test_saving_a_malformed_query_is_refused(archive, ids):
    with pytest.raises(UsageError):
        archive.add_watch("bad", "date:2024-13")
    assert archive.watches() == []


# -- exports ------------------------------------------------------------------


def test_jsonl_export_round_trips_through_import(runner, ids, tmp_path):
    exported = tmp_path / "out.jsonl"
    invoke(runner, "export", "--output", str(exported))
    other = tmp_path / "other"
    result = invoke(runner, "--corpus", str(other), "import", str(exported))
    assert result.stderr == "5 added\n"
    again = tmp_path / "again.jsonl"
    invoke(runner, "--corpus", str(other), "export", "--output", str(again))
    assert again.read_text() == exported.read_text()
    # importing its own export into the same corpus stores nothing twice
    assert invoke(runner, "import", str(exported)).stderr == "0 added, 5 already stored\n"


def test_csv_export(runner, ids):
    rows = list(
        csv.DictReader(
            io.StringIO(
                invoke(runner, "export", "langage", "--format", "csv", "--lang", "fr").stdout
            )
        )
    )
    assert [r["title"] for r in rows] == [
        "Un modèle de langage ouvert pour le français",
        "Rédactions et intelligence artificielle : le débat continue",
        "Les modèles de langage gagnent les rédactions",
    ]
    assert rows[2]["author"] == "Claire Martin"
    assert rows[2]["tags"] == "ia;médias"


@pytest.mark.parametrize("group_by", ["day", "source"])
def test_markdown_press_review(runner, ids, group_by):
    text = invoke(
        runner, "export", MODELS, "--format", "md", "--group-by", group_by, "--title", "Revue IA"
    ).stdout
    lines = text.splitlines()
    assert lines[0] == "# Revue IA"
    assert lines[2].startswith(f"Requête : « {MODELS} » · exportée le ")
    assert lines[2].endswith(" · 4 coupures")
    if group_by == "day":
        headings = [line for line in lines if line.startswith("## ")]
        assert headings == ["## 2 mai 2024", "## 20 mars 2024", "## 5 mars 2024", "## 4 mars 2024"]
    else:
        headings = [line for line in lines if line.startswith("## ")]
        assert headings == ["## Le Monde", "## Libération", "## Reuters"]
    block = text.split("### Les modèles de langage gagnent les rédactions\n", 1)[1]
    assert block.startswith("\n*Le Monde · 4 mars 2024 · Claire Martin*\n\nLes rédactions testent")
    assert "<https://example.org/ia-redactions>" in block


def test_markdown_review_files_undated_clippings_under_their_own_heading(archive):
    from datetime import datetime

    from clipper.export import to_markdown

    archive.add_bytes(b"Dated one\n\nUn texte date.\n", "a.txt", Metadata(date="2024-05-02"))
    archive.add_bytes(b"Undated one\n\nUn texte sans date.\n", "b.txt", Metadata())
    text = to_markdown(
        archive.matching(), title="R", query="", group_by="day", exported=datetime(2026, 1, 1)
    )
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## 2 mai 2024", "## Sans date"]
    assert text.split("## Sans date\n", 1)[1].startswith("\n### Undated one\n")


def test_markdown_escapes_clipping_markup(archive):
    archive.add_bytes(
        b"Titre <script>alert(1)</script> [lien](javascript:x)\n\nTexte.\n",
        "x.txt",
        Metadata(lang="fr", url="javascript:alert(1)"),
    )
    from datetime import datetime

    from clipper.export import to_markdown

    text = to_markdown(
        archive.matching(), title="R", query="", group_by="day", exported=datetime(2026, 1, 1)
    )
    assert "\\<script\\>" in text  # shown, escaped
    assert not re.search(r"(?<!\\)<script", text)
    assert not re.search(r"(?<!\\)\]\(javascript", text)  # no live link
    assert "<javascript" not in text  # an unsafe URL is not autolinked


def test_export_to_an_unwritable_path(runner, ids, tmp_path):
    target = tmp_path / "missing-dir" / "out.jsonl"
    result = runner.invoke(cli, ["export", "--output", str(target)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: cannot write {target}: No such file or directory\n"


def test_opensearch_export_is_well_formed(runner, ids, tmp_path):
    target = tmp_path / "bulk.ndjson"
    invoke(runner, "export", "--format", "opensearch", "--output", str(target))
    lines = target.read_text().splitlines()
    assert len(lines) == 10
    for action, document in zip(lines[::2], lines[1::2], strict=True):
        assert set(json.loads(action)) == {"index"}
        assert json.loads(action)["index"]["_id"] in ids
        assert {"title", "text", "source", "date", "lang"} <= set(json.loads(document))
    mapping = json.loads(Path(str(target).replace(".ndjson", ".mapping.json")).read_text())
    analyzers = mapping["settings"]["analysis"]["analyzer"]
    assert {"clipper_exact", "clipper_fr", "clipper_en"} <= set(analyzers)
    properties = mapping["mappings"]["properties"]
    assert properties["title"]["fields"]["fr"]["analyzer"] == "clipper_fr"
    filters = mapping["settings"]["analysis"]["filter"]
    for analyzer in analyzers.values():
        for name in analyzer["filter"]:
            assert name in filters or name in {"lowercase", "asciifolding"}


def test_opensearch_export_needs_an_output(runner, ids):
    result = runner.invoke(cli, ["export", "--format", "opensearch"])
    assert result.exit_code == 2


def test_removing_a_group_first_clipping_puts_its_copies_under_the_next(archive):
    story = "Les ports bretons et la pêche\n\n" + " ".join(
        f"Le paragraphe {n} raconte comment le port numéro {n} accueille les chalutiers "
        f"et vend la pêche du jour aux criées de la côte."
        for n in range(8)
    )
    first = archive.add_bytes(story.encode(), "a.txt", Metadata(lang="fr")).clipping
    second = archive.add_bytes((story + " Une phrase.").encode(), "b.txt", Metadata(lang="fr"))
    third = archive.add_bytes((story + " Deux phrases.").encode(), "c.txt", Metadata(lang="fr"))
    assert second.near.id == first.id and third.near.id == first.id
    archive.remove([first.id])
    head, copy = archive.get(second.clipping.id), archive.get(third.clipping.id)
    assert head.duplicate_of is None and copy.duplicate_of == head.id
    assert archive.check().problems == []
    collapsed = archive.search("chalutiers", collapse=True)
    assert collapsed.total == 1
    assert [c.id for c in collapsed.hits[0].copies] == [copy.id]


def test_a_review_names_its_filters_and_files_sources_as_people_read_them(archive):
    from datetime import datetime

    from clipper.export import to_markdown

    for name, source in (("a", "le Monde"), ("b", None), ("c", "Libération"), ("d", "AFP")):
        text = f"Titre {name}\n\nTexte {name}.\n".encode()
        archive.add_bytes(text, f"{name}.txt", Metadata(source=source, date="2024-05-02"))
    text = to_markdown(
        archive.matching(),
        title="R",
        query="",
        filters={"lang": "fr", "since": "2024-03"},
        group_by="source",
        exported=datetime(2026, 1, 1),
    )
    assert text.splitlines()[2] == (
        "Requête : toutes les coupures · langue : fr · depuis : 2024-03 · "
        "exportée le 1 janvier 2026 · 4 coupures"
    )
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## AFP", "## le Monde", "## Libération", "## Source inconnue"]
    empty = to_markdown([], title="R", query="x", group_by="day", exported=datetime(2026, 1, 1))
    assert empty.splitlines()[2].endswith(" · 0 coupure")


def test_csv_cells_a_spreadsheet_would_run_are_inert(archive):
    import csv as csv_module
    import io as io_module

    from clipper.export import to_csv

    archive.add_bytes(
        b'=HYPERLINK("http://evil.example","clic")\n\nTexte.\n', "x.txt", Metadata(author="@bob")
    )
    row = next(csv_module.DictReader(io_module.StringIO(to_csv(archive.matching()))))
    assert row["title"] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"
    assert row["author"] == "'@bob"


@pytest.mark.parametrize(("name", "shown"), [("ia", "ia"), ("revue ia", "'revue ia'")])
def test_a_saved_search_name_taken_gets_a_hint_that_runs(archive, name, shown):
    archive.add_watch(name, "langage")
    with pytest.raises(UsageError) as taken:
        archive.add_watch(name, "modèles")
    assert taken.value.hint == f"remove it first with 'clipper watch rm {shown}'"
