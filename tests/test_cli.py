"""The command line end to end with CliRunner: output, exit codes, bad input."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import click
import pytest
from conftest import FIXTURES, fixture_bytes

from clipper.archive import Archive
from clipper.cli import cli

SEEDLIKE = str(FIXTURES / "seedlike_fr.txt")
HEADLINE = str(FIXTURES / "headline_en.txt")


def invoke(runner, *args, input=None):
    return runner.invoke(cli, list(args), input=input, catch_exceptions=False)


def added_id(runner, path, *options) -> str:
    result = invoke(runner, "add", path, "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["added"][0]["id"]


# -- add ----------------------------------------------------------------------


@pytest.mark.parametrize("source", ["argument", "stdin-dash", "stdin-implicit"])
def test_add_from_file_or_stdin(runner, corpus_dir, source):
    data = fixture_bytes("headline_en.txt")
    if source == "argument":
        result = invoke(runner, "add", HEADLINE)
    elif source == "stdin-dash":
        result = invoke(runner, "add", "-", input=data)
    else:
        result = invoke(runner, "add", input=data)
    assert result.exit_code == 0
    clipping_id = Archive.open(corpus_dir).search("inflation").hits[0].clipping.id
    assert result.stdout == (
        f"added {clipping_id[:8]}  Central Bank Holds Rates Steady as Inflation Cools\n"
    )
    assert result.stderr == "1 added\n"


def test_add_with_metadata_options(runner):
    clipping_id = added_id(
        runner,
        SEEDLIKE,
        "--title",
        "Mon titre",
        "--source",
        "Le Progrès",
        "--author",
        "Ana Lima",
        "--date",
        "15 mars 2024",
        "--url",
        "https://example.org/a",
        "--lang",
        "fr",
        "--tag",
        "audio",
        "--tag",
        "Lyon",
        "--note",
        "à relire",
    )
    shown = json.loads(invoke(runner, "show", clipping_id, "--json").stdout)
    assert {
        k: shown[k]
        for k in ("title", "source", "author", "date", "url", "lang", "tags", "note", "agency")
    } == {
        "title": "Mon titre",
        "source": "Le Progrès",
        "author": "Ana Lima",
        "date": "2024-03-15",
        "url": "https://example.org/a",
        "lang": "fr",
        "tags": ["audio", "Lyon"],
        "note": "à relire",
        "agency": "Reuters",
    }


def test_adding_the_same_text_twice_stores_it_once_and_merges_tags(runner, corpus_dir):
    first = added_id(runner, HEADLINE, "--tag", "eco")
    crlf = fixture_bytes("headline_en.txt").replace(b"\n", b"\r\n")
    result = invoke(runner, "add", "-", "--tag", "banks", input=crlf)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"already stored as {first[:8]}")
    assert "(new tags: banks)" in result.stdout
    assert result.stderr == "0 added, 1 already stored\n"
    assert Archive.open(corpus_dir).corpus.count() == 1
    assert json.loads(invoke(runner, "show", first, "--json").stdout)["tags"] == ["eco", "banks"]
    assert invoke(runner, "search", "tag:banks", "--format", "ids").stdout == first + "\n"


def test_add_directory_recursively(runner, tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(fixture_bytes("headline_en.txt"))
    (folder / "sub" / "b.md").write_bytes(fixture_bytes("no_credit_fr.txt"))
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / ".hidden.txt").write_text("ignored")
    result = invoke(runner, "add", str(folder))
    assert result.exit_code == 0
    assert result.stdout.count("added ") == 2
    assert result.stderr == "2 added, 1 skipped (unsupported file type)\n"


def test_bad_inputs_fail_one_by_one_and_the_rest_is_stored(
    runner, tmp_path, corpus_dir, monkeypatch
):
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "good.txt").write_bytes(fixture_bytes("headline_en.txt"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 20)
    (folder / "broken.txt").write_bytes("Déjà ".encode() + b"\xc3\x28 casse")
    locked = folder / "locked.txt"
    locked.write_bytes(fixture_bytes("no_credit_fr.txt"))
    locked.chmod(0)
    # Root reads anything: make the permission failure certain.
    original_read = Path.read_bytes

    def read_bytes(self):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return original_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    missing = str(tmp_path / "missing.txt")
    result = invoke(runner, "add", str(folder), missing, SEEDLIKE)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {folder / 'binary.txt'}: looks like binary data, not text (NUL bytes)",
        f"Error: {folder / 'broken.txt'}: invalid UTF-8 at byte 7 (the file mixes UTF-8 with "
        "other bytes)",
        f"Error: {folder / 'empty.txt'}: empty file: nothing to store",
        f"Error: {locked}: permission denied",
        f"Error: {missing}: no such file",
        "2 added, 5 failed",
    ]
    corpus = Archive.open(corpus_dir).corpus
    assert corpus.count() == 2
    stored = sorted(p.name for p in corpus.clippings_dir.rglob("*") if p.is_file())
    assert len(stored) == 4  # two whole clippings, no partial file, no temp file


@pytest.mark.parametrize("address", ["ftp://example.org/x", "file:///etc/hosts", "FTP://a/b"])
def test_add_names_an_unsupported_url_scheme(runner, address):
    result = invoke(runner, "add", address, HEADLINE)
    assert result.exit_code == 1
    scheme = address.split(":")[0]
    assert result.stderr.splitlines() == [
        f"Error: {address}: unsupported URL scheme '{scheme}' (only http and https)",
        "1 added, 1 failed",
    ]


def test_add_json_report(runner, tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = invoke(runner, "add", HEADLINE, str(tmp_path / "empty.txt"), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [a["title"] for a in report["added"]] == [
        "Central Bank Holds Rates Steady as Inflation Cools"
    ]
    assert report["failed"] == [
        {
            "input": str(tmp_path / "empty.txt"),
            "error": f"{tmp_path / 'empty.txt'}: empty file: nothing to store",
        }
    ]


@pytest.fixture
def loud_extraction_loggers():
    """The extraction libraries' loggers as a fresh process has them, restored after."""
    import logging

    from clipper.cli import EXTRACTION_LOGGERS

    loggers = [logging.getLogger(name) for name in EXTRACTION_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.NOTSET)
    yield loggers
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def test_add_quiets_the_extraction_libraries_warnings(runner, loud_extraction_loggers):
    import logging

    assert invoke(runner, "add", HEADLINE).exit_code == 0
    assert {logger.level for logger in loud_extraction_loggers} == {logging.ERROR}


