"""Searching an archive built from team-written clippings: syntax, filters, ranking."""

from __future__ import annotations

import json
import shutil

import pytest

from clipper.archive import Archive
from clipper.errors import QuerySyntaxError
from clipper.ingest import Metadata
from clipper.searching import Filters

DOCS = {
    "phi": (
        "Les modèles Phi misent sur la sobriété\n\n"
        "Microsoft présente ses petits modèles de langage Phi, capables de tourner sur un "
        "ordinateur portable sans connexion.\n\nLes concurrents préparent leurs réponses.\n",
        Metadata(source="Reuters", date="2024-10-17", tags=["ia"], lang="fr"),
    ),
    "train": (
        "Grève : des départs supprimés\n\n"
        "La moitié des trains régionaux sont annulés ce mardi, selon la SNCF. Les voyageurs "
        "sont invités à reporter leur départ.\n",
        Metadata(source="Le Progrès", date="2024-03-05", tags=["transports"], lang="fr"),
    ),
    "bank": (
        "Central bank keeps rates on hold\n\n"
        "The central bank left rates unchanged as inflation cooled for a fourth month, "
        "and said models of the economy pointed to slower growth.\n",
        Metadata(source="AFP", date="2024-03-20", tags=["économie"], lang="en"),
    ),
    "museum": (
        "Le musée rouvre avec une œuvre majeure\n\n"
        "Le chef-d'œuvre restauré est de nouveau visible. L'exposition présente aussi des "
        "modèles réduits de l'atelier du peintre.\n",
        Metadata(source="Le Monde", date="2023-06-01", tags=["culture"], lang="fr"),
    ),
}


@pytest.fixture
def ids(archive: Archive) -> dict[str, str]:
    found = {}
    for key, (text, metadata) in DOCS.items():
        outcome = archive.add_bytes(text.encode(), f"{key}.txt", metadata)
        assert outcome.status == "added", outcome.error
        found[key] = outcome.clipping.id
    return found


def _keys(result, ids) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h.clipping.id] for h in result.hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Phi", ["phi"]),
        ("phi modèles", ["phi"]),  # AND by default
        ("sobriete", ["phi"]),  # no accent typed
        ("phi OR grève", ["phi", "train"]),
        # A query word meets every language's stemmer: French "modèles" and English
        # "models" share the stem "model".
        ("modèles NOT phi", ["museum", "bank"]),
        # A minus starting a word or a phrase excludes, as NOT does...
        ("modèles -phi", ["museum", "bank"]),
        ('modèles -"petits modèles"', ["museum", "bank"]),
        ("-phi modèles", ["museum", "bank"]),
        ("modèles -(phi OR musée)", ["bank"]),
        # ...not one inside a word or a phrase.
        ("chef-d'œuvre", ["museum"]),
        ('"-phi" sobriété', ["phi"]),
        ('"petits modèles de langage"', ["phi"]),
        ('"modèles petits"', []),
        ("source:reuters", ["phi"]),
        ('source:"le progrès"', ["train"]),
        ("tag:economie", ["bank"]),
        ("lang:en", ["bank"]),
        ("lang:EN", ["bank"]),  # a language as --lang reads it: code, tag or name
        ("lang:English", ["bank"]),
        ("lang:en-GB", ["bank"]),
        ('lang:"English"', ["bank"]),
        ("lang:elvish", []),  # a value no clipping is stored under finds nothing
        ("modèles NOT lang:anglais", ["phi", "museum"]),
        ("title:musee", ["museum"]),
        ("title:modèle", ["phi"]),  # title group includes the stemmed title
        ("ordinat*", ["phi"]),
        ("connexon~", ["phi"]),
        ("date:2024-03", ["train", "bank"]),
        ("date:2023", ["museum"]),
        ("date:[2024-03-01 TO 2024-03-10]", ["train"]),
        ("date:>2024-03", ["phi"]),
        ("date:<2024", ["museum"]),
        ("chef-d'œuvre", ["museum"]),
    ],
)
def test_query_language(archive, ids, query, expected):
    result = archive.search(query, limit=10)
    assert sorted(_keys(result, ids)) == sorted(expected)
    assert result.total == len(expected)


