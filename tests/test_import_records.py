"""`clipper import` of damaged or unusual JSON Lines: every readable record goes in."""

from __future__ import annotations

import gzip
import json

import pytest

from clipper.cli import cli


def invoke(runner, *args):
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _record(n: int) -> dict:
    return {
        "title": f"Article {n}",
        "text": f"Le texte numéro {n} parle des ports, des quais et des bateaux de pêche.",
        "source": "Ouest-France",
    }


def _lines(count: int) -> bytes:
    return "".join(json.dumps(_record(n), ensure_ascii=False) + "\n" for n in range(count)).encode()


def _titles(runner) -> list[str]:
    found = invoke(runner, "list", "--format", "jsonl", "--limit", "100").stdout.splitlines()
    return sorted(json.loads(line)["title"] for line in found)


def test_a_truncated_gzip_imports_every_complete_record_then_says_so(runner, tmp_path):
    whole = gzip.compress(_lines(40))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) * 3 // 4])
    # what a reader gets before the cut: whole lines only
    complete = 0
    with gzip.open(path, "rb") as handle, pytest.raises(EOFError):
        for line in handle:
            complete += line.endswith(b"\n")
    assert 0 < complete < 40
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {path}: truncated: the compressed data ends after line {complete}",
        f"{complete} added, 1 failed",
    ]
    assert _titles(runner) == sorted(f"Article {n}" for n in range(complete))


def test_a_corrupt_gzip_is_one_error_not_a_crash(runner, tmp_path):
    whole = bytearray(gzip.compress(_lines(40)))
    whole[len(whole) // 2 :] = bytes(len(whole) - len(whole) // 2)  # zeroes from the middle
    path = tmp_path / "corrupt.jsonl.gz"
    path.write_bytes(bytes(whole))
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"Error: {path}: cannot read after line ")
    assert "unexpected" not in result.stderr


@pytest.mark.parametrize("compressed", [False, True])
def test_a_byte_order_mark_does_not_cost_the_first_record(runner, tmp_path, compressed):
    data = b"\xef\xbb\xbf" + _lines(3)
    path = tmp_path / ("bom.jsonl.gz" if compressed else "bom.jsonl")
    path.write_bytes(gzip.compress(data) if compressed else data)
    result = invoke(runner, "import", str(path))
    assert (result.exit_code, result.stderr) == (0, "3 added\n")
    assert _titles(runner) == ["Article 0", "Article 1", "Article 2"]


def test_a_list_of_strings_as_text_is_its_paragraphs(runner, tmp_path):
    record = {**_record(0), "text": ["Premier paragraphe sur les ports.", "  ", "Le second. "]}
    path = tmp_path / "paragraphs.jsonl"
    path.write_text(json.dumps(record) + "\n")
    assert invoke(runner, "import", str(path)).exit_code == 0
    shown = json.loads(invoke(runner, "list", "--format", "jsonl").stdout)
    text = json.loads(invoke(runner, "show", shown["id"], "--json").stdout)["text"]
    assert text == "Premier paragraphe sur les ports.\n\nLe second."


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("text", [1, 2], "'text' must be a list of strings, not a list"),
        ("text", {"fr": "Un texte"}, "'text' must be a string, not an object"),
        ("text", 42, "'text' must be a string, not a number"),
        ("text", "   ", "no 'text' field, or it is empty"),
        ("title", ["Un", "titre"], "'title' must be a string, not a list"),
        ("author", {"name": "Martin"}, "'author' must be a string, not an object"),
        ("date", ["2024"], "'date' must be a date or a string, not a list"),
        ("tags", {"a": 1}, "'tags' must be a list or a comma-separated string, not an object"),
    ],
)
def test_a_field_of_the_wrong_type_is_named_precisely(runner, tmp_path, field, value, error):
    path = tmp_path / "typed.jsonl"
    good = json.dumps(_record(1))
    path.write_text(json.dumps({**_record(0), field: value}) + "\n" + good + "\n")
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [f"Error: {path}:1: {error}", "1 added, 1 failed"]
    assert _titles(runner) == ["Article 1"]


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("id,title,text\n" + "".join(f"{n},Titre {n},Texte {n}\n" for n in range(2391)), "CSV"),
        ("titre;texte\nUn;Deux\nTrois;Quatre\n", "CSV"),
        ('[{"title": "a", "text": "b"}]\n', "a JSON array"),
        ("<html><body>Une page</body></html>\n", "HTML or XML"),
        ("Un article collé\n\nLe texte suit.\n", "text"),
    ],
)
def test_another_format_stops_the_import_with_one_error(runner, tmp_path, content, kind):
    path = tmp_path / "in.jsonl"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {path}: this looks like {kind}, not JSON Lines (its first lines are not "
        "JSON objects)\nHint: import takes one JSON object per line; add other files with "
        "'clipper add'\n"
    )


def test_a_few_bad_lines_before_json_objects_are_only_those_lines(runner, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('oops\n{"title": "Un", "text": "Le texte."}\n', encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "1 added, 1 failed"


def test_a_control_character_in_a_json_line_is_named_once(runner, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"title": "Un", "text": "Le\ttexte."}\n', encoding="utf-8")
    result = runner.invoke(cli, ["import", str(path)])
    assert result.stderr.splitlines()[0] == (
        f"Error: {path}:1: invalid JSON (Invalid control character at column 28)"
    )


def test_a_record_language_is_a_code_and_an_unknown_one_is_that_record_alone(runner, tmp_path):
    path = tmp_path / "langs.jsonl"
    records = [{**_record(0), "lang": "German"}, {**_record(1), "lang": "xx"}, _record(2)]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == f"Error: {path}:2: unknown language 'xx'"
    assert result.stderr.splitlines()[-1] == "2 added, 1 failed"
    listed = invoke(runner, "list", "--format", "jsonl").stdout.splitlines()
    assert sorted((json.loads(line)["title"], json.loads(line)["lang"]) for line in listed) == [
        ("Article 0", "de"),
        ("Article 2", "fr"),
    ]