def test_the_commands_that_leave_library_logs_alone_are_commands():
    from clipper.cli import READING_COMMANDS

    assert READING_COMMANDS <= set(cli.commands)
    assert not READING_COMMANDS & {"add", "import", "check", "serve"}


def test_add_rejects_a_bad_date_option_as_usage(runner):
    result = runner.invoke(cli, ["add", HEADLINE, "--date", "n'importe quand"])
    assert result.exit_code == 2
    assert "Invalid value for --date: cannot read date" in result.stderr


@pytest.mark.parametrize("date", ["2024-01-01T00:30:00+01:00", "2024-01-01T23:30:00-05:00"])
def test_a_date_stays_on_the_day_its_publisher_wrote(runner, date):
    clipping_id = added_id(runner, HEADLINE, "--date", date)
    shown = json.loads(invoke(runner, "show", clipping_id, "--json").stdout)
    assert shown["date"] == date
    for query in ("date:2024", "date:2024-01-01"):
        result = invoke(runner, "search", query, "--format", "ids")
        assert result.stdout == f"{clipping_id}\n", query
    assert invoke(runner, "search", "date:2023", "--format", "ids").exit_code == 1


# -- import -------------------------------------------------------------------


def _records() -> list[dict]:
    return [
        {
            "title": "Un premier article",
            "text": "Le texte du premier article parle de vélos.",
            "date": "2024-05-02",
            "source": "Ouest-France",
            "tags": ["vélo"],
            "rubrique": "sport",
        },
        {
            "title": "A second story",
            "text": "The text of the second story is about boats.",
            "lang": "en",
            "url": "https://example.com/boats",
        },
    ]