def test_title_matches_rank_first(archive, ids):
    # "modèles" is in phi's title and in museum's body only.
    assert _keys(archive.search("modèles"), ids)[:2] == ["phi", "museum"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(source="Le Monde"), ["museum"]),
        (Filters(lang="fr"), ["phi", "train", "museum"]),
        (Filters(tag="IA"), ["phi"]),
        (Filters(since="2024-03-10"), ["phi", "bank"]),
        (Filters(until="2024-03"), ["train", "bank", "museum"]),
        (Filters(since="2024", until="2024-03-06"), ["train"]),
    ],
)
def test_filters(archive, ids, filters, expected):
    result = archive.list_clippings(filters)
    assert sorted(_keys(result, ids)) == sorted(expected)


def test_list_is_newest_first(archive, ids):
    assert _keys(archive.list_clippings(), ids) == ["phi", "bank", "train", "museum"]


def test_limit_and_offset_page_through_hits(archive, ids):
    everything = _keys(archive.list_clippings(), ids)
    page = archive.list_clippings(limit=2, offset=1)
    assert _keys(page, ids) == everything[1:3]
    assert page.total == 4


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date:2024-13", "invalid"),
        ("date:jadis", "cannot read date"),
        ("nosuchfield:x", "unknown field 'nosuchfield'"),
        ("x" * 1001, "query too long"),
        # A field with nothing after it, or a range left open, is not read as words.
        ("title:", r"^'title:' has nothing after it$"),
        ("grève date:", r"^'date:' has nothing after it$"),
        ("date:[2024 TO", r"^unclosed range 'date:\[2024 TO'$"),
        ("phi date:[2024-01 TO 2024-06", r"^unclosed range 'date:\[2024-01 TO 2024-06'$"),
        # Errors quote the query as typed, not as rewritten for the parser.
        ("NOT -phi x", r"^cannot parse query 'NOT -phi x'$"),
    ],
)
def test_malformed_queries_raise_usage_errors(archive, ids, query, message):
    with pytest.raises(QuerySyntaxError, match=message) as excinfo:
        archive.search(query)
    assert excinfo.value.exit_code == 2


def test_lang_finds_a_code_the_language_identifier_stored(archive, ids):
    # py3langid answers codes of three letters (yue, kab) as well as two.
    text = "Titre\n\nUn texte en cantonais.\n"
    outcome = archive.add_bytes(text.encode(), "yue.txt", Metadata(lang="fr"))
    clipping = outcome.clipping
    clipping.lang = "yue"  # as stored when identified, not typed
    archive.corpus.update(clipping)
    archive.reindex()
    assert [h.clipping.id for h in archive.search("lang:yue").hits] == [clipping.id]
    assert [h.clipping.id for h in archive.search("lang:YUE").hits] == [clipping.id]


def test_snippet_highlights_words_matched_through_stemming_and_folding(archive, ids):
    hit = archive.search("modele").hits[0]
    highlighted = {hit.snippet.text[s:e] for s, e in hit.snippet.highlights}
    assert highlighted == {"modèles"}


def test_snippet_never_cuts_a_word(archive):
    words = " ".join(f"mot{i}" for i in range(200))
    text = f"Titre court\n\n{words} cible {words}\n"
    archive.add_bytes(text.encode(), "long.txt", Metadata(lang="fr"))
    snippet = archive.search("cible").hits[0].snippet.text
    assert "cible" in snippet
    inner = snippet.strip("…").split()
    assert all(w.startswith("mot") and w[3:].isdigit() or w == "cible" for w in inner)


def test_snippet_strips_terminal_escapes(archive):
    text = "Titre\n\nUn texte piégé \x1b[31mrouge\x1b[0m et \x1b]0;titre\x07 cible ici.\n"
    archive.add_bytes(text.encode(), "evil.txt", Metadata(lang="fr"))
    snippet = archive.search("cible").hits[0].snippet.text
    assert "\x1b" not in snippet and "\x07" not in snippet
    assert "rouge" in snippet


