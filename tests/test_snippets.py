"""Snippets: which fragments of a text are shown, where they are cut, what is highlighted."""

from __future__ import annotations

import re

from clipper.snippets import CONTEXT_BEFORE, ELLIPSIS, FRAGMENT_CHARS, Snippet, Span, make_snippet


def _spans(text: str, *words: str) -> list[Span]:
    """A span for each whole-word occurrence of ``words``, as the search would give."""
    found = [
        Span(m.start(), m.end(), word)
        for word in words
        for m in re.finditer(rf"\b{re.escape(word)}\b", text)
    ]
    return sorted(found, key=lambda s: s.start)


def _filler(first: int, count: int) -> str:
    """Numbered words: each occurs once, so a fragment's place in the text is known."""
    return " ".join(f"mot{n}" for n in range(first, first + count))


def _highlighted(snippet: Snippet) -> list[str]:
    return [snippet.text[start:end] for start, end in snippet.highlights]


def _fragments(snippet: Snippet) -> list[str]:
    """The fragments of a snippet, without the ellipses around and between them."""
    return [f.strip() for f in snippet.text.split(ELLIPSIS) if f.strip()]


def _assert_whole_words_of(fragment: str, text: str) -> None:
    """``fragment`` is a run of ``text`` that starts and ends at word boundaries."""
    start = text.index(fragment)
    end = start + len(fragment)
    assert start == 0 or text[start - 1] == " ", fragment
    assert end == len(text) or text[end] == " ", fragment


def test_a_short_text_is_returned_whole_with_its_match_highlighted():
    text = "Le port de Brest accueille un navire."
    snippet = make_snippet(text, _spans(text, "navire"))
    assert snippet == Snippet(text, [(30, 36)])
    assert snippet.marked("**", "**") == "Le port de Brest accueille un **navire**."


def test_highlights_point_at_the_matched_words_of_the_cleaned_text():
    # Escape sequences and control characters go, runs of spaces shrink and a
    # paragraph break becomes a dash: the offsets follow.
    text = "\x1b[1m Le port\x07 de Brest\n\n  un  navire \x1b]0;titre\x07à quai."
    snippet = make_snippet(text, _spans(text, "navire", "quai"))
    assert snippet.text == "Le port de Brest — un navire à quai."
    assert _highlighted(snippet) == ["navire", "quai"]


def test_overlapping_spans_are_merged_into_one_highlight_and_adjacent_ones_kept_apart():
    text = "Un navire-école entre au port."
    overlapping = [Span(3, 9, "navire"), Span(3, 15, "navire-école"), Span(10, 15, "école")]
    assert make_snippet(text, overlapping).highlights == [(3, 15)]
    adjacent = [Span(3, 9, "navire"), Span(9, 15, "école")]
    assert make_snippet(text, adjacent).highlights == [(3, 9), (9, 15)]


def test_without_a_match_the_snippet_is_the_start_of_the_text_cut_at_a_word():
    text = _filler(0, 100)
    snippet = make_snippet(text, [])
    assert snippet.highlights == []
    assert snippet.text.endswith(ELLIPSIS) and not snippet.text.startswith(ELLIPSIS)
    body = snippet.text.removesuffix(ELLIPSIS)
    assert text.startswith(body)
    _assert_whole_words_of(body, text)
    assert FRAGMENT_CHARS - len("mot99 ") <= len(body) <= FRAGMENT_CHARS


def test_a_match_far_into_a_text_is_shown_with_some_words_before_it():
    text = f"{_filler(0, 60)} navire {_filler(60, 60)}"
    snippet = make_snippet(text, _spans(text, "navire"))
    assert snippet.text.startswith(ELLIPSIS) and snippet.text.endswith(ELLIPSIS)
    [fragment] = _fragments(snippet)
    _assert_whole_words_of(fragment, text)
    assert len(fragment) <= FRAGMENT_CHARS
    before = fragment.index("navire")
    assert CONTEXT_BEFORE - len("mot59 ") <= before <= CONTEXT_BEFORE
    assert _highlighted(snippet) == ["navire"]


def test_a_match_at_the_end_needs_no_closing_ellipsis():
    text = f"{_filler(0, 60)} le navire." + " \n" * 80  # the window ends in the blank
    snippet = make_snippet(text, _spans(text, "navire"))
    assert snippet.text.startswith(ELLIPSIS)
    assert snippet.text.endswith(" le navire.")
    assert _highlighted(snippet) == ["navire"]


def test_a_narrow_window_still_holds_its_whole_match():
    text = f"{_filler(0, 20)} porte-conteneurs {_filler(20, 20)}"
    snippet = make_snippet(text, _spans(text, "porte-conteneurs"), width=20)
    assert _highlighted(snippet) == ["porte-conteneurs"]
    [fragment] = _fragments(snippet)
    _assert_whole_words_of(fragment, text)
    assert fragment.endswith("porte-conteneurs")


