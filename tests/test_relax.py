"""Relaxed matching: which words stop being required, in what order, and how it is shown."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clipper import searching
from clipper.archive import Archive
from clipper.cli import cli
from clipper.errors import ClipperError
from clipper.ingest import Metadata
from clipper.options import Filters

# Written for these tests. "report" is in all clippings but one; "harvest" in two,
# "brazil" in three, "cocoa" in four; no clipping has "zzzqx".
DOCS = {
    "full": (
        "Cocoa harvest in Brazil: the market report",
        "Farmers in Brazil expect a smaller cocoa harvest, the weekly report says.",
    ),
    "three": (
        "Brazil cocoa harvest starts early",
        "Rain came early this year and the cocoa harvest in Brazil started in April.",
    ),
    "cocoa_brazil": (
        "Cocoa exports from Brazil",
        "Exports of cocoa beans from Brazil rose, a customs report shows.",
    ),
    "cocoa_only": (
        "Cocoa cocoa cocoa",
        "Cocoa prices, cocoa futures and cocoa butter: a cocoa report.",
    ),
    "weather": ("Weather report", "Sunny spells and showers, says the report of the day."),
    "football": ("Football report", "The home side won two to one, the match report says."),
    "hamlet": (
        "A stage report",
        "The actor said to be or not to be before the interval, the report notes.",
    ),
    "stops": ("The report of the night", "It was the end of the show and the report."),
}

QUERY = "zzzqx report cocoa brazil harvest"


@pytest.fixture
def ids(archive: Archive) -> dict[str, str]:
    found = {}
    for key, (title, text) in DOCS.items():
        outcome = archive.add_bytes(
            f"{title}\n\n{text}\n".encode(), f"{key}.txt", Metadata(lang="en")
        )
        assert outcome.status == "added", outcome.error
        found[key] = outcome.clipping.id
    return found


@pytest.fixture
def two_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    """Strict is enough from two clippings: small fixtures show every relaxing step."""
    monkeypatch.setattr(searching, "RELAX_BELOW", 2)


def _keys(result, ids: dict[str, str]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[h.clipping.id] for h in result.hits]


def test_a_word_found_nowhere_is_dropped_first_then_the_most_common(
    archive: Archive, ids: dict[str, str], two_enough: None
) -> None:
    result = archive.search(QUERY)
    assert result.relaxed
    # zzzqx matches nothing; "report" (every clipping) goes before the rarer words.
    assert result.dropped == ["zzzqx", "report"]
    assert _keys(result, ids) == ["full", "three"]
    assert [h.matched for h in result.hits] == [4, 3]
    assert result.words == 5


@pytest.mark.parametrize("query", [f"{QUERY} says", f"{QUERY} says lang:en"])
@pytest.mark.parametrize("sort", ["relevance", "-date"])
def test_words_not_required_read_among_the_matches_rank_alike(
    archive: Archive,
    ids: dict[str, str],
    two_enough: None,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    sort: str,
) -> None:
    # "harvest" and "brazil" are required; "says" is read whole (it leaves
    # too few), "cocoa" and "report" need only be read among the two
    # clippings the required words find: read there or whole, they must give
    # the same page, scores and counts.
    def page() -> tuple[object, ...]:
        result = archive.search(query, sort=sort, facets=["source", "lang"])
        assert result.relaxed and {"says", "cocoa", "report"} <= set(result.dropped)
        hits = [(h.clipping.id, h.score, h.matched) for h in result.hits]
        return result.total, hits, result.facets

    monkeypatch.setattr(searching, "READ_AMONG_BELOW", 0)
    among = page()
    monkeypatch.setattr(searching, "READ_AMONG_BELOW", 10**9)
    assert page() == among


def test_word_order_does_not_matter(
    archive: Archive, ids: dict[str, str], two_enough: None
) -> None:
    forward = archive.search(QUERY)
    for query in ("harvest brazil cocoa report zzzqx", "cocoa zzzqx harvest report brazil"):
        other = archive.search(query)
        assert sorted(other.dropped) == sorted(forward.dropped)
        assert other.dropped[0] == "zzzqx"
        assert _keys(other, ids) == _keys(forward, ids)


def test_more_words_rank_above_a_higher_score(archive: Archive, ids: dict[str, str]) -> None:
    result = archive.search("cocoa brazil harvest", match="any")
    keys = _keys(result, ids)
    # cocoa_only repeats cocoa everywhere but has neither brazil nor harvest.
    assert keys.index("full") < keys.index("cocoa_brazil") < keys.index("cocoa_only")
    assert result.hits[0].matched == 3


def test_strict_mode_requires_every_word(archive: Archive, ids: dict[str, str]) -> None:
    strict = archive.search(QUERY, match="all")
    assert strict.total == 0 and not strict.relaxed and strict.dropped == []
    assert archive.search(QUERY).total > 0


def test_a_short_query_found_together_is_not_relaxed(archive: Archive, ids: dict[str, str]) -> None:
    result = archive.search("cocoa harvest")
    assert not result.relaxed
    assert sorted(_keys(result, ids)) == ["full", "three"]


def test_saved_searches_stay_strict(archive: Archive) -> None:
    archive.add_watch("cocoa", QUERY)
    for key, (title, text) in DOCS.items():
        archive.add_bytes(f"{title}\n\n{text}\n".encode(), f"{key}.txt", Metadata(lang="en"))
    ((_, result),) = archive.run_watches("cocoa")
    assert result.total == 0 and not result.relaxed
    assert archive.search(QUERY).total > 0


def test_a_search_saved_relaxed_relaxes(archive: Archive) -> None:
    archive.add_watch("strict", QUERY)
    archive.add_watch("relaxed", QUERY, match="auto")
    added = [
        archive.add_bytes(f"{title}\n\n{text}\n".encode(), f"{key}.txt", Metadata(lang="en"))
        for key, (title, text) in DOCS.items()
    ]
    full = added[0].clipping.id
    assert archive.watches_matching([full]) == {"relaxed": [full]}
    runs = {watch.name: result for watch, result in archive.run_watches()}
    assert runs["strict"].total == 0
    assert runs["relaxed"].relaxed
    assert full in {hit.clipping.id for hit in runs["relaxed"].hits}


def test_cli_saves_a_relaxed_search(
    runner: CliRunner, corpus_dir: Path, ids: dict[str, str]
) -> None:
    added = runner.invoke(cli, ["watch", "add", "cocoa", QUERY, "--match", "auto"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["watch", "list"]).stdout
    assert listed.startswith(f"cocoa: {QUERY} --match auto  (last run: never)")
    saved = json.loads((corpus_dir / "watches.json").read_text(encoding="utf-8"))
    assert saved["watches"][0]["match"] == "auto"


def test_searches_saved_before_the_match_mode_stay_strict(
    archive: Archive, corpus_dir: Path
) -> None:
    record = {"name": "old", "query": QUERY, "created": "2024-01-01T00:00:00+00:00"}
    (corpus_dir / "watches.json").write_text(json.dumps({"watches": [record]}), encoding="utf-8")
    assert [w.match for w in archive.watches()] == ["all"]


def test_an_unknown_saved_match_mode_is_named(archive: Archive, corpus_dir: Path) -> None:
    record = {"name": "odd", "query": QUERY, "created": "2024-01-01T00:00:00+00:00"}
    record["match"] = "some"
    (corpus_dir / "watches.json").write_text(json.dumps({"watches": [record]}), encoding="utf-8")
    with pytest.raises(ClipperError, match="saved search 'odd' has an unknown match mode 'some'"):
        archive.watches()


def test_stop_words_are_optional(archive: Archive, ids: dict[str, str]) -> None:
    # "the" and "of" are absent from the exports story: it is still found.
    result = archive.search("the exports of cocoa")
    assert "cocoa_brazil" in _keys(result, ids)
    assert not result.relaxed and result.words == 2


def test_a_query_of_stop_words_requires_them_all(archive: Archive, ids: dict[str, str]) -> None:
    result = archive.search("it of the and")
    assert _keys(result, ids) == ["stops"]
    assert not result.relaxed


def test_a_phrase_of_stop_words(archive: Archive, ids: dict[str, str]) -> None:
    result = archive.search('"to be or not to be"')
    assert _keys(result, ids) == ["hamlet"]


def test_a_phrase_stays_required_when_words_are_dropped(
    archive: Archive, ids: dict[str, str]
) -> None:
    result = archive.search('"cocoa harvest" zzzqx brazil weekly farmers')
    assert result.relaxed and "zzzqx" in result.dropped
    assert set(_keys(result, ids)) <= {"full", "three"}
    assert _keys(result, ids)[0] == "full"


def test_no_did_you_mean_when_relaxing_answers(archive: Archive, ids: dict[str, str]) -> None:
    result = archive.search("cocoa harvets")
    assert result.relaxed and result.total
    assert result.suggestion is None


def test_json_carries_matched_words(
    runner: CliRunner, ids: dict[str, str], two_enough: None
) -> None:
    outcome = runner.invoke(cli, ["search", QUERY, "--json"])
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.stdout)
    assert data["relaxed"] is True
    assert data["dropped"] == ["zzzqx", "report"]
    assert data["words"] == 5
    assert data["match"] == "auto"
    assert [h["matched"] for h in data["hits"]] == [4, 3]


@pytest.mark.parametrize("query", ["cocoa OR harvest", '"cocoa harvest"', "title:cocoa"])
def test_json_counts_no_words_for_a_query_of_none(
    runner: CliRunner, ids: dict[str, str], query: str
) -> None:
    outcome = runner.invoke(cli, ["search", query, "--json"])
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.stdout)
    assert data["words"] == 0 and data["hits"]
    assert {h["matched"] for h in data["hits"]} == {None}


def test_cli_says_how_many_words_matched(
    runner: CliRunner, ids: dict[str, str], two_enough: None
) -> None:
    outcome = runner.invoke(cli, ["search", QUERY])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.stdout.splitlines()
    assert sum("matched 4 of 5 words" in line for line in lines) == 1
    assert sum("matched 3 of 5 words" in line for line in lines) == 1
    assert lines[-1] == (
        "Relaxed: too few clippings hold every word; most words matched first; "
        "not required: zzzqx, report."
    )


def test_cli_match_any_says_any_word_matches(runner: CliRunner, ids: dict[str, str]) -> None:
    # Asked for, not forced by too few matches: the notice says so.
    outcome = runner.invoke(cli, ["search", "cocoa brazil", "--match", "any"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.splitlines()[-1] == (
        "Any word matches (--match any); most words matched first."
    )


def test_cli_match_all(runner: CliRunner, ids: dict[str, str]) -> None:
    outcome = runner.invoke(cli, ["search", QUERY, "--match", "all"])
    assert outcome.exit_code == 1
    assert "No clipping matches" in outcome.stderr


@pytest.fixture
def client(ids: dict[str, str], corpus_dir: Path, two_enough: None) -> Iterator[object]:
    from clipper.web.app import create_app

    app = create_app(corpus_dir, secret_key=b"0123456789abcdef" * 2, host="127.0.0.1", port=8765)
    yield app.test_client()
    app.extensions["clipper"].archive.close()


def _page(client, path: str) -> str:
    response = client.get(path, headers={"Host": "127.0.0.1:8765"})
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def test_web_page_shows_relaxing(client) -> None:
    html = _page(client, "/?q=zzzqx+report+cocoa+brazil+harvest&lang=en")
    assert html.count("matched 4 of 5 words") == 1
    assert html.count("matched 3 of 5 words") == 1
    assert 'class="relaxed"' in html and "zzzqx, report" in html
    strict = _page(client, "/?q=zzzqx+report+cocoa+brazil+harvest&match=all")
    assert "matched 4 of 5 words" not in strict and 'class="relaxed"' not in strict
    assert '<option value="all" selected>' in strict
    any_word = _page(client, "/?q=cocoa+brazil&match=any")
    assert "Any word matches: clippings matching most words come first." in any_word
    assert "Too few clippings hold every word" not in any_word


def test_a_phrase_found_nowhere_is_dropped_like_a_word(
    archive: Archive, ids: dict[str, str]
) -> None:
    result = archive.search('"cocoa banana" cocoa harvest brazil farmers')
    assert result.relaxed
    assert result.dropped[0] == '"cocoa banana"'
    assert _keys(result, ids)[0] == "full"
    assert archive.search('"cocoa banana" cocoa harvest', match="all").total == 0


@pytest.mark.parametrize("query", ["pourquoi cocoa exports", "combien de cocoa exports"])
def test_question_words_are_optional(archive: Archive, ids: dict[str, str], query: str) -> None:
    # No clipping says "pourquoi" or "combien": they are not words to find.
    result = archive.search(query)
    assert _keys(result, ids) == ["cocoa_brazil"]
    assert not result.relaxed and result.words == 2 and result.dropped == []


def test_a_repeated_word_weighs_as_often_as_typed(archive: Archive, ids: dict[str, str]) -> None:
    # Each word is in one clipping: only the repeats can order them.
    football = archive.search("weather football football football", match="any")
    weather = archive.search("football weather weather weather", match="any")
    assert _keys(football, ids) == ["football", "weather"]
    assert _keys(weather, ids) == ["weather", "football"]


GLACIERS = {
    "first": (
        "Glacier melting threatens alpine villages",
        "The glacier melting threatens alpine villages and their water supply, "
        "hydrologists at the observatory said.",
    ),
    "second": (
        "Alpine villages fear for their water",
        "Alpine villages fear for their water supply as glacier melting speeds up, "
        "hydrologists warn.",
    ),
    "third": (
        "Hydrologists measure the glaciers",
        "Hydrologists say glacier melting threatens the water supply of alpine villages.",
    ),
    "hydrologists": (
        "Water supply plans",
        "The water supply of the city will be reviewed next year by hydrologists.",
    ),
    "engineers": ("Water supply plans", "The water supply of the city is reviewed by engineers."),
}
QUESTION = "how glacier melting threatens the water supply of alpine villages"


@pytest.fixture
def glaciers(archive: Archive) -> dict[str, str]:
    found = {}
    for key, (title, text) in GLACIERS.items():
        outcome = archive.add_bytes(
            f"{title}\n\n{text}\n".encode(), f"{key}.txt", Metadata(lang="en")
        )
        assert outcome.status == "added", outcome.error
        found[key] = outcome.clipping.id
    return found


def test_feedback_words_rerank_a_question(archive: Archive, glaciers: dict[str, str]) -> None:
    # "hydrologists", in most of the best answers, lifts the plan that names
    # them above a shorter plan with the same words of the question.
    keys = _keys(archive.search(QUESTION), glaciers)
    assert keys.index("hydrologists") < keys.index("engineers")


def test_without_feedback_the_shorter_plan_ranks_first(
    archive: Archive, glaciers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "FEEDBACK_DOCS", 0)
    keys = _keys(archive.search(QUESTION), glaciers)
    assert keys.index("engineers") < keys.index("hydrologists")


def test_a_short_query_gets_no_feedback(archive: Archive, glaciers: dict[str, str]) -> None:
    result = archive.search("water supply glacier zzzqx")  # relaxed, but four words
    keys = _keys(result, glaciers)
    assert result.relaxed and keys.index("engineers") < keys.index("hydrologists")


LATE_PLAN = (
    "The valley's long-term water supply plan, debated for a decade by the regional "
    "council, its committees, the farmers' unions, the ski resorts and the chambers of "
    "commerce, now goes to the hydrologists, whose report on wells, reservoirs, pipes, "
    "pumping stations and the cost of each is expected before the summer, officials said."
)


def test_feedback_reranks_every_clipping_scored(
    archive: Archive, glaciers: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 240 short plans share the question's "water supply"; a long one that
    # also names the hydrologists of the best answers ranks below all of them
    # on the question's words, and above all of them with feedback.
    lines = [
        json.dumps(
            {
                "title": f"Plan {n}",
                "text": f"The water supply of district {n} is reviewed by the council.",
                "lang": "en",
            }
        )
        for n in range(240)
    ]
    lines.append(json.dumps({"title": "Valley plan", "text": LATE_PLAN, "lang": "en"}))
    path = tmp_path / "plans.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert archive.import_jsonl(path).counts["added"] == len(lines)

    def late_and_plans() -> tuple[int, list[int]]:
        texts = [hit.clipping.text for hit in archive.search(QUESTION, limit=300).hits]
        plans = [n for n, text in enumerate(texts) if text.endswith("by the council.")]
        return texts.index(LATE_PLAN), plans

    late, plans = late_and_plans()
    assert len(plans) == 240 and late < min(plans)
    monkeypatch.setattr(searching, "FEEDBACK_DOCS", 0)
    late, plans = late_and_plans()
    assert late > max(plans) > 200


# A phrase, a field, an exclusion or --collapse (the page's "show each wire
# story once") must not change how a question is ranked.
WITH_CONSTRAINTS = [
    pytest.param(f'{QUESTION} "water supply"', {}, id="phrase"),
    pytest.param(f"{QUESTION} lang:en", {}, id="field"),
    pytest.param(f"{QUESTION} -football", {}, id="minus"),
    pytest.param(f"{QUESTION} NOT football", {}, id="not"),
    pytest.param(QUESTION, {"collapse": True}, id="collapse"),
]


@pytest.mark.parametrize(("query", "options"), WITH_CONSTRAINTS)
def test_feedback_reranks_a_question_with_constraints(
    archive: Archive, glaciers: dict[str, str], query: str, options: dict[str, bool]
) -> None:
    result = archive.search(query, **options)
    keys = _keys(result, glaciers)
    assert result.relaxed and len(keys) == 5
    assert keys == _keys(archive.search(QUESTION), glaciers)


@pytest.mark.parametrize(("query", "options"), WITH_CONSTRAINTS)
def test_without_feedback_a_question_with_constraints_ranks_the_shorter_plan_first(
    archive: Archive,
    glaciers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    options: dict[str, bool],
) -> None:
    monkeypatch.setattr(searching, "FEEDBACK_DOCS", 0)
    keys = _keys(archive.search(query, **options), glaciers)
    assert keys.index("engineers") < keys.index("hydrologists")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f'{QUESTION} "their water"', {"first", "second"}),
        (f"{QUESTION} -observatory", {"second", "third", "hydrologists", "engineers"}),
        (f"{QUESTION} lang:fr", set()),
    ],
)
def test_a_relaxed_question_keeps_its_phrases_fields_and_exclusions(
    archive: Archive, glaciers: dict[str, str], query: str, expected: set[str]
) -> None:
    result = archive.search(query)
    assert set(_keys(result, glaciers)) == expected
    assert result.total == len(expected)


def test_an_exclusion_or_a_field_narrows_a_question_without_scoring(
    archive: Archive, glaciers: dict[str, str]
) -> None:
    # Whoosh scores a NOT, and a field's term, as a constant added to every
    # match: times each clipping's coverage, it would reorder them.
    def ranked(result) -> list[tuple[str, float]]:
        return [(hit.clipping.id, round(hit.score, 9)) for hit in result.hits]

    bare = archive.search(QUESTION)
    assert ranked(archive.search(f"{QUESTION} -zzzqx")) == ranked(bare)
    assert ranked(archive.search(f"{QUESTION} NOT zzzqx NOT qqqzx")) == ranked(bare)
    assert ranked(archive.search(f"{QUESTION} lang:en")) == ranked(
        archive.search(QUESTION, Filters(lang="en"))
    )


def test_a_phrase_beside_a_question_adds_its_own_score(
    archive: Archive, glaciers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searching, "FEEDBACK_DOCS", 0)  # the same words for both
    phrase = '"water supply"'
    bare = {hit.clipping.id: hit.score for hit in archive.search(QUESTION).hits}
    alone = {hit.clipping.id: hit.score for hit in archive.search(phrase).hits}
    both = archive.search(f"{QUESTION} {phrase}")
    assert len(both.hits) == 5 and all(alone.values())
    for hit in both.hits:
        assert hit.score == pytest.approx(bare[hit.clipping.id] + alone[hit.clipping.id])


PORTS = "Les ports bretons et la pêche\n\n" + " ".join(
    f"Le paragraphe {n} raconte comment le port numéro {n} accueille les chalutiers "
    f"et vend la pêche du jour aux criées de la côte."
    for n in range(8)
)
HARBOUR_NEWS = {
    "story": PORTS,
    "copy": PORTS + " Une phrase.",
    "second_copy": PORTS + " Deux phrases.",
    "auction": "Les criées du Finistère\n\nLa criée de Douarnenez vend moins de sardines.",
    "trawlers": "Chalutiers à quai\n\nLes chalutiers de Lorient restent à quai faute de gazole.",
    "docks": "Le port de Brest s'agrandit\n\nLe port de Brest ouvre un quai pour les navires.",
}
HARBOUR_QUESTION = "pourquoi les chalutiers bretons vendent leur pêche aux criées du port"


@pytest.fixture
def harbours(archive: Archive) -> dict[str, str]:
    found = {}
    for key, text in HARBOUR_NEWS.items():
        outcome = archive.add_bytes(text.encode(), f"{key}.txt", Metadata(lang="fr"))
        assert outcome.status == "added", outcome.error
        found[key] = outcome.clipping.id
    return found


def test_a_collapsed_relaxed_question_counts_each_story_once(
    archive: Archive, harbours: dict[str, str]
) -> None:
    plain = archive.search(HARBOUR_QUESTION)
    collapsed = archive.search(HARBOUR_QUESTION, collapse=True)
    assert plain.relaxed and collapsed.relaxed
    assert plain.total == 6 and collapsed.total == 4
    first = collapsed.hits[0]
    assert {first.clipping.id, *(c.id for c in first.copies)} == {
        harbours[k] for k in ("story", "copy", "second_copy")
    }
    others = [
        hit
        for hit in plain.hits
        if hit.clipping.id not in {harbours["copy"], harbours["second_copy"]}
    ]
    assert [h.clipping.id for h in collapsed.hits] == [h.clipping.id for h in others]


def _score_only(monkeypatch: pytest.MonkeyPatch, clippings: int) -> None:
    """Relaxed queries and questions alike score ``clippings`` (or a page)."""
    monkeypatch.setattr(searching, "MAX_SCORED", clippings)
    monkeypatch.setattr(searching, "FEEDBACK_RERANK", clippings)


@pytest.mark.parametrize("collapse", [False, True])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_pages_of_a_relaxed_question_partition_it_past_the_scored_clippings(
    archive: Archive,
    harbours: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    collapse: bool,
    size: int,
) -> None:
    # Two clippings scored, six matches: which are scored must not depend on
    # the page asked for.
    _score_only(monkeypatch, 2)
    total = archive.search(HARBOUR_QUESTION, collapse=collapse).total
    paged = [
        hit.clipping.id
        for offset in range(0, total, size)
        for hit in archive.search(
            HARBOUR_QUESTION, limit=size, offset=offset, collapse=collapse
        ).hits
    ]
    assert len(paged) == len(set(paged)) == total


def test_every_group_on_a_collapsed_page_is_scored(
    archive: Archive, harbours: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The three copies hold the largest shares of the question: scoring only
    # as many clippings as the page shows would leave the page's other
    # stories unscored.
    _score_only(monkeypatch, 1)
    page = archive.search(HARBOUR_QUESTION, collapse=True, limit=3)
    assert page.total == 4 and len(page.hits) == 3
    assert all(hit.score > 0 for hit in page.hits)


def test_a_removed_clipping_is_not_counted_when_relaxing(
    archive: Archive, glaciers: dict[str, str]
) -> None:
    archive.remove([glaciers["first"]])  # the index segment now has a deletion
    result = archive.search(QUESTION)
    assert result.relaxed and result.total == 4
    assert "first" not in _keys(result, glaciers)


# -- a word's stems in the other language ------------------------------------

# Three English wires hold "cocoa" once, deep in a long text; a French clipping
# holds "Coco" (the French stem of "cocoa") in its title, which weighs three
# times its text: through its stem alone it would rank first.
_FILLER = " ".join(["Traders watched the weather, the freight rates and the currency."] * 6)
BILINGUAL = {
    "cocoa_1": ("en", "Ivory Coast harvest", f"{_FILLER} Cocoa arrivals rose at the port."),
    "cocoa_2": ("en", "Ghana crop outlook", f"{_FILLER} The cocoa crop looks smaller."),
    "cocoa_3": ("en", "London futures close", f"{_FILLER} Cocoa futures ended lower."),
    # Found through its own language's stem only ("cocoas" -> "cocoa").
    "cocoas": ("en", "West Africa weather", f"{_FILLER} Cocoas from Ghana arrived."),
    "coco": (
        "fr",
        "Coco Gauff remporte le tournoi de Miami",
        "La joueuse américaine Coco Gauff a gagné la finale dimanche, devant son public.",
    ),
    "chocolat_fr": (
        "fr",
        "Le chocolat plus cher à Pâques",
        "Les chocolatiers paient leurs fèves plus cher : le cours du cacao a doublé.",
    ),
}


@pytest.fixture
def bilingual(archive: Archive) -> dict[str, str]:
    found = {}
    for key, (lang, title, text) in BILINGUAL.items():
        outcome = archive.add_bytes(
            f"{title}\n\n{text}\n".encode(), f"{key}.txt", Metadata(lang=lang)
        )
        assert outcome.status == "added", outcome.error
        found[key] = outcome.clipping.id
    return found


def test_a_word_too_common_to_count_is_still_counted_for_the_hits_shown(
    archive: Archive, ids: dict[str, str], two_enough: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "report" (in all clippings but one) is too common to read for every
    # match, but the hits shown say whether they hold it.
    monkeypatch.setattr(searching, "COMMON_MIN_DOCUMENTS", 1)
    monkeypatch.setattr(searching, "COMMON_SHARE", 0.6)  # of 8 clippings: only "report"
    result = archive.search(QUERY, match="any", limit=10)
    assert result.dropped == ["zzzqx", "report"]
    matched = {key: hit.matched for key, hit in zip(_keys(result, ids), result.hits, strict=True)}
    # "three" is the one clipping without "report".
    assert (matched["full"], matched["three"], matched["cocoa_only"]) == (4, 3, 2)


def test_exports_and_timelines_look_up_no_counts(
    archive: Archive, ids: dict[str, str], two_enough: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # They take every match and show no "matched": the look-up above would
    # cost a posting read per common word and match, for nothing.
    monkeypatch.setattr(searching, "COMMON_MIN_DOCUMENTS", 1)
    monkeypatch.setattr(searching, "COMMON_SHARE", 0.6)

    def refuse(*args: object) -> None:
        raise AssertionError("counts looked up")

    monkeypatch.setattr(searching, "_count_held", refuse)
    exported = archive.export("jsonl", QUERY, match="any")
    assert (exported.count, len(list(exported.parts))) == (4, 4)
    assert archive.timeline(QUERY, match="any").total == 4


def _ranked(archive: Archive, query: str, ids: dict[str, str]) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    return [by_id[hit.clipping.id] for hit in archive.search(query, limit=10).hits]


def test_a_match_through_the_other_languages_stem_ranks_below_the_word_itself(
    archive: Archive, bilingual: dict[str, str]
) -> None:
    ranked = _ranked(archive, "cocoa", bilingual)
    assert sorted(ranked[:3]) == ["cocoa_1", "cocoa_2", "cocoa_3"]
    # Its own language's stem is not demoted; the other's is, and still found.
    assert ranked[3:] == ["cocoas", "coco"]


def test_without_the_demotion_the_title_stem_ranks_first(
    archive: Archive, bilingual: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the test above guards against: the same clippings, stems weighed alike.
    monkeypatch.setattr(searching, "OTHER_LANGUAGE_STEM_WEIGHT", 1.0)
    assert _ranked(archive, "cocoa", bilingual)[0] == "coco"


def _harvests_and_storms(archive: Archive, tmp_path: Path) -> None:
    """Sixty English clippings: "harvested" in two, though thirty hold its stem
    (harvest, harvests); "storms" in twenty-five, always written so."""
    texts = [f"Farmers harvested the wheat early, report {n}." for n in range(2)]
    texts += [f"The harvest and the harvests of the region, report {n}." for n in range(28)]
    texts += [f"Storms hit the coast again, report {n}." for n in range(25)]
    texts += [f"Markets were quiet on the day, report {n}." for n in range(5)]
    lines = [
        json.dumps({"title": f"Report {n}", "text": text, "lang": "en"})
        for n, text in enumerate(texts)
    ]
    path = tmp_path / "harvests.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert archive.import_jsonl(path).counts["added"] == 60


def test_a_rare_form_of_a_common_word_weighs_as_the_word(archive: Archive, tmp_path: Path) -> None:
    # "harvested" is rare as written but its word is in thirty clippings;
    # "storms", in twenty-five, is the rarer word: its clippings come first,
    # then those with the form typed, then those with another form.
    _harvests_and_storms(archive, tmp_path)
    hits = archive.search("harvested storms", match="any", limit=60).hits
    assert len(hits) == 55
    assert all("Storms" in hit.clipping.text for hit in hits[:25])
    assert all("harvested" in hit.clipping.text for hit in hits[25:27])
    # Relaxing drops the commoner word: its form does not make it rarer.
    result = archive.search("harvested storms", limit=60)
    assert (len(result.hits), result.dropped) == (25, ["harvested"])


def test_each_term_of_a_word_scores_with_the_words_idf(archive: Archive, tmp_path: Path) -> None:
    from whoosh.index import open_dir

    _harvests_and_storms(archive, tmp_path)
    with open_dir(str(archive.corpus.index_dir)).searcher() as searcher:
        q = searching.user_query(searching.make_parser(searcher.schema), "harvested")
        weighed = searching.words_weighed(searcher, q)
        idf = searching.bm25_idf(30, 60)  # the stem's: harvest, harvests, harvested
        for term, plain in zip(weighed.subqueries, q.subqueries, strict=True):
            if searching.doc_frequency(searcher.reader(), term.fieldname, term.text):
                own = searching.lucene_idf(searcher, term.fieldname, term.text)
                assert term.boost * own == pytest.approx(plain.boost * idf), term


GLACIER_QUESTION = "glaciers reefs retreating alps survey scientists"


def _glacier_notes(archive: Archive, tmp_path: Path) -> list[str]:
    """Words "glaciers" and "reefs" in eleven clippings each; the ten holding most
    of GLACIER_QUESTION say "glaciers" again and again. The texts, in order."""
    texts = [
        f"Glaciers in the Alps are retreating: the glaciers melt and scientists "
        f"survey the glaciers every summer, station {n}."
        for n in range(10)
    ]
    texts += [f"Reefs were part of a list of words in notebook {n}." for n in range(10)]
    texts += [f"Markets were quiet on the day in town {n}." for n in range(20)]
    texts += ["The word glaciers came up once in the long meeting notes today.", "Reefs, once."]
    sources = ["Le Monde", "Reuters", "AFP"]
    lines = [
        json.dumps({"title": f"Note {n}", "text": t, "lang": "en", "source": sources[n % 3]})
        for n, t in enumerate(texts)
    ]
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert archive.import_jsonl(path).counts["added"] == len(texts)
    return texts


def test_feedback_weighs_up_the_question_words_its_best_clippings_use(
    archive: Archive, tmp_path: Path
) -> None:
    # The clipping saying "glaciers" once ranks above those saying "reefs"
    # once, though the shortest of them ranks first on the words alone: the
    # question is taken to be about what its best clippings say most.
    texts = _glacier_notes(archive, tmp_path)
    found = [hit.clipping.text for hit in archive.search(GLACIER_QUESTION, limit=60).hits]
    glacier = found.index(texts[-2])
    assert all(glacier < n for n, text in enumerate(found) if text.startswith("Reefs"))


FLOOD_WIRE = (
    "River floods cut roads across the north\n\n"
    "Heavy rain swelled the rivers of the north on {day}, cutting roads between "
    "several towns and forcing hundreds of families to leave their homes, the regional "
    "authorities said. Rescue teams worked through the night, schools will stay closed "
    "and the railway line along the valley remains shut while engineers check its "
    "bridges. No one was reported hurt, but farmers fear for their winter crops after "
    "the water covered fields and orchards for a second time this year.\n"
)


def test_a_republished_story_counts_once_among_the_feedback_clippings(
    archive: Archive,
) -> None:
    copies = []
    for outlet, day in (
        ("Daily", "Monday"),
        ("Courier", "Monday night"),
        ("Post", "Monday evening"),
    ):
        text = FLOOD_WIRE.format(day=day) + f"\n{outlet}, with agencies\n"
        outcome = archive.add_bytes(text.encode(), f"{outlet}.txt", Metadata(lang="en"))
        copies.append(outcome.clipping.id)
    assert archive.get(copies[2]).group == copies[0]  # grouped as near-duplicates
    subjects = (
        "markets",
        "tennis",
        "elections",
        "museums",
        "bakeries",
        "satellites",
        "vineyards",
        "harbours",
        "libraries",
        "glaciers",
        "orchestras",
        "airports",
    )
    others = [
        archive.add_bytes(
            f"On {subject}\n\nA brief about {subject}.\n".encode(),
            f"{subject}.txt",
            Metadata(lang="en"),
        ).clipping.id
        for subject in subjects
    ]
    from whoosh.index import open_dir

    with open_dir(str(archive.corpus.index_dir)).searcher() as searcher:
        docnum = {i: searcher.document_number(id=i) for i in [*copies, *others]}
        ranked = [docnum[i] for i in [copies[1], copies[0], others[0], copies[2], *others[1:]]]
        chosen = searching._feedback_clippings(searcher, ranked)
    # Positions in the ranking and ids: the best copy, then the notes in order.
    assert list(chosen.items()) == [
        (0, copies[1]),
        (2, others[0]),
        *((n, others[n - 3]) for n in range(4, 4 + searching.FEEDBACK_DOCS - 2)),
    ]


def test_an_export_by_relevance_ranks_a_question_as_the_search_does(
    archive: Archive, tmp_path: Path
) -> None:
    _glacier_notes(archive, tmp_path)
    searched = [h.clipping.id for h in archive.search(GLACIER_QUESTION, limit=60).hits]
    exported = [c.id for c in archive.matching(GLACIER_QUESTION, sort="relevance")]
    assert exported == searched


def test_a_question_ranks_alike_with_facets_and_counts_every_match(
    archive: Archive, tmp_path: Path
) -> None:
    # The page asks for facets: its ranking must be the command line's.
    _glacier_notes(archive, tmp_path)
    plain = archive.search(GLACIER_QUESTION, limit=60)
    faceted = archive.search(GLACIER_QUESTION, limit=60, facets=("source", "lang"))
    assert plain.relaxed and faceted.relaxed
    assert [(h.clipping.id, h.score) for h in faceted.hits] == [
        (h.clipping.id, h.score) for h in plain.hits
    ]
    # 10 glacier stations, 10 reef notebooks and the two single notes.
    assert faceted.total == plain.total == 22
    assert faceted.facets["lang"] == [("en", 22)]
    assert sum(n for _, n in faceted.facets["source"]) == 22
    assert dict(faceted.facets["source"]) == dict(
        Counter(["Le Monde", "Reuters", "AFP"][n % 3] for n in [*range(20), 40, 41])
    )


def test_a_words_language_is_that_of_the_clippings_holding_it(
    archive: Archive, bilingual: dict[str, str]
) -> None:
    from whoosh.index import open_dir

    with open_dir(str(archive.corpus.index_dir)).searcher() as searcher:
        stems = {"fr": "coco", "en": "cocoa"}
        assert searching.word_language(searcher, "cocoa", stems) == "en"
        # Fewer clippings than LANGUAGE_MIN_CLIPPINGS say nothing.
        assert searching.word_language(searcher, "gauff", {"fr": "gauff", "en": "gauff"}) is None


def test_a_word_held_in_both_languages_has_none(
    archive: Archive, bilingual: dict[str, str]
) -> None:
    from whoosh.index import open_dir

    for number in range(2):
        text = f"Le cours du cocoa grimpe encore, note l'analyste numéro {number}.\n"
        outcome = archive.add_bytes(
            f"Marchés {number}\n\n{text}".encode(), f"fr{number}.txt", Metadata(lang="fr")
        )
        assert outcome.status == "added", outcome.error
    # Three English clippings and two French ones: under LANGUAGE_SHARE.
    with open_dir(str(archive.corpus.index_dir)).searcher() as searcher:
        assert searching.word_language(searcher, "cocoa", {"fr": "coco", "en": "cocoa"}) is None


def test_which_clippings_a_relaxed_question_scores_does_not_depend_on_index_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Eight clippings hold the same two words of the question (the same share
    # of its weight) in texts of different lengths; only three are scored by
    # share. The same clippings added in the opposite order (other document
    # numbers, as a bulk import's segments give) must rank alike.
    _score_only(monkeypatch, 3)
    texts = [
        (f"Note {n}", "Le glacier et la moraine. " + "Texte sans rapport. " * n) for n in range(8)
    ]
    ranked = []
    for order in (texts, texts[::-1]):
        archive = Archive.open_or_create(tmp_path / f"corpus{len(ranked)}")
        try:
            for title, text in order:
                data = f"{title}\n\n{text}".encode()
                outcome = archive.add_bytes(data, f"{title}.txt", Metadata(lang="fr"))
                assert outcome.status == "added"
            result = archive.search("glacier moraine crevasse sérac", limit=3)
            assert result.relaxed
            ranked.append([hit.clipping.title for hit in result.hits])
        finally:
            archive.close()
    assert ranked[0] == ranked[1]
    assert ranked[0][:3] == ["Note 0", "Note 1", "Note 2"]  # the shortest texts first


@pytest.mark.parametrize(
    ("query", "ranked"),
    [("glacier^5", ["Glaciers", "Moraines"]), ("moraine^5", ["Moraines", "Glaciers"])],
)
def test_a_boosted_word_weighs_more_in_a_relaxed_question(
    archive: Archive, query: str, ranked: list[str]
) -> None:
    for title, text in (
        ("Glaciers", "Le glacier, le glacier et encore le glacier, puis une moraine."),
        ("Moraines", "La moraine, la moraine et encore la moraine, puis un glacier."),
    ):
        outcome = archive.add_bytes(f"{title}\n\n{text}".encode(), f"{title}.txt", Metadata())
        assert outcome.status == "added"
    other = "moraine" if query.startswith("glacier") else "glacier"
    result = archive.search(f"{query} {other} crevasse sérac", limit=2)
    assert result.relaxed
    assert [hit.clipping.title for hit in result.hits] == ranked


def test_dropped_words_are_shown_as_typed_not_folded(archive: Archive) -> None:
    for n, text in enumerate(
        ["La grève des cheminots continue.", "Une grève à la poste.", "La sécheresse dure."]
    ):
        archive.add_bytes(f"Article {n}\n\n{text}\n".encode(), f"{n}.txt", Metadata(lang="fr"))
    result = archive.search("Grève sécheresse")
    assert result.relaxed and result.dropped == ["Grève"]
    assert [h.clipping.title for h in result.hits] == ["Article 2"]


@pytest.mark.parametrize(
    ("words", "query", "shown"),
    [
        (["greve", "secheresse"], "Grève et SÉCHERESSE", ["Grève", "SÉCHERESSE"]),
        # A compound's part is not the compound as typed...
        (["claire"], "Marie-Claire claire", ["claire"]),
        (["19"], "COVID-19 19", ["19"]),
        (["claire"], "Marie-Claire", ["claire"]),
        # ...nor is a number shown other than as typed.
        (["7500"], "7 500 postes", ["7 500"]),
    ],
)
def test_dropped_words_are_named_as_the_query_wrote_them(words, query, shown):
    assert searching.as_typed(words, query) == shown


def test_exports_and_timelines_hold_what_a_relaxed_search_finds(
    archive: Archive, ids: dict[str, str], two_enough: None
) -> None:
    result = archive.search(QUERY, limit=100)
    assert result.relaxed and result.total == 2
    found = {h.clipping.id for h in result.hits}
    assert {c.id for c in archive.matching(QUERY)} == found
    assert archive.timeline(QUERY).total == result.total
    # Strict, as a script may ask: the word found nowhere finds nothing.
    assert archive.matching(QUERY, match="all") == []
    assert archive.timeline(QUERY, match="all").total == 0


def test_export_of_a_relaxed_query_from_the_command_line(
    runner: CliRunner, ids: dict[str, str], two_enough: None, tmp_path: Path
) -> None:
    relaxed = runner.invoke(cli, ["export", QUERY, "--format", "jsonl"])
    assert relaxed.exit_code == 0, relaxed.output
    assert len(relaxed.stdout.splitlines()) == 2
    kept = tmp_path / "review.md"
    kept.write_text("an earlier review\n", encoding="utf-8")
    strict = runner.invoke(cli, ["export", QUERY, "--match", "all", "-o", str(kept)])
    assert strict.exit_code == 1
    assert strict.stderr == "No clipping matches.\n"
    assert kept.read_text(encoding="utf-8") == "an earlier review\n"  # not emptied
    timeline = runner.invoke(cli, ["search", QUERY, "--timeline", "--format", "json"])
    assert timeline.exit_code == 0 and json.loads(timeline.stdout)["total"] == 2