def test_missing_index_is_rebuilt_on_search(archive, ids):
    archive.close()
    shutil.rmtree(archive.corpus.index_dir)
    assert archive.search("Phi").total == 1
    assert archive.corpus.index_dir.is_dir()


def test_stale_schema_version_is_rebuilt(archive, ids):
    archive.close()
    (archive.corpus.index_dir / "clipper-index.json").write_text('{"schema": 0}')
    assert archive.search("Phi").total == 1


def test_the_cli_says_why_an_older_index_is_rebuilt(archive, ids, runner):
    from clipper.cli import cli

    archive.close()
    (archive.corpus.index_dir / "clipper-index.json").write_text('{"schema": 0}')
    first = runner.invoke(cli, ["search", "Phi", "--format", "ids"])
    assert first.exit_code == 0 and first.stdout == f"{ids['phi']}\n"
    assert first.stderr == (
        "Rebuilding the index: it was made by another version of clipper "
        "(once; the clippings are untouched).\n"
    )
    again = runner.invoke(cli, ["search", "Phi", "--format", "ids"])
    assert again.exit_code == 0 and again.stderr == ""


def test_reindex_restores_everything_from_the_files(archive, ids):
    archive.close()
    shutil.rmtree(archive.corpus.index_dir)
    assert archive.reindex() == 4
    assert archive.search("grève").total == 1


def test_filtered_totals_count_only_what_the_filter_keeps(archive):
    for n in range(25):
        source = "AFP" if n < 3 else "Reuters"
        archive.add_bytes(
            f"Tramway {n}\n\nLe tramway numéro {n} circule.\n".encode(),
            f"t{n}.txt",
            Metadata(lang="fr", source=source),
        )
    result = archive.search("tramway", Filters(source="AFP"), limit=1)
    assert result.total == 3
    assert len(archive.matching("tramway", Filters(source="AFP"))) == 3
    assert archive.search("tramway", limit=1).total == 25
    # A filter keeping nothing made Whoosh count the unfiltered matches.
    assert archive.search("tramway", Filters(lang="en"), limit=1).total == 0
    assert archive.search("tramway", Filters(since="2030"), limit=1).total == 0


# -- fields as typed -----------------------------------------------------------


@pytest.fixture
def with_urls(archive: Archive, ids: dict[str, str]) -> dict[str, str]:
    for key, url in (
        ("phi", "https://www.lemonde.fr/economie/article/2024/10/17/phi_123.html"),
        ("train", "http://auto.orange.fr/news/greve-ter.html#haut"),
        ("bank", "https://apnews.com/article/rates-hold"),
    ):
        text, metadata = DOCS[key]
        metadata = Metadata(**{**metadata.__dict__, "url": url})
        archive.remove([ids[key]])
        outcome = archive.add_bytes(text.encode(), f"{key}.txt", metadata)
        assert outcome.clipping.id == ids[key]
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("url:https://www.lemonde.fr/economie/article/2024/10/17/phi_123.html", ["phi"]),
        ('url:"https://www.lemonde.fr/economie/article/2024/10/17/phi_123.html"', ["phi"]),
        ("url:http://lemonde.fr/economie/article/2024/10/17/phi_123.html", ["phi"]),
        ("url:https://www.lemonde.fr/economie", ["phi"]),
        ("url:lemonde.fr", ["phi"]),
        ("url:lemonde", ["phi"]),
        ("url:https://auto.orange.fr/news/greve-ter.html", ["train"]),
        ("url:auto.orange.fr/news", ["train"]),
        ("url:https://www.lemonde.fr/sport", []),
        ("url:apnews.com/article/rates-hold/", ["bank"]),
    ],
)
def test_url_takes_a_full_address_a_prefix_or_a_host(archive, with_urls, query, expected):
    assert _keys(archive.search(query), with_urls) == expected


def test_id_takes_a_prefix_as_show_does(archive, ids):
    phi = ids["phi"]
    for query in (f"id:{phi}", f"id:{phi[:8]}", f"id:{phi[:4].upper()}", f'id:"{phi[:6]}"'):
        assert _keys(archive.search(query), ids) == ["phi"], query
    assert archive.search("id:" + "".join("f" if c != "f" else "0" for c in phi)).total == 0