@pytest.mark.parametrize("compressed", [False, True])
def test_import_jsonl(runner, tmp_path, compressed):
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records())
    lines += "not json\n" + json.dumps({"title": "no text"}) + "\n"
    path = tmp_path / ("in.jsonl.gz" if compressed else "in.jsonl")
    if compressed:
        path.write_bytes(gzip.compress(lines.encode()))
    else:
        path.write_text(lines, encoding="utf-8")
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: {path}:3: invalid JSON (Expecting value at column 1)",
        f"Error: {path}:4: no 'text' field, or it is empty",
        "2 added, 2 failed",
    ]
    hit = json.loads(invoke(runner, "search", "vélos", "--json").stdout)["hits"][0]
    assert (hit["title"], hit["source"], hit["date"], hit["tags"]) == (
        "Un premier article",
        "Ouest-France",
        "2024-05-02",
        ["vélo"],
    )
    shown = json.loads(invoke(runner, "show", hit["id"], "--json").stdout)
    assert shown["extra"] == {"rubrique": "sport"}


# -- search -------------------------------------------------------------------


@pytest.fixture
def two_clippings(runner) -> tuple[str, str]:
    return (
        added_id(runner, SEEDLIKE, "--date", "2024-03-15", "--tag", "audio"),
        added_id(runner, HEADLINE, "--date", "2024-04-02"),
    )


def test_search_human_output(runner, two_clippings):
    seed_id, _ = two_clippings
    result = invoke(runner, "search", "casque")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(" 1. La jeune entreprise lyonnaise Ondalia")
    assert lines[1] == f"    Reuters · 2024-03-15 · fr · {seed_id[:8]}"
    assert "casque" in lines[2]
    assert "\x1b" not in result.stdout  # no colour when not a terminal
    assert lines[-1] == "1 clipping, showing 1–1"


def test_search_json(runner, two_clippings):
    seed_id, _ = two_clippings
    data = json.loads(invoke(runner, "search", "casques", "--json").stdout)
    assert data["query"] == "casques"
    assert data["total"] == 1
    hit = data["hits"][0]
    assert set(hit) >= {"id", "score", "title", "source", "date", "lang", "url", "tags", "snippet"}
    assert hit["id"] == seed_id
    marked = [hit["snippet"][s:e] for s, e in hit["highlights"]]
    assert marked and all(m.lower() == "casque" for m in marked)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "ids"])
def test_search_line_formats(runner, two_clippings, fmt):
    seed_id, bank_id = two_clippings
    result = invoke(runner, "search", "casque OR inflation", "--format", fmt)
    lines = result.stdout.splitlines()
    if fmt == "jsonl":
        assert {json.loads(line)["id"] for line in lines} == {seed_id, bank_id}
    elif fmt == "csv":
        assert lines[0] == "id,score,title,source,agency,date,lang,url,tags,snippet"
        assert len(lines) == 3
    else:
        assert set(lines) == {seed_id, bank_id}


CSV_HEADER = "id,score,title,source,agency,date,lang,url,tags,snippet\n"


@pytest.mark.parametrize(
    ("command", "fmt", "stdout"),
    [
        (["search", "casque OR inflation"], "ids", ""),
        (["search", "casque OR inflation"], "jsonl", ""),
        (["search", "casque OR inflation"], "csv", CSV_HEADER),
        (["list"], "ids", ""),
        (["list"], "csv", CSV_HEADER),
    ],
)
def test_a_page_past_the_last_hit_is_empty_output(runner, two_clippings, command, fmt, stdout):
    result = invoke(runner, *command, "--offset", "5", "--format", fmt)
    assert result.exit_code == 0
    assert result.stdout == stdout


@pytest.mark.parametrize(("command", "stdout"), [("search", CSV_HEADER), ("list", CSV_HEADER)])
def test_csv_without_hits_still_has_its_header(runner, two_clippings, command, stdout):
    args = [command, "zeppelin"] if command == "search" else [command, "--lang", "de"]
    result = invoke(runner, *args, "--format", "csv")
    assert result.exit_code == 1
    assert result.stdout == stdout


