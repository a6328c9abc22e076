"""Near-duplicate detection quality against OrangeSum's duplicate groups.

Runs clipper's own fingerprinting (MinHash over word 4-grams, 32 bands of 4
rows) over every OrangeSum article and compares the pairs it calls
near-duplicates with the pairs that share an upstream ``dup_group``, at
several similarity thresholds.

    python benchmarks/quality_neardup.py \
        [--data ../shared/data/orangesum/orangesum_fr_full.jsonl.gz]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

from clipper.fingerprint import NEAR_DUPLICATE_THRESHOLD, band_values, signature, similarity
from clipper.textutil import fold

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / (
    "shared/data/orangesum/orangesum_fr_full.jsonl.gz"
)
THRESHOLDS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
_WORD = re.compile(r"\w+")


def exact_shingles(text: str) -> set[str]:
    words = _WORD.findall(fold(text.lower()))
    return {" ".join(words[i : i + 4]) for i in range(len(words) - 3)}


def overlap(a: set[str], b: set[str]) -> tuple[float, float]:
    """Exact Jaccard similarity and containment (share of the smaller set)."""
    common = len(a & b)
    return common / max(1, len(a | b)), common / max(1, min(len(a), len(b)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json-out", type=Path, default=Path("benchmarks/results/neardup.json"))
    args = parser.parse_args()
    if not args.data.exists():
        print(f"data not found: {args.data} (see ../shared/data/README.md)", file=sys.stderr)
        return 2

    started = time.perf_counter()
    groups: dict[str, list[int]] = defaultdict(list)
    signatures = []
    texts = []
    with gzip.open(args.data, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            record = json.loads(line)
            texts.append(f"{record.get('title') or ''}\n{record['text']}")
            signatures.append(signature(texts[-1]))
            if record.get("dup_group") is not None:
                groups[str(record["dup_group"])].append(number)
    fingerprint_seconds = time.perf_counter() - started

    truth = {
        pair for members in groups.values() for pair in itertools.combinations(sorted(members), 2)
    }
    by_band: dict[tuple[int, int], list[int]] = defaultdict(list)
    for number, sig in enumerate(signatures):
        for band, value in enumerate(band_values(sig)):
            by_band[(band, int(value))].append(number)
    scored: dict[tuple[int, int], float] = {}
    for members in by_band.values():
        for a, b in itertools.combinations(members, 2):
            if (a, b) not in scored:
                scored[(a, b)] = similarity(signatures[a], signatures[b])
    missed_by_lsh = len(truth - scored.keys())

    # Upstream groups gather articles by headline: daily round-ups ("le point sur la
    # pandémie") share one but not their text. Measure how many true pairs share text.
    truth_overlap = {
        pair: overlap(exact_shingles(texts[pair[0]]), exact_shingles(texts[pair[1]]))
        for pair in truth
    }
    textual_truth = {pair for pair, (_, contained) in truth_overlap.items() if contained >= 0.5}

    rows = []
    for threshold in THRESHOLDS:
        predicted = {pair for pair, score in scored.items() if score >= threshold}
        hits = len(predicted & truth)
        outside = predicted - truth
        # Pairs called duplicates that upstream did not group: are their texts alike?
        outside_alike = sum(
            1
            for a, b in outside
            if overlap(exact_shingles(texts[a]), exact_shingles(texts[b]))[0] >= 0.5
        )
        rows.append(
            {
                "threshold": threshold,
                "predicted_pairs": len(predicted),
                "true_positives": hits,
                "precision": hits / len(predicted) if predicted else 1.0,
                "recall": hits / len(truth) if truth else 1.0,
                "recall_textual": len(predicted & textual_truth) / max(1, len(textual_truth)),
                "ungrouped_predictions_with_jaccard_over_half": outside_alike,
                "precision_counting_those": (hits + outside_alike) / max(1, len(predicted)),
            }
        )
    result = {
        "data": str(args.data),
        "articles": len(signatures),
        "truth_pairs": len(truth),
        "truth_groups": len(groups),
        "candidate_pairs": len(scored),
        "truth_pairs_never_candidates": missed_by_lsh,
        "truth_pairs_sharing_text": len(textual_truth),
        "fingerprint_seconds": round(fingerprint_seconds, 1),
        "clipper_threshold": NEAR_DUPLICATE_THRESHOLD,
        "rows": rows,
    }
    print(
        f"{len(signatures)} articles, {len(truth)} true pairs in {len(groups)} groups, "
        f"{len(scored)} candidate pairs from LSH ({missed_by_lsh} true pairs never candidates), "
        f"fingerprints in {fingerprint_seconds:.1f} s"
    )
    print(
        f"{len(textual_truth)} of the true pairs share text (4-gram containment >= 0.5); "
        "recall* counts only those, precision* also counts ungrouped pairs with Jaccard >= 0.5"
    )
    print(
        f"{'threshold':>9} {'predicted':>9} {'correct':>8} {'precision':>9} {'recall':>7} "
        f"{'recall*':>8} {'precision*':>10}"
    )
    for row in rows:
        mark = "  <- clipper" if row["threshold"] == NEAR_DUPLICATE_THRESHOLD else ""
        print(
            f"{row['threshold']:>9.2f} {row['predicted_pairs']:>9} {row['true_positives']:>8} "
            f"{row['precision']:>9.3f} {row['recall']:>7.3f} {row['recall_textual']:>8.3f} "
            f"{row['precision_counting_those']:>10.3f}{mark}"
        )
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