def test_did_you_mean_leaves_field_values_alone(archive, with_urls):
    result = archive.search("modeles url:https://www.lemonde.fr/sprot")
    assert result.total == 0
    assert result.suggestion is None
    result = archive.search("modles url:lemonde.fr")
    assert result.suggestion == "modèles url:lemonde.fr"


@pytest.mark.parametrize("absent", ["zzz*", "zzzq~", "url:example.net/none", "id:ffff0000"])
def test_an_expansion_matching_nothing_does_not_widen_an_and(archive, ids, absent):
    assert archive.search("modèles").total == 3
    assert archive.search(f"modèles {absent}").total == 0
    assert archive.search(f"modèles OR {absent}").total == 3


@pytest.mark.parametrize("sort", ["relevance", "date", "-date"])
def test_searching_an_empty_archive_finds_nothing(archive, sort):
    result = archive.search("modèles", sort=sort, facets=("year", "tag"))
    assert (result.total, result.hits) == (0, [])
    assert archive.add_watch("ia", "modèles").name == "ia"


def test_keywords_are_searched_by_name_only(archive, tmp_path):
    path = tmp_path / "in.jsonl"
    record = {"title": "Le budget", "text": "La ville vote.", "keywords": ["finances", "Lyon"]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    clipping = archive.import_jsonl(path).added[0].clipping
    assert clipping.keywords == ["finances", "Lyon"] and clipping.tags == []
    assert [h.clipping.id for h in archive.search("keywords:lyon").hits] == [clipping.id]
    assert archive.search("finances").total == 0  # a plain word searches the text


@pytest.mark.parametrize(
    ("query", "match"),
    [
        ('"l unite sanitaire"', "all"),
        ('"l’unité sanitaire"', "all"),
        ('"ecole d arles"', "all"),
        ("l unite sanitaire", "auto"),  # a lone "l" is a word found nowhere: relaxed away
    ],
)
def test_an_elided_word_typed_without_its_apostrophe_still_matches(archive, query, match):
    text = "L'unité sanitaire ouvre\n\nLa ville ouvre l'unité sanitaire, près de l'école d'Arles.\n"
    clipping = archive.add_bytes(text.encode(), "u.txt", Metadata(lang="fr")).clipping
    assert [h.clipping.id for h in archive.search(query, match=match).hits] == [clipping.id]


@pytest.mark.parametrize("query", ["7500 postes", "7 500 postes", "7.500 postes", "7,500 postes"])
def test_numbers_match_however_they_are_written(archive, query):
    text = "Air France supprime des postes\n\nLa compagnie supprime 7.500 postes d'ici 2027.\n"
    clipping = archive.add_bytes(text.encode(), "af.txt", Metadata(lang="fr")).clipping
    other = "Un taux à 2,5 %\n\nLa banque fixe son taux à 2,5 % et garde 2 agences sur 5.\n"
    archive.add_bytes(other.encode(), "taux.txt", Metadata(lang="fr"))
    assert [h.clipping.id for h in archive.search(query, match="all").hits] == [clipping.id]
    assert [h.clipping.title for h in archive.search('"2.5 %"', match="all").hits] == [
        "Un taux à 2,5 %"
    ]


def test_the_archive_lists_its_clipping_ids(archive, ids):
    assert archive.clipping_ids() == sorted(ids.values())
    assert archive.count() == len(ids)


def test_a_comma_separates_tags_and_a_quoted_list_of_tags_finds_them_all(archive):
    outcome = archive.add_bytes(
        b"Un titre\n\nUn texte sur les robots.\n",
        "robots.txt",
        Metadata(tags=["ia,tech", " économie  politique ", "IA"]),
    )
    assert outcome.clipping.tags == ["ia", "tech", "économie politique"]
    for query in ('tag:"ia,tech"', "tag:tech", 'tag:"économie politique"'):
        assert archive.search(query).total == 1, query
    assert archive.search('tag:"ia,sport"').total == 0
    assert archive.list_clippings(Filters(tag="tech")).total == 1