def test_search_no_hits_exits_1_with_message_on_stderr(runner, two_clippings):
    result = invoke(runner, "search", "zeppelin")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "No clipping matches 'zeppelin'.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "date:2024-99"], "Error: invalid query"),
        (["search", "date:[2024 TO naguère]"], "cannot read date 'naguère'"),
        (["search", "casque", "--since", "jamais de la vie"], "Invalid value for --since"),
        (
            ["search", "casque", "--since", "2020-07", "--until", "2020-06"],
            "Error: empty date range: 2020-07 to 2020-06\n",
        ),
        (
            ["search", "casque date:[2020-07 TO 2020-06]"],
            "Error: invalid query: empty date range: 2020-07 to 2020-06\n",
        ),
        (["search", ""], "empty query"),
        (["search", "foo:bar"], "unknown field 'foo'"),
        (
            ["search", "casque title:"],
            "Error: 'title:' has nothing after it\n"
            "Hint: write what to find right after the colon, as in title:Phi\n",
        ),
        (
            ["search", "date:[2024 TO"],
            "Error: unclosed range 'date:[2024 TO'\n"
            "Hint: close it with ] (or } to leave the end out), as in date:[2024-01 TO 2024-06]\n",
        ),
        (["search", "casque", "--limit", "0"], "Invalid value for '--limit'"),
        (["show", "zz"], "invalid id 'zz'"),
        (["show", "ab"], "too short"),
    ],
)
def test_usage_errors_exit_2_without_traceback(runner, two_clippings, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_search_filters_and_paging(runner, two_clippings):
    seed_id, bank_id = two_clippings
    assert invoke(runner, "search", "le OR the", "--lang", "en", "--format", "ids").stdout == (
        bank_id + "\n"
    )
    assert (
        invoke(
            runner, "search", "casque OR inflation", "--since", "2024-04", "--format", "ids"
        ).stdout
        == bank_id + "\n"
    )
    page2 = invoke(runner, "list", "--limit", "1", "--offset", "1", "--format", "ids")
    assert page2.stdout == seed_id + "\n"


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "15 mars 2024", "--until", "mars 2024"],
        ["--since", "mars 2024", "--until", "1er avril 2024"],
        ["--until", "31 March 2024"],
    ],
)
def test_since_and_until_take_dates_in_words(runner, two_clippings, args):
    seed_id, _ = two_clippings
    result = invoke(runner, "search", "casque OR inflation", *args, "--format", "ids")
    assert result.stdout == seed_id + "\n"


@pytest.mark.parametrize(
    "query", ['date:"mars 2024"', 'date:"15 mars 2024"', "date:[février 2024 TO mars 2024]"]
)
def test_date_field_takes_dates_in_words(runner, two_clippings, query):
    seed_id, _ = two_clippings
    result = invoke(runner, "search", f"(casque OR inflation) {query}", "--format", "ids")
    assert result.stdout == seed_id + "\n"


def test_search_on_a_missing_corpus_says_how_to_start(runner, corpus_dir):
    result = runner.invoke(cli, ["search", "x"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: no corpus at {corpus_dir}\nHint: add a clipping with 'clipper add FILE', or "
        "point --corpus or CLIPPER_CORPUS at an existing corpus\n"
    )


def test_corpus_option_wins_over_environment(runner, tmp_path):
    other = tmp_path / "elsewhere"
    result = invoke(runner, "--corpus", str(other), "add", HEADLINE)
    assert result.exit_code == 0
    assert Archive.open(other).corpus.count() == 1


# -- show, list, rm, tag, reindex, info ---------------------------------------


def test_show_text_and_raw(runner, two_clippings):
    seed_id, _ = two_clippings
    text = invoke(runner, "show", seed_id[:6]).stdout
    assert text.splitlines()[0].startswith("La jeune entreprise lyonnaise")
    assert f"id:       {seed_id}" in text
    assert "credits:  Sarah Bellec / Reuters | Studio" in text
    raw = runner.invoke(cli, ["show", seed_id, "--raw"])
    assert raw.stdout_bytes == fixture_bytes("seedlike_fr.txt")


def test_show_json_has_the_documented_keys(runner, two_clippings):
    data = json.loads(invoke(runner, "show", two_clippings[0], "--json").stdout)
    assert set(data) >= {
        "id",
        "title",
        "text",
        "source",
        "agency",
        "author",
        "date",
        "added",
        "lang",
        "url",
        "tags",
        "captions",
        "credits",
    }
    assert data["captions"][1] == "Le boîtier de rangement en textile recyclé."


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [("pdf/article_fr.pdf", "application/pdf"), ("headline_en.txt", "text/plain, utf-8")],
)
def test_show_gives_an_encoding_for_text_originals_only(runner, fixture, kind):
    clipping_id = added_id(runner, str(FIXTURES / fixture))
    lines = invoke(runner, "show", clipping_id).stdout.splitlines()
    suffix = Path(fixture).suffix
    assert f"original: {clipping_id}.orig{suffix} ({kind})" in lines