def test_the_window_goes_where_the_most_distinct_terms_meet():
    # Four times "navire" first; "navire" and "quai" together much later.
    text = f"Un navire, navire, navire, navire {_filler(0, 60)} le navire à quai {_filler(60, 60)}"
    snippet = make_snippet(text, _spans(text, "navire", "quai"))
    assert len(_fragments(snippet)) == 1  # every term is in it: no second fragment
    assert _highlighted(snippet) == ["navire", "quai"]
    assert "mot0 " not in snippet.text


def test_among_windows_with_the_same_terms_the_one_with_more_matches_wins():
    text = f"Un navire {_filler(0, 60)} navire après navire et navire {_filler(60, 60)}"
    snippet = make_snippet(text, _spans(text, "navire"))
    assert _highlighted(snippet) == ["navire"] * 3
    assert not snippet.text.startswith("Un navire")


def test_a_repeated_term_alone_gets_one_fragment_at_its_first_place():
    text = f"Un navire {_filler(0, 60)} navire {_filler(60, 60)}"
    snippet = make_snippet(text, _spans(text, "navire"))
    assert len(_fragments(snippet)) == 1
    assert snippet.text.startswith("Un navire mot0")
    assert _highlighted(snippet) == ["navire"]


def test_a_second_fragment_never_shows_only_terms_the_first_shows():
    # "quai" lies just past the first window: its own window would overlap it.
    text = f"navire navire {_filler(0, 28)} quai {_filler(28, 60)} navire {_filler(100, 60)}"
    snippet = make_snippet(text, _spans(text, "navire", "quai"))
    assert snippet.text.startswith("navire navire mot0")
    assert "mot87" not in snippet.text and "mot100" not in snippet.text  # the third "navire"


def test_terms_far_apart_get_two_fragments_in_text_order():
    # The later place holds two terms and is chosen first; the fragments still
    # come in the order of the text, joined by an ellipsis.
    text = f"La grue {_filler(0, 80)} un navire à quai {_filler(80, 80)}"
    snippet = make_snippet(text, _spans(text, "grue", "navire", "quai"))
    first, second = _fragments(snippet)
    assert f" {ELLIPSIS} " in snippet.text
    assert first.startswith("La grue") and "navire à quai" in second
    _assert_whole_words_of(first, text)
    _assert_whole_words_of(second, text)
    assert _highlighted(snippet) == ["grue", "navire", "quai"]


def test_there_are_never_more_than_two_fragments():
    text = f"La grue {_filler(0, 80)} un navire {_filler(80, 80)} le quai {_filler(160, 80)}"
    snippet = make_snippet(text, _spans(text, "grue", "navire", "quai"))
    assert len(_fragments(snippet)) == 2
    assert snippet.text.count(ELLIPSIS) == 2  # between the two, and at the end
    assert _highlighted(snippet) == ["grue", "navire"]


def test_a_long_url_before_the_match_does_not_push_the_window_past_it():
    # No space in the fifty characters before the match: the window starts at
    # the match rather than at the next space, which lies after it.
    text = (
        "Escale à Brest\n\nLe programme est en ligne sur "
        "https://www.port-de-brest.example/actualites/2024/03/escale-du-navire-ecole"
        " depuis lundi. " + "Les quais seront ouverts au public tout le week-end. " * 6
    )
    snippet = make_snippet(text, _spans(text, "navire"))
    assert _highlighted(snippet) == ["navire"]
    assert snippet.text.startswith(f"{ELLIPSIS}navire-ecole depuis lundi.")


def test_a_match_inside_a_word_longer_than_the_window_is_still_shown():
    text = "Voir " + "x" * 100 + "navire" + "y" * 300 + " et la suite."
    snippet = make_snippet(text, [Span(105, 111, "navire")])
    assert _highlighted(snippet) == ["navire"]
    assert len(_fragments(snippet)[0]) == FRAGMENT_CHARS


def test_tabs_and_line_breaks_are_word_boundaries_where_a_window_ends():
    words = [f"mot{n}" for n in range(60)]
    text = "navire " + "\t".join(words)
    snippet = make_snippet(text, _spans(text, "navire"))
    last = _fragments(snippet)[0].split()[-1]
    assert last in words


def test_leading_blank_lines_get_no_opening_ellipsis():
    text = "\n\n   Le navire entre au port de Brest."
    snippet = make_snippet(text, _spans(text, "navire"))
    assert snippet.text == "Le navire entre au port de Brest."
    assert _highlighted(snippet) == ["navire"]


def test_a_number_with_no_break_spaces_is_one_word_where_a_window_ends():
    # French groups thousands with no-break spaces: a window never ends inside.
    number = "10\u00a0000\u00a0000"
    for padding in range(60, 80):
        text = "Le navire " + "a " * padding + f"coûté {number} euros."
        snippet = make_snippet(text, _spans(text, "navire"))
        fragment = _fragments(snippet)[0]
        # The snippet shows plain spaces; the number is whole or absent.
        assert fragment.split()[-1] not in ("10", "000") or "10 000 000" in fragment, padding
