"""Nothing lost: concurrent writers, killed imports, check and repair, hostile input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clipper import archive as archive_module
from clipper.archive import Archive
from clipper.cli import cli
from clipper.indexing import diff
from clipper.locking import corpus_lock
from clipper.storage import TMP_PREFIX

CLIPPER = [sys.executable, "-m", "clipper"]


def _env(corpus: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "CLIPPER_CORPUS": str(corpus), "PYTHONUNBUFFERED": "1", **extra}


def _articles(tmp_path: Path, name: str, numbers: range) -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as handle:
        for n in numbers:
            record = {
                "title": f"Dépêche {n} sur le port numéro {n}",
                "text": f"Le port numéro {n} accueille {n * 37 % 1000} navires et "
                f"{n * 7919 % 100000} conteneurs par an, selon la chambre de commerce {n}.",
                "lang": "fr",
                "date": f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _index_ids(archive: Archive) -> list[str]:
    return archive.index.indexed_ids()


# -- concurrency ---------------------------------------------------------------


@pytest.mark.slow  # starts and kills processes
def test_concurrent_writers_and_searchers_lose_nothing(tmp_path, corpus_dir):
    Archive.open_or_create(corpus_dir).close()
    # Four importers with overlapping files (the same article from two of them).
    files = [_articles(tmp_path, f"part{i}.jsonl", range(i * 30, i * 30 + 40)) for i in range(4)]
    writers = [
        subprocess.Popen(
            [*CLIPPER, "import", str(f), "--quiet"], env=_env(corpus_dir), stderr=subprocess.PIPE
        )
        for f in files
    ]
    searchers = [
        subprocess.Popen(
            [*CLIPPER, "search", "port", "--format", "ids", "--limit", "500"],
            env=_env(corpus_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(6)
    ]
    for process in writers:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
    for process in searchers:
        _, err = process.communicate(timeout=300)
        assert process.returncode in (0, 1), err.decode()  # 1: nothing indexed yet
        assert b"Traceback" not in err
    archive = Archive.open(corpus_dir)
    stored = sorted(archive.corpus.iter_ids())
    assert len(stored) == 130  # 0..129, the overlaps stored once
    indexed = _index_ids(archive)
    assert sorted(indexed) == stored  # each indexed exactly once
    assert archive.search("port", limit=1).total == 130
    assert diff(archive.corpus).clean


@pytest.mark.slow  # starts and kills processes
def test_a_writer_that_cannot_get_the_lock_says_who_holds_it(tmp_path, corpus_dir):
    archive = Archive.open_or_create(corpus_dir)
    article = _articles(tmp_path, "one.jsonl", range(1))
    with corpus_lock(corpus_dir):
        result = subprocess.run(
            [*CLIPPER, "import", str(article)],
            capture_output=True,
            env=_env(corpus_dir, CLIPPER_LOCK_TIMEOUT="0.3"),
            timeout=120,
        )
    assert result.returncode == 1
    message = result.stderr.decode()
    assert f"is being changed by process {os.getpid()}" in message
    assert "waited 0.3 s" in message
    assert "Hint: retry when it has finished" in message
    assert "Traceback" not in message
    assert archive.corpus.count() == 0


@pytest.mark.slow  # starts and kills processes
def test_searches_run_while_a_writer_holds_the_lock(tmp_path, corpus_dir):
    archive = Archive.open_or_create(corpus_dir)
    archive.import_jsonl(_articles(tmp_path, "a.jsonl", range(5)))
    with corpus_lock(corpus_dir):
        result = subprocess.run(
            [*CLIPPER, "search", "port", "--format", "ids"],
            capture_output=True,
            env=_env(corpus_dir),
            timeout=120,
        )
    assert result.returncode == 0
    assert len(result.stdout.split()) == 5


# -- crashes -------------------------------------------------------------------

KILLS = 6


@pytest.mark.slow  # starts and kills processes
def test_import_killed_at_random_points_then_resumed(tmp_path, corpus_dir):
    import random

    source = _articles(tmp_path, "big.jsonl", range(150))
    rng = random.Random(1234)
    Archive.open_or_create(corpus_dir).close()
    for _ in range(KILLS):
        process = _import_running(source, corpus_dir, stored=rng.randint(1, 25))
        _kill(process)
        _assert_only_whole_clippings(corpus_dir)
    final = subprocess.run(
        [*CLIPPER, "import", str(source), "--json"],
        capture_output=True,
        env=_env(corpus_dir),
        timeout=300,
    )
    assert final.returncode == 0, final.stderr.decode()
    report = json.loads(final.stdout)
    assert len(report["added"]) + len(report["duplicates"]) == 150
    archive = Archive.open(corpus_dir)
    assert archive.corpus.count() == 150
    assert sorted(_index_ids(archive)) == sorted(archive.corpus.iter_ids())
    checked = subprocess.run(
        [*CLIPPER, "check", "--repair", "--json"],
        capture_output=True,
        env=_env(corpus_dir),
        timeout=300,
    )
    assert checked.returncode == 0
    assert json.loads(checked.stdout)["index"] == {
        "missing": 0,
        "extra": 0,
        "stale": 0,
        "rebuilt": False,
    }


def _descendants_of(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # ended meanwhile
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        found.append(todo.pop())
        todo.extend(children.get(found[-1], []))
    return found


def _children_of(pid: int) -> list[int]:
    return [child for child in _descendants_of(pid) if _parent_of(child) == pid]


def _parent_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def _wait_for_exit(pid: int, timeout: float) -> bool:
    """True once process ``pid`` (not a child of this one) has ended."""
    import select

    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([handle], [], [], timeout)[0])
    finally:
        os.close(handle)


@pytest.mark.slow  # starts and kills processes
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, uses pidfd")
@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one core: no worker processes")
def test_a_killed_bulk_import_leaves_no_worker_behind(tmp_path, corpus_dir):
    # Large enough to be prepared in workers and analysed in Whoosh's processes.
    source = _articles(tmp_path, "big.jsonl", range(1_600))
    assert source.stat().st_size > archive_module.PARALLEL_JSONL_BYTES
    Archive.open_or_create(corpus_dir).close()
    # Whoosh starts an analysing process per 100 documents.
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as stderr:
        process = _import_running(source, corpus_dir, stored=300, stderr=stderr)
    workers = _descendants_of(process.pid)
    # Two preparing workers, the fork server and at least one analysing process,
    # started from the fork server rather than forked from the importer.
    assert len(workers) >= 4
    assert len(_descendants_of(process.pid)) > len(_children_of(process.pid))
    _kill(process)
    assert [pid for pid in workers if not _wait_for_exit(pid, timeout=30)] == []
    # Every process that shared the terminal has ended (multiprocessing's
    # resource tracker among them, which warned of "leaked semaphores").
    assert errors.read_text() == ""


@pytest.mark.slow  # starts worker processes and ends them
def test_a_bulk_import_failing_midway_ends_its_workers(tmp_path, corpus_dir, monkeypatch):
    import multiprocessing

    from clipper import indexing

    monkeypatch.setattr(indexing.os, "cpu_count", lambda: 2)  # Whoosh's processes, always
    monkeypatch.setattr(archive_module, "PARALLEL_JSONL_BYTES", 0)
    real_store = archive_module._Batch.store
    calls = {"n": 0}

    def store_until_the_disk_fills(self, item):
        calls["n"] += 1
        if calls["n"] == 250:  # after two jobs went to Whoosh's processes
            raise OSError(28, "No space left on device")
        return real_store(self, item)

    monkeypatch.setattr(archive_module._Batch, "store", store_until_the_disk_fills)
    archive = Archive.open_or_create(corpus_dir)
    with pytest.raises(OSError, match="No space left"):
        archive.import_jsonl(_articles(tmp_path, "big.jsonl", range(400)))
    # Whoosh's own cancel left them waiting for work, and the interpreter for them.
    assert multiprocessing.active_children() == []
    assert archive.corpus.count() == 249
    assert sorted(_index_ids(archive)) == sorted(archive.corpus.iter_ids())


def _import_running(
    source: Path, corpus_dir: Path, stored: int, stderr: Any = subprocess.DEVNULL
) -> subprocess.Popen[bytes]:
    """A ``clipper import`` of ``source``, once it has reported ``stored`` clippings."""
    process = subprocess.Popen(
        [*CLIPPER, "import", str(source), "--verbose"],
        env=_env(corpus_dir),
        stdout=subprocess.PIPE,
        stderr=stderr,
    )
    assert process.stdout is not None
    seen = 0
    for line in process.stdout:  # each stored clipping prints one line
        if line.startswith((b"added", b"already")):
            seen += 1
        if seen >= stored:
            break
    return process


def _kill(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.stdout is not None
    process.stdout.close()


def _assert_only_whole_clippings(corpus_dir: Path) -> None:
    archive = Archive.open(corpus_dir)
    for clipping in archive.corpus.iter_clippings():  # every metadata file parses
        assert archive.corpus.read_original(clipping)  # and its original is there


def test_search_after_a_killed_writer_indexes_what_it_stored(tmp_path, corpus_dir):
    archive = Archive.open_or_create(corpus_dir)
    archive.import_jsonl(_articles(tmp_path, "first.jsonl", range(3)))
    # Simulate a writer killed after storing files, before its index commit.
    from clipper.locking import mark_pending

    later = Archive.open_or_create(tmp_path / "scratch")
    later.import_jsonl(_articles(tmp_path, "second.jsonl", range(3, 6)))
    for path in (tmp_path / "scratch" / "clippings").rglob("*.*"):
        target = corpus_dir / "clippings" / path.parent.name / path.name
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(path.read_bytes())
    mark_pending(corpus_dir)
    fresh = Archive.open(corpus_dir)
    assert fresh.search("port", limit=1).total == 6
    assert not (corpus_dir / ".clipper.pending").exists()


# -- check and repair ----------------------------------------------------------


@pytest.fixture
def damaged(tmp_path, corpus_dir):
    archive = Archive.open_or_create(corpus_dir)
    archive.import_jsonl(_articles(tmp_path, "a.jsonl", range(6)))
    ids = sorted(archive.corpus.iter_ids())
    archive.close()
    shard = corpus_dir / "clippings" / ids[0][:3]
    (shard / f"{TMP_PREFIX}{ids[0]}.json-123-abcd").write_text("{")  # interrupted write
    orphan = archive.corpus.read(ids[1])
    archive.corpus.metadata_path(ids[1]).unlink()  # add interrupted before its metadata
    stale = archive.corpus.read(ids[2])
    stale.tags = ["changed-by-hand"]
    archive.corpus.update(stale)  # metadata changed behind the index
    return archive, ids, orphan


def test_check_reports_without_changing_anything(runner: CliRunner, damaged):
    archive, ids, orphan = damaged
    result = runner.invoke(cli, ["check", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["clippings"] == 5
    assert report["index"] == {"missing": 0, "extra": 1, "stale": 1, "rebuilt": False}
    kinds = sorted((p["kind"], p["detail"]) for p in report["problems"])
    assert (
        "debris",
        "original without metadata (an interrupted add, or metadata deleted); "
        "--repair moves it to lost-found/",
    ) in kinds
    assert ("debris", "temporary file of an interrupted write") in kinds
    assert not any(p["repaired"] for p in report["problems"])
    assert archive.corpus.original_path(orphan).exists()


def test_check_repair_fixes_index_and_debris(runner: CliRunner, damaged):
    archive, ids, orphan = damaged
    orphan_bytes = archive.corpus.original_path(orphan).read_bytes()
    result = runner.invoke(cli, ["check", "--repair"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "4 repaired, 0 left"
    assert not archive.corpus.original_path(orphan).exists()
    # The orphan's bytes may be all that is left of a clipping: kept aside.
    kept = archive.root / "lost-found" / orphan.original
    assert f"moved to {kept} (clipper import it to keep it)" in result.stdout
    assert kept.read_bytes() == orphan_bytes
    assert runner.invoke(cli, ["import", str(kept)]).exit_code == 0
    restored = archive.corpus.read(ids[1])  # the clipping it was, again
    assert (restored.title, restored.date, restored.source) == (
        orphan.title,
        orphan.date,
        orphan.source,
    )
    assert not list((archive.root / "clippings").rglob(f"{TMP_PREFIX}*"))
    assert runner.invoke(cli, ["search", "tag:changed-by-hand", "--format", "ids"]).stdout == (
        ids[2] + "\n"
    )
    again = runner.invoke(cli, ["check"])
    assert again.exit_code == 0
    assert again.stdout == "checked 6 clippings: everything is in order\n"  # one restored


def test_check_repair_keeps_every_orphan_apart_in_lost_found(runner: CliRunner, damaged):
    archive, ids, orphan = damaged
    path = archive.corpus.original_path(orphan)
    first = path.read_bytes()
    assert runner.invoke(cli, ["check", "--repair"]).exit_code == 0
    lost = archive.root / "lost-found"
    # The same name again, other bytes (the text with CRLF, say): both kept.
    path.write_bytes(first.replace(b"\n", b"\r\n"))
    assert runner.invoke(cli, ["check", "--repair"]).exit_code == 0
    # And the same bytes a third time: nothing new to keep.
    path.write_bytes(first)
    assert runner.invoke(cli, ["check", "--repair"]).exit_code == 0
    stem, _, rest = orphan.original.partition(".")
    assert sorted(p.name for p in lost.iterdir()) == [f"{stem}-1.{rest}", orphan.original]
    assert (lost / orphan.original).read_bytes() == first
    assert (lost / f"{stem}-1.{rest}").read_bytes() == first.replace(b"\n", b"\r\n")
    assert not path.exists()


def test_check_repair_leaves_an_orphan_when_lost_found_is_a_file(runner: CliRunner, damaged):
    archive, ids, orphan = damaged
    (archive.root / "lost-found").write_text("not a folder")
    result = runner.invoke(cli, ["check", "--repair", "--json"])
    assert result.exit_code == 1
    left = [p for p in json.loads(result.stdout)["problems"] if not p["repaired"]]
    assert [p["detail"].rsplit("; ", 1)[1] for p in left] == [
        f"{archive.root / 'lost-found'} is not a folder: left where it is"
    ]
    assert archive.corpus.original_path(orphan).exists()


def test_check_leaves_a_damaged_original_for_a_human(runner: CliRunner, damaged):
    archive, ids, _ = damaged
    clipping = archive.corpus.read(ids[3])
    archive.corpus.original_path(clipping).write_bytes(b'{"title": "x", "text": "other"}\n')
    result = runner.invoke(cli, ["check", "--repair", "--json"])
    assert result.exit_code == 1
    left = [p for p in json.loads(result.stdout)["problems"] if not p["repaired"]]
    assert [(p["kind"], p["target"]) for p in left] == [("id", ids[3])]


def test_check_repair_sets_a_language_stored_as_a_name_to_its_code(
    runner: CliRunner, tmp_path, corpus_dir
):
    # Versions before languages were read as codes stored --lang as typed;
    # the language identifier stores codes Babel may not know (yue): kept.
    archive = Archive.open_or_create(corpus_dir)
    archive.import_jsonl(_articles(tmp_path, "a.jsonl", range(4)))
    ids = sorted(archive.corpus.iter_ids())
    stored_as = dict(zip(ids, ["english", "fr-FR", "yue", "elvish"], strict=True))
    for clipping_id, typed in stored_as.items():
        clipping = archive.corpus.read(clipping_id)
        clipping.lang = typed
        archive.corpus.update(clipping)
    archive.close()
    found = runner.invoke(cli, ["check"])
    assert found.exit_code == 1
    assert sorted(found.stdout.splitlines()[1:3]) == sorted(
        [
            f"problem: language {ids[0]}: language 'english' is not a code "
            "(--repair sets it to 'en')",
            f"problem: language {ids[1]}: language 'fr-FR' is not a code "
            "(--repair sets it to 'fr')",
        ]
    )
    report = json.loads(runner.invoke(cli, ["check", "--json"]).stdout)
    flagged = sorted(p["target"] for p in report["problems"] if p["kind"] == "language")
    assert flagged == sorted(ids[:2])
    repaired = runner.invoke(cli, ["check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    stored = Archive.open(corpus_dir)
    assert [stored.get(i).lang for i in ids] == ["en", "fr", "yue", "elvish"]
    stored.close()
    english = runner.invoke(cli, ["list", "--lang", "en", "--format", "ids"]).stdout.split()
    assert english == [ids[0]]
    assert runner.invoke(cli, ["check"]).stdout == "checked 4 clippings: everything is in order\n"


def test_search_rebuilds_an_index_of_an_older_schema(runner, damaged, corpus_dir):
    (corpus_dir / ".index" / "clipper-index.json").write_text('{"schema": 1}')
    result = runner.invoke(cli, ["search", "port", "--format", "ids", "--limit", "50"])
    assert result.exit_code == 0
    assert len(result.stdout.split()) == 5


# -- hostile and broken input --------------------------------------------------


def test_files_over_the_size_limit_are_refused(runner, tmp_path, corpus_dir):
    big = tmp_path / "big.txt"
    big.write_text("Titre\n\n" + "Un mot. " * 200_000)  # 1.6 MB
    small = tmp_path / "small.txt"
    small.write_text("Titre court\n\nUn petit texte.\n")
    result = runner.invoke(cli, ["add", str(big), str(small), "--max-size", "1MB"])
    assert result.exit_code == 1
    assert f"Error: {big}: too large (1.5 MB, the limit is 1.0 MB)" in result.stderr
    assert Archive.open(corpus_dir).corpus.count() == 1


def test_a_two_megabyte_single_line_is_stored(archive):
    line = ("mot " * 500_000).encode()  # 1.9 MB, no newline: extraction stays linear
    outcome = archive.add_bytes(line, "line.txt")
    assert outcome.status == "added", outcome.error
    assert archive.raw(outcome.clipping.id) == line


@pytest.mark.parametrize(
    ("data", "name", "size"),
    [
        (("mot " * 2_600_000).encode(), "line.txt", "9.9 MB"),  # refused before decoding
        (b"Titre\n\n" + ("é" * 1_100_000).encode(), "long.md", "2.1 MB"),
    ],
)
def test_a_text_too_long_for_a_clipping_is_refused(archive, data, name, size):
    outcome = archive.add_bytes(data, name)
    assert outcome.status == "failed"
    assert outcome.error == f"{name}: too long for a clipping ({size} of text, at most 2.0 MB)"
    assert archive.count() == 0


def test_a_json_record_too_long_for_a_clipping_is_refused_alone(archive, tmp_path):
    path = tmp_path / "in.jsonl"
    records = [{"title": "T", "text": "mot " * 600_000}, {"title": "U", "text": "Un texte."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = archive.import_jsonl(path)
    assert [o.status for o in report.outcomes] == ["failed", "added"]
    assert report.outcomes[0].error == (
        f"{path}:1: too long for a clipping (2.3 MB of text, at most 2.0 MB)"
    )


def test_front_matter_cannot_place_files_outside_the_corpus(archive, corpus_dir):
    text = b"---\ntitle: ../../../etc/passwd\nsource: /etc/shadow\n---\nUn texte normal.\n"
    outcome = archive.add_bytes(text, "../../evil.md")
    assert outcome.status == "added"
    files = [p for p in corpus_dir.rglob("*") if p.is_file()]
    assert all(p.resolve().is_relative_to(corpus_dir.resolve()) for p in files)
    assert outcome.clipping.original == f"{outcome.clipping.id}.orig.md"
    assert outcome.clipping.title == "../../../etc/passwd"


def test_symlinks_pointing_outside_a_directory_are_refused(runner, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("Un secret\n\nHors du dossier.\n")
    (folder / "link.txt").symlink_to(secret)
    (folder / "ok.txt").write_text("Un titre\n\nUn texte du dossier.\n")
    result = runner.invoke(cli, ["add", str(folder)])
    assert result.exit_code == 1
    assert f"{folder / 'link.txt'}: symbolic link to a file outside {folder}: refused" in (
        result.stderr
    )
    assert "1 added, 1 failed" in result.stderr


def test_a_full_or_read_only_corpus_fails_cleanly(runner, tmp_path, corpus_dir, monkeypatch):
    Archive.open_or_create(corpus_dir).close()
    import clipper.storage as storage

    real = storage.write_atomic

    def full_disk(path, data):
        if path.name.endswith(".json") and path.parent.parent.name == "clippings":
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(storage, "write_atomic", full_disk)
    article = tmp_path / "a.txt"
    article.write_text("Un titre\n\nUn texte.\n")
    result = runner.invoke(cli, ["add", str(article)])
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.output
    assert not [p for p in (corpus_dir / "clippings").rglob("*") if p.is_file()]


def test_escape_sequences_never_reach_the_terminal(runner, tmp_path):
    hostile = tmp_path / "evil.txt"
    hostile.write_bytes(
        b"Titre \x1b[2J\x1b]0;pwned\x07 piege\n\nTexte \x1b[31mrouge\x1b[0m cible \x9b31m ici.\n"
    )
    added = runner.invoke(cli, ["add", str(hostile)])
    assert added.exit_code == 0
    outputs = [added.stdout]
    clipping_id = runner.invoke(cli, ["list", "--format", "ids"]).stdout.strip()
    for args in (
        ["search", "cible"],
        ["show", clipping_id],
        ["list"],
        ["info"],
        ["export", "--format", "md"],
        ["export", "--format", "csv"],
    ):
        outputs.append(runner.invoke(cli, args).stdout)
    for output in outputs:
        assert "\x1b" not in output and "\x9b" not in output and "\x07" not in output


def test_an_index_of_an_older_version_with_vanished_classes_is_rebuilt(
    tmp_path, corpus_dir, monkeypatch
):
    """An upgrade may remove an analysis class that the old index's schema pickled."""
    import sys

    from whoosh import fields, index

    archive = Archive.open_or_create(corpus_dir)
    archive.import_jsonl(_articles(tmp_path, "a.jsonl", range(3)))
    archive.close()
    module = tmp_path / "gone_analysis.py"
    module.write_text(
        "from whoosh.analysis import Filter\n"
        "class GoneFilter(Filter):\n"
        "    def __call__(self, tokens):\n"
        "        yield from tokens\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import gone_analysis
    from whoosh.analysis import StandardAnalyzer

    old_schema = fields.Schema(
        id=fields.ID(stored=True),
        body=fields.TEXT(analyzer=StandardAnalyzer() | gone_analysis.GoneFilter()),
    )
    index_dir = corpus_dir / ".index"
    for path in index_dir.iterdir():
        path.unlink()
    index.create_in(str(index_dir), old_schema).close()
    (index_dir / "clipper-index.json").write_text('{"schema": 1}')
    monkeypatch.delitem(sys.modules, "gone_analysis")
    monkeypatch.syspath_prepend(str(tmp_path / "nowhere"))
    module.unlink()
    reopened = Archive.open(corpus_dir)
    assert reopened.search("port", limit=1).total == 3
    reopened.close()


@pytest.mark.slow  # starts and kills processes
def test_a_reader_that_stops_early_is_not_an_error(tmp_path, corpus_dir):
    # More than a pipe's buffer of JSON Lines, so that writing hits the closed pipe.
    Archive.open_or_create(corpus_dir).import_jsonl(_articles(tmp_path, "a.jsonl", range(300)))
    process = subprocess.Popen(
        [*CLIPPER, "export"],
        env=_env(corpus_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100).startswith(b'{"id": ')
    process.stdout.close()  # as `clipper export | head -c 100` does
    errors = process.stderr.read()
    process.stderr.close()
    assert (process.wait(timeout=60), errors) == (0, b"")