def test_show_lists_a_pages_keywords_apart_from_tags(runner):
    clipping_id = added_id(runner, str(FIXTURES / "html" / "article_fr.html"), "--tag", "revue")
    lines = invoke(runner, "show", clipping_id).stdout.splitlines()
    assert "tags:     revue" in lines
    assert (
        "keywords: Transports, mobilité, innovation, Grenoble, Véhicules autonomes" in lines
    )
    found = invoke(runner, "search", 'keywords:"vehicules autonomes"', "--format", "ids")
    assert found.stdout == clipping_id + "\n"


def test_show_unknown_id(runner, two_clippings):
    result = runner.invoke(cli, ["show", "0000"])
    assert result.exit_code == 1
    assert result.stderr == "Error: no clipping with id 0000\n"


def test_list_newest_first(runner, two_clippings):
    seed_id, bank_id = two_clippings
    result = invoke(runner, "list", "--format", "ids")
    assert result.stdout.splitlines() == [bank_id, seed_id]
    human = invoke(runner, "list").stdout
    assert "Central Bank Holds Rates Steady" in human.splitlines()[0]


def test_rm_removes_from_corpus_and_index(runner, two_clippings, corpus_dir):
    seed_id, bank_id = two_clippings
    result = invoke(runner, "rm", seed_id[:8])
    assert result.stdout.startswith(f"removed {seed_id[:8]}  La jeune entreprise")
    assert invoke(runner, "list", "--format", "ids").stdout == bank_id + "\n"
    assert runner.invoke(cli, ["search", "casque"]).exit_code == 1
    assert not any(corpus_dir.rglob(f"{seed_id}*"))


def test_rm_checks_every_id_before_removing_any(runner, two_clippings):
    seed_id, _ = two_clippings
    result = runner.invoke(cli, ["rm", seed_id, "ffff"])
    assert result.exit_code == 1
    assert invoke(runner, "show", seed_id, "--json").exit_code == 0


@pytest.mark.parametrize("damage", ["cut short", "not an object", "another clipping's"])
def test_a_clipping_with_broken_metadata_is_named_by_check_and_removed_by_rm(
    runner, two_clippings, corpus_dir, damage
):
    seed_id, bank_id = two_clippings
    (metadata,) = corpus_dir.rglob(f"{seed_id}.json")
    (other,) = corpus_dir.rglob(f"{bank_id}.json")
    metadata.write_text(
        {
            "cut short": '{"id": "edited by hand and',
            "not an object": "[]",
            "another clipping's": other.read_text(encoding="utf-8"),
        }[damage],
        encoding="utf-8",
    )
    checked = runner.invoke(cli, ["check"])
    assert checked.exit_code == 1
    assert checked.stdout.splitlines()[-1] == (
        f"a damaged clipping needs its files fixed by hand, or removing: clipper rm {seed_id[:8]}"
    )
    removed = invoke(runner, "rm", seed_id[:8])
    assert removed.stdout == f"removed {seed_id[:8]}  (unreadable metadata)\n"
    assert not any(corpus_dir.rglob(f"{seed_id}*"))
    assert invoke(runner, "check").stdout == "checked 1 clipping: everything is in order\n"
    assert invoke(runner, "list", "--format", "ids").stdout == f"{bank_id}\n"
    assert added_id(runner, SEEDLIKE) == seed_id  # the same text can be stored again


