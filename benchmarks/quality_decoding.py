"""Text or binary: what clipper's decoder accepts, over real files and random bytes.

Runs :func:`clipper.decoding.decode` over every ``*.txt`` file below a folder
(RPM2's raw documents by default: BOMs, CRLF, a CP1252 leftover) and prints
how many are accepted, then each refusal with its reason. ``--random N``
also decodes N seeded random inputs of 256 to 4,096 bytes for each of four
byte alphabets and prints how many were accepted (binary taken for text).

    python benchmarks/quality_decoding.py \
        [--data ../shared/data/rpm2_fr/raw/Corpus_RPM2_documents] [--random 500]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

from clipper.decoding import decode
from clipper.errors import InputError

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / (
    "shared/data/rpm2_fr/raw/Corpus_RPM2_documents"
)
_UNDEFINED_CP1252 = b"\x81\x8d\x8f\x90\x9d"
ALPHABETS = {
    "any byte": list(range(256)),
    "no NUL": list(range(1, 256)),
    "printable CP1252": [9, 10, 13, *(b for b in range(32, 256) if b not in _UNDEFINED_CP1252)],
    "high half": list(range(128, 256)),
}


def real_files(folder: Path) -> None:
    files = sorted(folder.rglob("*.txt"))
    refused: list[tuple[Path, str]] = []
    encodings: Counter[str] = Counter()
    for path in files:
        try:
            encodings[decode(path.read_bytes(), path.name).encoding] += 1
        except InputError as exc:
            refused.append((path, exc.reason))
    accepted = len(files) - len(refused)
    print(f"{accepted} of {len(files)} files accepted ({dict(encodings.most_common())})")
    for path, reason in refused:
        print(f"refused {path.relative_to(folder)}: {reason}")


def random_bytes(count: int) -> None:
    for name, alphabet in ALPHABETS.items():
        rng = random.Random(1)
        accepted = 0
        for _ in range(count):
            data = bytes(rng.choices(alphabet, k=rng.randrange(256, 4097)))
            try:
                decode(data, "random.txt")
                accepted += 1
            except InputError:
                pass
        print(f"random bytes, {name}: {accepted} of {count} accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--random", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no data at {args.data} (see ../shared/data/README.md)", file=sys.stderr)
        sys.exit(2)
    real_files(args.data)
    if args.random:
        random_bytes(args.random)


if __name__ == "__main__":
    main()
