"""Claim matching across languages: finding an English fact-check from a claim in another.

``crosslingual_claims.tsv`` (next to this script) holds 60 news-style statements of
claims of the shared benchmark's library, 15 each in Spanish, German, French and Arabic,
each naming the ``verified_claims.tsv`` entry it translates (its header line says how
they were made and chosen). This imports ``verified_claims.tsv`` into a fresh SQLite
library exactly as ``claim_matching.py`` does (its ``_fill``: the real import code, then
the sentence vectors), matches every statement through the same function as the claim
panel (``match_text``, top 10) and prints, per language and overall, recall@1, @5, @10
and MRR@10 of the entry it translates; then the same figures with that entry's own
English claim as the query, for reference (about 1 everywhere). Then what the claim
panel would show: per language, the queries whose entry is among the first five matches
with a level (``Match.strength``: the reranker's, or the cross-language rule's), and the
false shows: the queries for which the panel still shows something once their entry is
withdrawn from the library (everything shown then is wrong). The overall recall@5
comes last.

Run: .venv/bin/python bench/claim_matching_crosslingual.py [--data ../shared/claim-matching]
     [-v] [--keep DIR] [--gaps 2,3,4]
     -v: every query whose entry is not first, with its rank and the top match;
     --keep: import the library into DIR once and reuse it on later runs (2 min saved);
     --gaps: the panel's figures again with each of these ``CROSS_LANGUAGE_GAP`` values.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import bench_app, met  # noqa: E402
from claim_matching import _fill  # noqa: E402

QUERIES = Path(__file__).with_name("crosslingual_claims.tsv")
LANGUAGES = ("es", "de", "fr", "ar")
DEPTH = 10
#: A goal set with this bench, not yet met: most of a claim written in another language
#: found among the five matches a reader is shown.
TARGET_RECALL5 = 0.80


def read_crosslingual(path: Path) -> list[dict[str, str]]:
    """The rows of ``path``: query_id, language, text, vclaim_id (``#`` lines skipped)."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def figures(ranks: list[int | None]) -> dict[str, float]:
    """Recall@1, @5, @10 and MRR@10 of ranks (1 is first; None: not in the top 10)."""
    return {
        "R@1": statistics.mean(1.0 if rank == 1 else 0.0 for rank in ranks),
        "R@5": statistics.mean(1.0 if rank and rank <= 5 else 0.0 for rank in ranks),
        "R@10": statistics.mean(1.0 if rank and rank <= DEPTH else 0.0 for rank in ranks),
        "MRR@10": statistics.mean(1 / rank if rank else 0.0 for rank in ranks),
    }


def line(name: str, ranks: list[int | None]) -> str:
    found = figures(ranks)
    return (
        f"{name:<22} {len(ranks):>4} {found['R@1']:>6.3f} {found['R@5']:>6.3f} "
        f"{found['R@10']:>6.3f} {found['MRR@10']:>7.3f}"
    )


def shown(matches: list[Any], target: str | None = None) -> int | None:
    """Where the claim panel shows ``target`` among ``matches`` (1 is first; None: not
    shown), or with no target, the first match it shows at all: the panel shows the
    first five that have a level (``Match.strength``, which the cross-language rule
    can set too)."""
    return next(
        (
            i
            for i, match in enumerate(matches[:5], start=1)
            if match.strength is not None
            and (target is None or match.factcheck.external_id == target)
        ),
        None,
    )


def panel_figures(session: Any, queries: list[dict[str, str]], english: dict[str, str]) -> Any:
    """Per language (and "en" for each entry's own English claim): the queries whose entry
    the panel shows, and the queries for which it still shows something once that entry
    is out of the library (withdrawn, as ``_eligible`` leaves it out; put back after):
    whatever it shows then is wrong."""
    from sqlalchemy import update

    from factcheck.factchecks.matching import match_text
    from factcheck.factchecks.models import FactCheck

    right: dict[str, list[bool]] = {}
    false: dict[str, list[bool]] = {}
    for row in queries:
        target = row["vclaim_id"]
        for language, text in ((row["language"], row["text"]), ("en", english[target])):
            matches = match_text(session, text, limit=DEPTH)
            right.setdefault(language, []).append(shown(matches, target) is not None)
        session.execute(
            update(FactCheck).where(FactCheck.external_id == target).values(withdrawn=True)
        )
        for language, text in ((row["language"], row["text"]), ("en", english[target])):
            matches = match_text(session, text, limit=DEPTH)
            false.setdefault(language, []).append(shown(matches) is not None)
        session.rollback()
    return right, false


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "claim-matching")
    parser.add_argument("-v", "--verbose", action="store_true", help="Print the misses.")
    parser.add_argument(
        "--keep",
        type=Path,
        help="Keep the imported library in this directory and reuse it on the next run.",
    )
    parser.add_argument(
        "--gaps",
        help="Also print the panel's figures with these cross-language gaps, e.g. 2,3,4.",
    )
    args = parser.parse_args()

    from sqlalchemy import func, select

    from factcheck.extensions import db
    from factcheck.factchecks import matching
    from factcheck.factchecks.matching import match_text
    from factcheck.factchecks.models import FactCheck

    queries = read_crosslingual(QUERIES)
    started_all = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{where}/library.sqlite"
        reused = (where / "library.sqlite").exists()
        seconds = 0.0 if reused else _fill(url, args.data, 0)
        app = bench_app(url, migrate=False)
        with app.app_context():
            size = db.session.scalar(select(func.count()).select_from(FactCheck))
            print(
                f"library: {size:,} fact-checks "
                + (f"reused from {where}" if reused else f"imported and encoded in {seconds:.0f} s")
            )
            english = dict(
                db.session.execute(
                    select(FactCheck.external_id, FactCheck.claim).where(
                        FactCheck.external_id.in_({row["vclaim_id"] for row in queries})
                    )
                ).all()
            )
            missing = {row["vclaim_id"] for row in queries} - set(english)
            assert not missing, f"not in the library: {sorted(missing)}"
            ranks: dict[str, list[int | None]] = {}
            timings: list[float] = []
            misses: list[str] = []
            for row in queries:
                target = row["vclaim_id"]
                for language, text in ((row["language"], row["text"]), ("en", english[target])):
                    started = time.perf_counter()
                    matches = match_text(db.session, text, limit=DEPTH)
                    timings.append((time.perf_counter() - started) * 1000)
                    found = [match.factcheck.external_id for match in matches]
                    rank = found.index(target) + 1 if target in found else None
                    ranks.setdefault(language, []).append(rank)
                    if language != "en" and rank != 1:
                        top = matches[0].factcheck.claim if matches else "(nothing)"
                        misses.append(
                            f"  {row['query_id']} (vclaim {target}), rank "
                            f"{rank or f'>{DEPTH}'}: {text}\n    wanted: {english[target]}\n"
                            f"    first:  {top}"
                        )
            right, false = panel_figures(db.session, queries, english)
            gaps: dict[float, tuple[dict[str, list[bool]], dict[str, list[bool]]]] = {}
            chosen = matching.CROSS_LANGUAGE_GAP
            for gap in [float(value) for value in args.gaps.split(",")] if args.gaps else []:
                matching.CROSS_LANGUAGE_GAP = gap
                gaps[gap] = panel_figures(db.session, queries, english)
            matching.CROSS_LANGUAGE_GAP = chosen
            db.session.remove()
        app.extensions["factcheck.engine"].dispose()
    elapsed = time.perf_counter() - started_all

    print(f"{'queries':<22} {'n':>4} {'R@1':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7}")
    for language in LANGUAGES:
        print(line(language, ranks.get(language, [])))
    overall = [rank for language in LANGUAGES for rank in ranks.get(language, [])]
    print(line("all languages", overall))
    print(line("English original (ref)", ranks["en"]))
    print(
        "shown in the claim panel (top 5 with a level), and false shows (something shown "
        "with the entry withdrawn: all wrong):"
    )
    for language in (*LANGUAGES, "en"):
        panel, wrong = right.get(language, []), false.get(language, [])
        print(
            f"  {language}: {sum(panel)} of {len(panel)} shown; "
            f"false shows {sum(wrong)} of {len(wrong)}"
        )
    foreign = [language for language in LANGUAGES if language in right]
    print(
        f"  all languages: {sum(sum(right[language]) for language in foreign)} of "
        f"{sum(len(right[language]) for language in foreign)} shown; false shows "
        f"{sum(sum(false[language]) for language in foreign)} of "
        f"{sum(len(false[language]) for language in foreign)} (cross-language gap {chosen})"
    )
    if gaps:
        print("cross-language gap: right shown / false shows per language (es de fr ar; all)")
        for gap, (shown_right, shown_false) in gaps.items():
            cells = " ".join(
                f"{sum(shown_right[language])}/{sum(shown_false[language])}" for language in foreign
            )
            total_right = sum(sum(shown_right[language]) for language in foreign)
            total_false = sum(sum(shown_false[language]) for language in foreign)
            print(
                f"  {gap:>4}: {cells}; all {total_right}/{total_false}; English "
                f"{sum(shown_right['en'])}/{sum(shown_false['en'])}"
            )
    if args.verbose:
        print(f"not first ({len(misses)}):")
        print("\n".join(misses))
    ordered = sorted(timings)
    print(
        f"match time: p50 {statistics.median(ordered):.1f} ms, "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms; whole run {elapsed:.0f} s"
    )
    recall5 = figures(overall)["R@5"]
    print(f"target: cross-language recall@5 >= {TARGET_RECALL5}: {met(recall5 >= TARGET_RECALL5)}")
    print(
        f"cross-language claim matching: recall@5 {recall5:.3f} over {len(overall)} queries "
        f"in {len(LANGUAGES)} languages"
    )


if __name__ == "__main__":
    main()