def test_tag_adds_and_removes(runner, two_clippings):
    seed_id, _ = two_clippings
    result = invoke(runner, "tag", seed_id, "+Lyon", "-audio", "+tech")
    assert result.stdout == f"{seed_id[:8]}  tags: Lyon, tech\n"
    assert invoke(runner, "search", "tag:lyon", "--format", "ids").stdout == seed_id + "\n"
    assert runner.invoke(cli, ["search", "tag:audio"]).exit_code == 1


def test_tag_rejects_changes_without_sign(runner, two_clippings):
    result = runner.invoke(cli, ["tag", two_clippings[0], "lyon"])
    assert result.exit_code == 2
    assert "write +TAG to add or -TAG to remove" in result.stderr


def test_reindex_and_info(runner, two_clippings, corpus_dir):
    result = invoke(runner, "reindex")
    assert result.stderr == "indexed 2 clippings\n"
    info = json.loads(invoke(runner, "info", "--json").stdout)
    assert info["corpus"] == str(corpus_dir)
    assert info["clippings"] == 2
    assert info["facets"]["lang"] == [{"value": "en", "count": 1}, {"value": "fr", "count": 1}]
    assert info["facets"]["tag"] == [{"value": "audio", "count": 1}]
    assert info["index"]["state"] == "ok"
    assert info["index"]["documents"] == 2
    human = invoke(runner, "info").stdout
    assert "clippings:  2" in human


def test_version(runner):
    from clipper import __version__

    assert invoke(runner, "--version").stdout == f"clipper, version {__version__}\n"


def _write_jsonl(path: Path, count: int, bad: int = 0) -> Path:
    records = [
        json.dumps({"title": f"Article {n}", "text": f"Le texte numéro {n} parle de vélos."})
        for n in range(count)
    ]
    path.write_text("\n".join(records + ["not json"] * bad) + "\n", encoding="utf-8")
    return path


def test_import_is_quiet_by_default_and_lists_with_verbose(runner, tmp_path):
    path = _write_jsonl(tmp_path / "in.jsonl", 3)
    quiet = invoke(runner, "import", str(path))
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "3 added\n")
    other = _write_jsonl(tmp_path / "other.jsonl", 4)
    listed = invoke(runner, "import", str(other), "-v")
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["already"] * 3 + ["added"]
    assert listed.stderr == "1 added, 3 already stored\n"


def test_a_large_batch_of_files_shows_only_its_summary(runner, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(12):
        (folder / f"{n:02d}.txt").write_text(f"Titre {n}\n\nUn texte numéro {n} sur les ports.\n")
    result = invoke(runner, "add", str(folder))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "12 added\n")


def test_errors_of_a_batch_are_counted_after_the_first_ten(runner, tmp_path):
    path = _write_jsonl(tmp_path / "in.jsonl", 2, bad=13)
    result = invoke(runner, "import", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        *(f"Error: {path}:{n}: invalid JSON (Expecting value at column 1)" for n in range(3, 13)),
        "… and 3 more failed (-v or --json lists every error)",
        "2 added, 13 failed",
    ]
    again = invoke(runner, "import", str(path), "-v")
    assert again.stderr.count("Error: ") == 13


def test_quiet_prints_errors_only(runner, tmp_path):
    path = _write_jsonl(tmp_path / "in.jsonl", 2, bad=1)
    result = invoke(runner, "import", str(path), "-q")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {path}:3: invalid JSON (Expecting value at column 1)\n"


def test_import_keeps_foreign_ids_and_added_as_metadata(runner, tmp_path):
    path = tmp_path / "other.jsonl"
    record = {"id": "orangesum-2", "added": "hier", "title": "Un titre", "text": "Un texte."}
    path.write_text(json.dumps(record) + "\n")
    assert invoke(runner, "import", str(path)).exit_code == 0
    clipping_id = invoke(runner, "list", "--format", "ids").stdout.strip()
    shown = json.loads(invoke(runner, "show", clipping_id, "--json").stdout)
    assert shown["extra"] == {"id": "orangesum-2", "added": "hier"}
    assert len(clipping_id) == 16 and shown["added"] != "hier"


