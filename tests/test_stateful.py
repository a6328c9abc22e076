"""Hypothesis: corpus and index agree after any sequence of changes; queries never crash."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clipper.archive import Archive
from clipper.errors import ClipperError, QuerySyntaxError
from clipper.indexing import diff
from clipper.ingest import Metadata

WORDS = ["port", "navire", "grève", "modèle", "inflation", "récolte", "élection", "musée"]
texts = st.lists(st.sampled_from(WORDS), min_size=3, max_size=12).map(
    lambda words: "Titre " + words[0] + "\n\n" + " ".join(words) + " fin.\n"
)


class CorpusMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="clipper-stateful-"))
        self.archive = Archive.open_or_create(self.directory / "corpus")
        self.expected: dict[str, set[str]] = {}  # id -> tags

    def teardown(self) -> None:
        self.archive.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    @rule(text=texts, tag=st.sampled_from(["a", "b", "c"]))
    def add(self, text: str, tag: str) -> None:
        outcome = self.archive.add_bytes(text.encode(), "t.txt", Metadata(tags=[tag], lang="fr"))
        assert outcome.status in ("added", "duplicate")
        self.expected.setdefault(outcome.clipping.id, set()).add(tag)

    @precondition(lambda self: self.expected)
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        clipping_id = data.draw(st.sampled_from(sorted(self.expected)))
        self.archive.remove([clipping_id])
        del self.expected[clipping_id]

    @precondition(lambda self: self.expected)
    @rule(data=st.data(), tag=st.sampled_from(["a", "b", "c", "d"]), adding=st.booleans())
    def retag(self, data: st.DataObject, tag: str, adding: bool) -> None:
        clipping_id = data.draw(st.sampled_from(sorted(self.expected)))
        if adding:
            self.archive.tag(clipping_id, add=[tag])
            self.expected[clipping_id].add(tag)
        else:
            self.archive.tag(clipping_id, remove=[tag])
            self.expected[clipping_id].discard(tag)

    @rule()
    def reindex(self) -> None:
        assert self.archive.reindex() == len(self.expected)

    @invariant()
    def corpus_and_index_agree(self) -> None:
        assert set(self.archive.corpus.iter_ids()) == set(self.expected)
        assert diff(self.archive.corpus).clean
        for tag in ("a", "b", "c", "d"):
            wanted = {i for i, tags in self.expected.items() if tag in tags}
            hits = self.archive.search(f"tag:{tag}", limit=1000).hits if wanted else []
            assert {h.clipping.id for h in hits} == wanted


TestCorpusMachine = CorpusMachine.TestCase
TestCorpusMachine.settings = settings(
    max_examples=12,
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- any query string ----------------------------------------------------------

_archive_dir = Path(tempfile.mkdtemp(prefix="clipper-queries-"))
atexit.register(shutil.rmtree, _archive_dir, ignore_errors=True)


def _query_archive() -> Archive:
    archive = Archive.open_or_create(_archive_dir / "corpus")
    if archive.corpus.count() == 0:
        for word in WORDS:
            archive.add_bytes(
                f"Titre {word}\n\nUn texte sur {word} et plus.\n".encode(),
                f"{word}.txt",
                Metadata(lang="fr", date="2024-03-01"),
            )
    return archive


query_text = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.sampled_from(
            [
                "(",
                ")",
                '"',
                "*",
                "?",
                "~",
                "^",
                ":",
                "[",
                "]",
                "TO",
                "AND",
                "OR",
                "NOT",
                "date:",
                "title:",
                "a",
                "port",
                " ",
                "-",
                "+",
                "{",
                "}",
                "2024",
                "/",
                "\\",
                "'",
            ]
        ),
        max_size=60,
    ).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(query_text)
def test_any_query_gives_results_or_a_clean_error(query: str):
    archive = _query_archive()
    try:
        result = archive.search(query, limit=5)
    except QuerySyntaxError as exc:
        assert exc.exit_code == 2 and exc.message and "\n" not in exc.message
    except ClipperError as exc:  # pragma: no cover - only usage errors are expected
        raise AssertionError(f"unexpected {exc!r}") from exc
    else:
        # A result is a consistent page of the eight stored clippings.
        ids = [hit.clipping.id for hit in result.hits]
        assert 0 <= result.total <= len(WORDS)
        assert len(ids) == min(5, result.total) == len(set(ids))
        assert all(hit.clipping.title.startswith("Titre ") for hit in result.hits)
    finally:
        archive.close()


SYMBOLS_ALONE = " has no letters or digits: symbols alone are not indexed"


@pytest.mark.parametrize(
    ("query", "outcome"),
    [
        ("*a*", "invalid query: '*a*' starts with a wildcard"),
        ("*", "query '*'" + SYMBOLS_ALONE),
        ("?" * 50, "query '" + "?" * 50 + "'" + SYMBOLS_ALONE),
        ("(" * 300 + "port" + ")" * 300, 1),
        ("port~2 " * 40, 1),
        ("x" * 999, 0),
        ('"' * 101, "query '" + '"' * 101 + "'" + SYMBOLS_ALONE),
        ("date:[* TO *]", "invalid query: cannot read date '*'"),
        ("NOT NOT NOT port", "cannot parse query 'NOT NOT NOT port'"),
    ],
)
def test_pathological_queries_are_answered_or_refused(query: str, outcome: int | str):
    """Each is answered (a count) or refused with its one-line reason, never left to run:
    the caps that bound them are tested in test_query_bounds.py."""
    archive = _query_archive()
    try:
        if isinstance(outcome, str):
            with pytest.raises(QuerySyntaxError) as refused:
                archive.search(query, limit=5)
            assert refused.value.message == outcome
        else:
            assert archive.search(query, limit=5).total == outcome
    finally:
        archive.close()
