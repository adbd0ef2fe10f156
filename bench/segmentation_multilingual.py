"""Exact sentence splits of ``factcheck.segmentation.segment`` in 28 languages.

Run from the repository root::

    .venv/bin/python bench/segmentation_multilingual.py [--data DIR] [-v]

DIR holds the multilingual cases (default: ``../shared/segmentation/multilingual`` next
to the repo): one ``<code>.json`` per language, scored where ``eval_default`` is true. A
case passes when the spans, each stripped, equal its ``sentences`` in order. The pySBD
and sentencex columns are copied from the table in DIR's README.md (their "all" columns:
passes/scored and boundary F1), for comparison; "best" is the better of the two. With
``-v`` the failing cases are printed too. The total comes last.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.segmentation import segment  # noqa: E402

#: "3/5 · 0.59" or "1/5 · 0.29 (en)": passes, cases, F1, and whether English rules ran.
_CELL = re.compile(r"(\d+)/(\d+)")


def readme_baselines(data: Path) -> dict[str, tuple[str, str, int | None]]:
    """Per language: the pySBD cell, the sentencex cell and the better pass count."""
    readme = data / "README.md"
    if not readme.exists():
        return {}
    rows = [line for line in readme.read_text("utf-8").splitlines() if line.startswith("|")]
    header = next((row for row in rows if "pySBD, all" in row), None)
    if header is None:
        return {}
    names = [cell.strip() for cell in header.strip("|").split("|")]
    pysbd_at, sentencex_at = names.index("pySBD, all"), names.index("sentencex, all")
    out: dict[str, tuple[str, str, int | None]] = {}
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) != len(names) or not re.fullmatch(r"[a-z]{2,3}", cells[0]):
            continue
        pysbd, sentencex = cells[pysbd_at], cells[sentencex_at]
        counts = [int(m.group(1)) for m in map(_CELL.match, (pysbd, sentencex)) if m]
        out[cells[0]] = (pysbd, sentencex, max(counts) if counts else None)
    return out


def split(text: str, lang: str) -> list[str]:
    return [text[s.start : s.end].strip() for s in segment(text, lang)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = ROOT.parent / "shared" / "segmentation" / "multilingual"
    parser.add_argument("--data", type=Path, default=default)
    parser.add_argument("-v", "--verbose", action="store_true", help="print the failures")
    args = parser.parse_args()
    data: Path = args.data
    files = sorted(data.glob("*.json")) if data.is_dir() else []
    if not files:
        print(f"no multilingual test data at {data} (use --data DIR)", file=sys.stderr)
        return 2

    baselines = readme_baselines(data)
    print(f"{'lang':5} {'scored':>6} {'ours':>6}   {'pySBD (README)':18} sentencex (README)")
    total = passed = 0
    below: list[str] = []
    failures: list[tuple[str, dict, list[str]]] = []
    started = time.perf_counter()
    for path in files:
        lang = path.stem
        scored = [c for c in json.loads(path.read_text("utf-8")) if c.get("eval_default")]
        good = 0
        for case in scored:
            got = split(case["text"], lang)
            if got == [sentence.strip() for sentence in case["sentences"]]:
                good += 1
            else:
                failures.append((lang, case, got))
        pysbd, sentencex, best = baselines.get(lang, ("–", "–", None))
        mark = ""
        if best is not None and good < best:
            mark = f"  below the better library ({best})"
            below.append(lang)
        ours = f"{good}/{len(scored)}"
        print(f"{lang:5} {len(scored):6} {ours:>6}   {pysbd:18} {sentencex:18}{mark}".rstrip())
        total += len(scored)
        passed += good
    elapsed = time.perf_counter() - started

    if args.verbose:
        for lang, case, got in failures:
            print(f"--- {lang} {case['id']}")
            print(f"    want {case['sentences']}")
            print(f"    got  {got}")
    print(f"{len(files)} languages, {elapsed * 1e3:.0f} ms to segment every scored case")
    if baselines:
        status = "met" if not below else "NOT met: " + ", ".join(below)
        print(f"every language at least the better of pySBD and sentencex: {status}")
    print(f"multilingual segmentation: {passed}/{total} exact")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