def test_optimize_merges_segments(runner, tmp_path):
    for n in range(4):
        note = tmp_path / f"n{n}.txt"
        note.write_text(f"Note {n}\n\nUn texte court numéro {n} sur les ports.\n")
        invoke(runner, "add", str(note))
    result = invoke(runner, "optimize")
    assert result.exit_code == 0
    match = re.fullmatch(r"index segments: (\d+) -> 1 \(\d+\.\d s\)\n", result.stderr)
    assert match and int(match[1]) > 1
    assert invoke(runner, "search", "ports", "--format", "ids").stdout.count("\n") == 4


@pytest.mark.parametrize(("terminal", "said"), [(True, True), (False, False)])
def test_add_says_it_is_reading_a_large_file_on_a_terminal(
    runner, tmp_path, monkeypatch, terminal, said
):
    from clipper import cli as cli_module

    monkeypatch.setattr(cli_module, "on_terminal", lambda: terminal)
    big = tmp_path / "big.txt"
    big.write_text("Un gros texte\n\n" + "Un mot de plus. " * 40_000, encoding="utf-8")
    small = tmp_path / "small.txt"
    small.write_text("Un petit texte\n\nUn mot.\n", encoding="utf-8")
    result = invoke(runner, "add", str(big), str(small))
    assert result.exit_code == 0
    reading = f"Reading {big} (0.6 MB)…\n"
    assert result.stderr == (reading if said else "") + "2 added\n"


@pytest.mark.parametrize("query", ["€", "!!!", "% / %"])
def test_a_query_of_symbols_alone_says_so(runner, two_clippings, query):
    result = runner.invoke(cli, ["search", query])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: query {query!r} has no letters or digits: symbols alone are not indexed\n"
        "Hint: search for words or numbers ('euros', not '€')\n"
    )


@pytest.mark.parametrize("given", ["en", "English", "anglais", "en-GB"])
def test_add_takes_a_language_as_code_tag_or_name(runner, given):
    clipping_id = added_id(runner, HEADLINE, "--lang", given)
    assert json.loads(invoke(runner, "show", clipping_id, "--json").stdout)["lang"] == "en"
    found = invoke(runner, "search", "inflation", "--lang", given, "--format", "ids")
    assert found.stdout == f"{clipping_id}\n"


@pytest.mark.parametrize("command", [["add", HEADLINE], ["search", "inflation"], ["list"]])
def test_an_unknown_language_is_refused_as_usage(runner, corpus_dir, command):
    result = runner.invoke(cli, [*command, "--lang", "zz"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for --lang: unknown language 'zz': give a two-letter "
        "ISO 639-1 code such as fr or en, or a language's name"
    )
    assert not (corpus_dir / "clippings").exists() or not any((corpus_dir / "clippings").iterdir())


def test_no_color_turns_colour_and_bold_off_even_on_a_terminal(runner, two_clippings):
    coloured = runner.invoke(cli, ["search", "casque"], color=True)
    assert "\x1b[" in coloured.stdout
    plain = runner.invoke(cli, ["search", "casque"], color=True, env={"NO_COLOR": "1"})
    assert plain.exit_code == 0
    assert "\x1b[" not in plain.stdout
    assert plain.stdout == click.unstyle(coloured.stdout)


def test_info_counts_one_document_and_one_segment_in_the_singular(runner):
    added_id(runner, HEADLINE)
    index_line = invoke(runner, "info").stdout.splitlines()[3]
    assert index_line.strip().startswith("1 document, 1 segment, ")


def test_a_size_limit_under_a_kilobyte_is_shown_in_bytes(runner):
    result = runner.invoke(cli, ["add", HEADLINE, "--max-size", "10B"])
    assert result.exit_code == 1
    size = Path(HEADLINE).stat().st_size
    assert f"Error: {HEADLINE}: too large ({size} B, the limit is 10 B)" in result.stderr


def test_a_result_line_shows_a_dated_time_on_the_publisher_clock(runner):
    clipping_id = added_id(runner, HEADLINE, "--date", "2024-03-12T23:30:00-05:00")
    listed = invoke(runner, "list").stdout.splitlines()[1]
    assert listed.split(" · ")[1] == "2024-03-12 23:30"
    shown = json.loads(invoke(runner, "show", clipping_id, "--json").stdout)
    assert shown["date"] == "2024-03-12T23:30:00-05:00"


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["search"], 'clipper search -- "-word other words"'),
        (["export"], 'clipper export -- "-word other words"'),
        (["watch", "add", "ia"], 'clipper watch add NAME -- "-word other words"'),
    ],
)
def test_a_query_starting_with_an_excluded_word_gets_a_hint(runner, args, usage):
    result = runner.invoke(cli, [*args, "-Phi modèles"])
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()[-2:]
    assert error.startswith("Error: No such option")  # click's own words vary by version
    assert hint == f"Hint: to exclude a word, put -- before the query: {usage}"


