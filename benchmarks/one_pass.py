#!/usr/bin/env python3
"""The one-analysis-pass lever of issue 16, measured on a prototype.

clipper indexes each title and text twice: an exact field with positions
(``title``, ``body``) and a stemmed field of the clipping's language without
positions (``title_fr``, ``body_en``, ...). The lever asks for one field
carrying the exact form and the stem at the same position, as Lucene's
``keyword_repeat`` + ``remove_duplicates`` do. This builds the same documents
three ways, in one process, alternating, and reports the CPU seconds of Whoosh's
writer (analysis, posting pool, segment writing), the index's size and its
postings:

- ``two_fields``: clipper's schema as it is;
- ``one_field``: ``title`` and ``body`` each one positional field holding the
  exact form and, at the same position, the stem when it differs from the
  form and the form is no stop word (stems and forms share terms: a stem that
  is also a written word meets it, as in Lucene);
- ``one_field_marked``: the same with every stem marked (``=elect``), so a
  stem never meets a written word, which is what clipper's ranking relies on
  (an exact form outranks a stemmed match).

Only the index side is built: the query side of the variants is not written,
so their effect on ranking is not measured here. Every other field is the same
in all three. ::

    python benchmarks/one_pass.py --data …/orangesum_fr_sample5k.jsonl.gz \
        --data …/reuters21578.jsonl.gz --limit 5000 --runs 3
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

VARIANTS = ("two_fields", "one_field", "one_field_marked")
STEM_MARK = "="  # no token of clipper's tokenizer holds it
TEXT_FIELDS = ("title", "body")


def records(paths: list[Path], limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` records with a text, split evenly between the files."""
    share = limit // len(paths)
    taken: list[dict[str, Any]] = []
    for path in paths:
        opener = gzip.open if path.suffix == ".gz" else open
        count = 0
        with opener(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                if count >= share:
                    break
                record = json.loads(line)
                if record.get("text"):
                    taken.append(record)
                    count += 1
    return taken


def documents(recs: list[dict[str, Any]]) -> list[tuple[str | None, dict[str, Any]]]:
    """``(language, Whoosh document)`` of each record, as clipper indexes it."""
    from clipper.fingerprint import fingerprint_text, signature
    from clipper.indexing import document_for
    from clipper.language import detect_language
    from clipper.model import Clipping, content_id

    docs = []
    for record in recs:
        text = record["text"] if isinstance(record["text"], str) else "\n\n".join(record["text"])
        lang = record.get("lang") or detect_language(text)
        clipping = Clipping(
            id=content_id(text),
            title=record.get("title") or "",
            text=text,
            added="2026-12-01T10:00:00.000000+00:00",
            original="original.txt",
            source=record.get("source"),
            date=record.get("date"),
            url=record.get("url"),
            lang=lang,
        )
        docs.append((lang, document_for(clipping, signature(fingerprint_text(clipping)))))
    return docs


class OnePassTokens:
    """Exact forms, and each form's stem at the same position: a prototype.

    Whoosh hands an analyzer only the text, so the clipping's language is set
    on the instance before each document is added.
    """

    def __init__(self, marked: bool) -> None:
        from clipper.analysis import STEMMED_LANGUAGES, shared_tokens

        self.marked = marked
        self.languages: tuple[str, ...] = STEMMED_LANGUAGES
        self._exact = shared_tokens()
        self._stems: dict[tuple[str, str], str | None] = {}

    def stem(self, lang: str, form: str) -> str | None:
        key = (lang, form)
        if key not in self._stems:
            from clipper.analysis import analyze, stemming_analyzer

            stems = analyze(stemming_analyzer(lang), form)
            self._stems[key] = stems[0] if stems else None
        return self._stems[key]

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        mode: str = "",
        start_pos: int = 0,
        **kwargs: Any,
    ) -> Iterator[Any]:
        from whoosh.analysis import Token

        token = Token(positions, chars, mode=mode, **kwargs)
        for form, pos, start, end in self._exact.analysed(value, mode):
            # The form, then each distinct stem, all at the form's position.
            texts = dict.fromkeys([form, *self._with_stems(form)])
            for text in texts:
                token.text, token.boost, token.stopped = text, 1.0, False
                if positions:
                    token.pos = start_pos + pos
                if chars:
                    token.startchar, token.endchar = start, end
                yield token

    def _with_stems(self, form: str) -> Iterator[str]:
        for lang in self.languages:
            stem = self.stem(lang, form)
            if stem is None:
                continue
            if self.marked:
                yield STEM_MARK + stem
            elif stem != form:
                yield stem


def schema_for(variant: str) -> tuple[Any, OnePassTokens | None]:
    from whoosh.fields import TEXT

    from clipper.analysis import STEMMED_LANGUAGES
    from clipper.fields import build_schema

    schema = build_schema()
    if variant == "two_fields":
        return schema, None
    tokens = OnePassTokens(marked=variant == "one_field_marked")
    for lang in STEMMED_LANGUAGES:
        for name in TEXT_FIELDS:
            schema.remove(f"{name}_{lang}")
    for name in TEXT_FIELDS:
        schema.remove(name)
        schema.add(name, TEXT(analyzer=tokens, phrase=True))  # type: ignore[arg-type]
    return schema, tokens


def index_once(variant: str, docs: list[tuple[str | None, dict[str, Any]]]) -> dict[str, Any]:
    from whoosh import index

    from clipper.analysis import STEMMED_LANGUAGES

    schema, tokens = schema_for(variant)
    folder = tempfile.mkdtemp(prefix=f"clipper-one-pass-{variant}-")
    try:
        ix = index.create_in(folder, schema)
        started = time.process_time()
        writer = ix.writer()
        for lang, doc in docs:
            if tokens is not None:
                tokens.languages = (lang,) if lang in STEMMED_LANGUAGES else STEMMED_LANGUAGES
                doc = {k: v for k, v in doc.items() if k in schema}
            writer.add_document(**doc)
        writer.commit()
        seconds = time.process_time() - started
        size = sum(p.stat().st_size for p in Path(folder).iterdir())
        text_fields = {n for n in schema.names() if n.split("_")[0] in TEXT_FIELDS}
        with ix.reader() as reader:
            postings = terms = 0
            for fieldname, text in reader.all_terms():
                if fieldname in text_fields:
                    terms += 1
                    postings += reader.doc_frequency(fieldname, text)
        return {
            "cpu_seconds": seconds,
            "index_bytes": size,
            "text_terms": terms,
            "text_postings": postings,
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--limit", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    docs = documents(records(args.data, args.limit))
    text_bytes = sum(len(d.get("title", "").encode()) + len(d["body"].encode()) for _, d in docs)
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    for round_ in range(args.runs):
        # Rotate the order: the machine's load drifts within a round.
        order = VARIANTS[round_ % len(VARIANTS) :] + VARIANTS[: round_ % len(VARIANTS)]
        for variant in order:
            runs[variant].append(index_once(variant, docs))
    report: dict[str, Any] = {"documents": len(docs), "text_bytes": text_bytes}
    for variant, results in runs.items():
        seconds = [r["cpu_seconds"] for r in results]
        report[variant] = {
            "cpu_seconds": [round(s, 2) for s in seconds],
            "median_cpu_seconds": round(statistics.median(seconds), 2),
            "index_bytes": results[0]["index_bytes"],
            "index_over_text": round(results[0]["index_bytes"] / text_bytes, 2),
            "text_terms": results[0]["text_terms"],
            "text_postings": results[0]["text_postings"],
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
