"""Accuracy and speed of ``factcheck.segmentation.segment``.

Run from the repository root::

    .venv/bin/python bench/segmentation.py [--data DIR]

DIR holds the shared test data (default: ``../shared/segmentation`` next to the repo).
For every JSON file of cases it prints how many scored cases ``segment()`` gets exactly
right (and for the project's own English news cases, ``tests/data/news_cases_en.json``),
checks the reference article (29 gold sentences, two photo captions), then times
``segment()`` against bare ``sentencex.segment("en", ...)`` on the same ~200 kB and
~1 MB of news text, in one call each, best of several runs (both sizes timed alike:
the two segmenters alternating, the same number of runs). The last line sums it up.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import sentencex  # noqa: E402
from _common import met  # noqa: E402

from factcheck.segmentation import segment  # noqa: E402

FILES = {
    "golden": "golden_rules_en.json",
    "pysbd": "pysbd_english_cases.json",
    "news edge": "news_edge_cases_en.json",
    "news gold": "news_gold_en.json",
}
#: The project's own English news cases, in the same format.
OWN_NEWS = ROOT / "tests" / "data" / "news_cases_en.json"
SMALL = 205_000  # characters, just over 200 kB of UTF-8
LARGE = 5 * SMALL  # about 1 MB
RUNS = 25


def load(data: Path, name: str) -> list[dict]:
    return json.loads((data / name).read_text("utf-8"))


def scored(cases: list[dict]) -> list[dict]:
    return [case for case in cases if case.get("eval_default", True) is not False]


def passes(case: dict) -> bool:
    text = case["text"]
    return [text[s.start : s.end].strip() for s in segment(text)] == case["sentences"]


def repeat_to(base: str, size: int) -> str:
    copies = size // (len(base) + 2) + 1
    return "\n\n".join([base] * copies)


def timed_pair(text: str) -> tuple[float, float]:
    """Best times of sentencex and segment() on ``text``, runs interleaved."""
    bare = ours = float("inf")
    for _ in range(RUNS):
        start = time.perf_counter()
        sentencex.segment("en", text)
        bare = min(bare, time.perf_counter() - start)
        start = time.perf_counter()
        segment(text)
        ours = min(ours, time.perf_counter() - start)
    return bare, ours


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "segmentation")
    args = parser.parse_args()
    data: Path = args.data
    if not data.is_dir():
        print(f"no test data at {data} (use --data DIR)", file=sys.stderr)
        return 2

    counts: dict[str, tuple[int, int]] = {}
    for label, name in FILES.items():
        cases = scored(load(data, name))
        good = sum(map(passes, cases))
        counts[label] = (good, len(cases))
        print(f"{name:28} {good:4} / {len(cases):<4} cases passed")
    own = scored(json.loads(OWN_NEWS.read_text("utf-8")))
    counts["own news"] = (sum(map(passes, own)), len(own))
    print(f"{OWN_NEWS.name:28} {counts['own news'][0]:4} / {len(own):<4} cases passed (own)")

    gold = load(data, FILES["news gold"])[0]
    spans = segment(gold["text"])
    sentences = [gold["text"][s.start : s.end] for s in spans]
    captions = [s.kind for s in spans].count("caption")
    exact = sentences == gold["sentences"]
    print(
        f"reference article: {len(spans)} spans (gold {len(gold['sentences'])}), "
        f"{'exact' if exact else 'NOT exact'}, {captions} captions"
    )

    # Realistic news copy: the reference article, repeated.
    small = repeat_to(gold["text"], SMALL)
    large = repeat_to(gold["text"], LARGE)
    bare_small, ours_small = timed_pair(small)
    bare_large, ours_large = timed_pair(large)
    mb = len(small.encode("utf-8")) / 1e6
    ours_rate, bare_rate = mb / ours_small, mb / bare_small
    ratio = ours_rate / bare_rate
    growth = ours_large / ours_small
    print(f"speed on {len(small):,} characters ({mb:.2f} MB UTF-8) of news text, one call:")
    print(f"  segment()          {ours_rate:7.1f} MB/s  ({ours_small * 1e3:.2f} ms)")
    print(f"  sentencex.segment  {bare_rate:7.1f} MB/s  ({bare_small * 1e3:.2f} ms)")
    print(f"  ratio              {ratio:7.2f}x  (target >= 0.5x)")
    print(
        f"  {len(large):,} characters: {ours_large * 1e3:.2f} ms, "
        f"{growth:.1f}x the time of {len(small):,} ({len(large) / len(small):.1f}x the text; "
        f"sentencex {bare_large * 1e3:.2f} ms, {bare_large / bare_small:.1f}x)"
    )

    def score(label: str) -> str:
        good, total = counts[label]
        return f"{good}/{total}"

    print(f"targets: segment() >= 0.5x the speed of sentencex: {met(ratio >= 0.5)}")
    print(
        f"segmentation: golden {score('golden')}, pysbd {score('pysbd')}, "
        f"news edge {score('news edge')}, own news cases {score('own news')}, "
        f"telegraph {'exact' if exact else 'NOT exact'} ({len(spans)}, {captions} captions), "
        f"{ours_rate:.1f} MB/s vs sentencex {bare_rate:.1f} MB/s ({ratio:.2f}x), "
        f"1MB/200kB time {growth:.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