def test_the_hint_works(runner, news):
    # What the hint says to type is accepted.
    assert runner.invoke(cli, ["watch", "add", "ia", "--", "-Phi modèles"]).exit_code == 0
    assert runner.invoke(cli, ["watch", "list", "--json"]).stdout.count("-Phi modèles") == 1


def test_an_excluded_word_glued_to_a_short_option_is_not_taken_for_it(
    runner, news, tmp_path, monkeypatch
):
    # "-otan" (exclude "otan") would otherwise export everything to a file "tan".
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["export", "-otan"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: '-otan' reads as -o tan: to exclude a word, put -- before the query "
        '(clipper export -- "-word other words"); for the option, put a space: -o tan'
    )
    assert not (tmp_path / "tan").exists()
    assert runner.invoke(cli, ["export", "--", "-otan"]).exit_code == 0


@pytest.mark.parametrize("option", ["--source", "--tag", "--title"])
def test_an_option_value_starting_with_dash_o_is_the_options(runner, news, option):
    result = runner.invoke(cli, ["export", option, "-otan", "--format", "md", "zzzqx"])
    assert result.exit_code == 1  # found nothing: not refused as -o tan
    assert result.stderr == "No clipping matches.\n"


@pytest.mark.parametrize("args", [["-oreview.md"], ["-o", "tan"], ["--output=tan"]])
def test_an_output_file_is_still_written_however_the_option_is_spelled(
    runner, news, tmp_path, monkeypatch, args
):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["export", "--format", "md", *args])
    assert result.exit_code == 0, result.output
    written = args[-1].removeprefix("-o").removeprefix("--output=")
    assert (tmp_path / written).read_text(encoding="utf-8").startswith("# Revue de presse")
    assert result.stderr == f"exported {len(news)} clippings to {written}\n"


def test_an_unknown_long_option_gets_no_such_hint(runner):
    result = runner.invoke(cli, ["search", "--limt", "5", "casque"])
    assert result.exit_code == 2
    assert "Hint: to exclude" not in result.stderr


def test_rm_of_an_id_given_twice_removes_it_once(runner, two_clippings):
    seed_id, bank_id = two_clippings
    result = invoke(runner, "rm", seed_id[:8], seed_id)
    assert result.exit_code == 0
    assert result.stdout.count("removed ") == 1
    assert invoke(runner, "list", "--format", "ids").stdout == f"{bank_id}\n"


def test_a_search_says_when_clippings_it_found_could_not_be_read(
    runner, two_clippings, corpus_dir
):
    seed_id, _ = two_clippings
    (metadata,) = corpus_dir.rglob(f"{seed_id}.json")
    metadata.write_text("{", encoding="utf-8")
    result = runner.invoke(cli, ["search", "casque", "--format", "ids"])
    assert result.stdout == ""
    assert result.stderr == (
        f"Warning: 1 of the clippings found could not be read ({seed_id[:8]}); "
        "'clipper check' tells why\n"
    )
    found = json.loads(invoke(runner, "search", "casque", "--json").stdout)
    assert found["unreadable"] == [seed_id] and found["hits"] == []
