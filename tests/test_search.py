"""Search: the language, the index kept current on every write path, blind annotation."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation, Source
from factcheck.annotations.states import AnnotationState as S
from factcheck.articles.hints import HINT_NAMES
from factcheck.db import utcnow
from factcheck.errors import ValidationFailed
from factcheck.review.models import Decision, Review
from factcheck.search.index import drift, rebuild_all
from factcheck.search.models import SearchEntry
from factcheck.search.operations import SearchFilters, fts5_match, highlight, search
from factcheck.search.query import MAX_QUERY_CHARS, SearchQueryError, Term, parse_query
from factcheck.users import operations as user_ops
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict
from tests.conftest import post_form, upload

# -- the language ----------------------------------------------------------------------


def test_words_phrases_exclusions_or_and_prefixes() -> None:
    query = parse_query('Dublin "Home Office" -Sunak deport* Seibert OR Siebert')
    assert query.required == (
        (Term(("dublin",)),),
        (Term(("home", "office")),),
        (Term(("deport",), prefix=True),),
        (Term(("seibert",)), Term(("siebert",))),
    )
    assert query.excluded == (Term(("sunak",)),)
    assert str(query) == 'dublin "home office" deport* seibert OR siebert -sunak'


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ('"unbalanced quote', '"unbalanced quote"'),
        ("OR OR migrants OR", "migrants"),
        ("- migrants -", "migrants"),
        ("covid-19 U.K.", '"covid 19" "u k"'),
        ("NEAR(a b) ^c col:x", '"near a" b c "col x"'),
        ("mig\x00rants\u202e", "mig rants"),
        ("*", ""),
        ("Zoë Gdańsk", "zoë gdańsk"),
    ],
)
def test_odd_input_is_read_sensibly(text: str, reading: str) -> None:
    assert str(parse_query(text)) == reading


@pytest.mark.parametrize(
    "text", ["-migrants", "-a -b", "x" * (MAX_QUERY_CHARS + 1), " ".join(["w"] * 30)]
)
def test_unreadable_queries_are_refused_with_a_message(text: str) -> None:
    with pytest.raises(SearchQueryError) as raised:
        parse_query(text)
    assert raised.value.fields["q"]


def test_fts5_sees_only_quoted_words() -> None:
    query = parse_query('NEAR "a ""b" c* -d OR')
    assert fts5_match(query) == '("near" AND "a" AND "b" AND "c"*) NOT "d"'


def test_highlight_escapes_everything_but_the_marks() -> None:
    assert str(highlight("<b>x</b> \x02hit\x03 & \x03\x02open")) == (
        "&lt;b&gt;x&lt;/b&gt; <mark>hit</mark> &amp; <mark>open</mark>"
    )


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture
def newsroom(db: Session, make_user, make_article) -> dict[str, Any]:
    """An article, two annotators and two reviewers; Ana's annotation is submitted, Bo's
    a draft, both on claim 1; Vi approved Rui's annotation of claim 2."""
    ana = make_user(Role.ANNOTATOR, name="Ana Annotator")
    bo = make_user(Role.ANNOTATOR, name="Bo Newcomer")
    rui = make_user(Role.REVIEWER, name="Rui Reviewer")
    vi = make_user(Role.REVIEWER, name="Vi Checker")
    article = make_article(
        ana,
        title="Asylum returns deal",
        body=(
            "Ministers promised a returns deal with Brussels.\n\n"
            "The Home Office said 4,500 people were deported from Dublin last year.\n\n"
            "Critics said the figure for Gdańsk was wrong."
        ),
    )
    verdict = {v.key: v for v in db.scalars(select(Verdict))}
    first, second = article.claims[0], article.claims[1]
    submitted = Annotation(
        claim_id=first.id,
        annotator_id=ana.id,
        verdict_id=verdict["false"].id,
        state=S.SUBMITTED,
        submitted_at=utcnow(),
        claimant="The minister",
        rationale="Zanzibar paperwork contradicts the promise.",
        sources=[Source(url="https://example.org/report", title="Quokka report", quote="")],
    )
    draft = Annotation(
        claim_id=first.id,
        annotator_id=bo.id,
        state=S.DRAFT,
        rationale="Xylophone secret draft note.",
    )
    approved = Annotation(
        claim_id=second.id,
        annotator_id=rui.id,
        verdict_id=verdict["true"].id,
        state=S.APPROVED,
        submitted_at=utcnow(),
        claimant="Home Office",
        rationale="Wombat statistics confirm it.",
    )
    db.add_all([submitted, draft, approved])
    db.flush()
    db.add(
        Review(
            annotation_id=approved.id,
            reviewer_id=vi.id,
            annotator_id=rui.id,
            decision=Decision.APPROVE,
            comment="Pelican comment",
            annotation_version=approved.version,
        )
    )
    db.commit()
    return {
        "ana": ana,
        "bo": bo,
        "rui": rui,
        "vi": vi,
        "article": article,
        "submitted": submitted,
        "draft": draft,
        "approved": approved,
        "verdict": verdict,
    }


def found(db: Session, viewer: User, text: str, **filters: Any) -> set[int | None]:
    results = search(db, viewer, text, SearchFilters(**filters), limit=100)
    return {hit.claim.id if hit.claim else None for hit in results.hits}


def total(db: Session, viewer: User, text: str, **filters: Any) -> int:
    return search(db, viewer, text, SearchFilters(**filters)).total


# -- matching --------------------------------------------------------------------------


def test_stemming_accents_case_phrases_prefixes(db: Session, newsroom) -> None:
    rui, claims = newsroom["rui"], newsroom["article"].claims
    deported = claims[1].id
    assert found(db, rui, "deportation") == {deported}
    assert found(db, rui, "DUBLIN") == {deported}
    assert found(db, rui, "gdansk") == {claims[2].id}
    assert found(db, rui, '"home office"') >= {deported}
    assert found(db, rui, '"office home"') == set()
    assert found(db, rui, "deport*") == {deported}
    # Longer than the stored stem ("deport"): the prefix cut short is tried too.
    assert found(db, rui, "deporte*") == {deported}
    assert found(db, rui, "Brussels OR Gdańsk") == {claims[0].id, claims[2].id}
    assert found(db, rui, "said -Dublin") == {claims[2].id}


def test_annotations_sources_comments_and_names_are_searched(db: Session, newsroom) -> None:
    rui, claims = newsroom["rui"], newsroom["article"].claims
    assert found(db, rui, "Zanzibar") == {claims[0].id}
    assert found(db, rui, "quokka") == {claims[0].id}
    assert found(db, rui, "example.org") == {claims[0].id}
    assert found(db, rui, "pelican") == {claims[1].id}
    results = search(db, rui, "wombat")
    assert results.hits[0].matched_in == "annotation"
    assert "<mark>Wombat</mark>" in str(results.hits[0].snippet)
    assert results.hits[0].published_verdict.key == "true"


def test_an_article_found_by_its_own_words(db: Session, newsroom) -> None:
    results = search(db, newsroom["rui"], "asylum")
    assert [(hit.article.id, hit.claim) for hit in results.hits] == [(newsroom["article"].id, None)]


# -- blind annotation and drafts -------------------------------------------------------


def test_nobody_finds_someone_elses_draft(db: Session, newsroom) -> None:
    for person in ("ana", "rui"):
        assert total(db, newsroom[person], "xylophone") == 0
    assert total(db, newsroom["bo"], "xylophone") == 1


def test_blind_annotation_hides_others_work_until_you_submit(db: Session, newsroom) -> None:
    bo, first = newsroom["bo"], newsroom["article"].claims[0]
    # Bo has only a draft of claim 1: Ana's submitted annotation stays hidden from him,
    # in results, totals, snippets and every filter count.
    for text in ("Zanzibar", "quokka", "minister Zanzibar"):
        assert total(db, bo, text) == 0
    results = search(db, bo, "ministers")
    assert all("Zanzibar" not in str(hit.snippet) for hit in results.hits)
    assert results.facets["verdict"] == []
    assert not any(name == "Ana Annotator" for _, name, _ in results.facets["annotator"])
    assert total(db, bo, "", verdict_id=newsroom["verdict"]["false"].id) == 0
    assert total(db, bo, "", annotator_id=newsroom["ana"].id) == 0
    # Once he submits, he sees it, as in the workspace (his submission is what changes
    # who may see Ana's entry: PostgreSQL reads that from the entry).
    draft = newsroom["draft"]
    draft.state, draft.submitted_at = S.SUBMITTED, utcnow()
    db.commit()
    assert found(db, bo, "Zanzibar") == {first.id}
    assert total(db, bo, "", annotator_id=newsroom["ana"].id) == 1
    assert total(db, bo, "quokka") == 1


def test_reviewers_see_submitted_work(db: Session, newsroom) -> None:
    rui = newsroom["rui"]
    assert total(db, rui, "Zanzibar") == 1
    results = search(db, rui, "")
    counts = {name: n for _, name, n in results.facets["annotator"]}
    assert counts == {"Ana Annotator": 1, "Rui Reviewer": 1}


# -- filters ---------------------------------------------------------------------------


def test_filters_narrow_and_combine(db: Session, newsroom) -> None:
    rui, claims, verdict = newsroom["rui"], newsroom["article"].claims, newsroom["verdict"]
    assert found(db, rui, "", verdict_id=verdict["true"].id) == {claims[1].id}
    assert found(db, rui, "", state=S.SUBMITTED) == {claims[0].id}
    assert found(db, rui, "", annotator_id=newsroom["ana"].id) == {claims[0].id}
    assert found(db, rui, "", reviewer_id=newsroom["vi"].id) == {claims[1].id}
    assert found(db, rui, "", has_sources=True) == {claims[0].id}
    assert found(db, rui, "", hint="number") == {claims[1].id}
    assert found(db, rui, "said", outlet="Nowhere") == set()
    today = utcnow().date()
    assert found(db, rui, "", approved_from=today, approved_to=today) == {claims[1].id}
    assert found(db, rui, "", imported_to=today.replace(year=today.year - 1)) == set()
    assert total(db, rui, "") == 3


def test_filter_counts_leave_out_their_own_filter(db: Session, newsroom) -> None:
    rui, verdict = newsroom["rui"], newsroom["verdict"]
    results = search(db, rui, "", SearchFilters(verdict_id=verdict["true"].id))
    assert results.total == 1
    assert {name: n for _, name, n in results.facets["verdict"]} == {"True": 1, "False": 1}


def _expected_facets(
    db: Session, viewer: User, claims: list[Any], filters: SearchFilters
) -> dict[str, dict[Any, int]]:
    """The filter counts worked out one claim and one annotation at a time, by the
    visibility rule for one annotation (``may_see``) and the filters' meaning."""
    from factcheck.annotations.visibility import may_see

    seen = {
        claim.id: [
            a
            for a in db.scalars(select(Annotation).where(Annotation.claim_id == claim.id))
            if may_see(db, viewer, a)
        ]
        for claim in claims
    }
    keys = {"verdict": "verdict_id", "state": "state", "annotator": "annotator_id"}

    def passes(claim: Any, rules: SearchFilters) -> bool:
        if rules.outlet is not None and claim.article.outlet != rules.outlet:
            return False
        if rules.hint is not None and not getattr(claim, f"has_{rules.hint}"):
            return False
        wanted = {k: getattr(rules, k) for k in keys.values() if getattr(rules, k) is not None}
        return not wanted or any(
            all(getattr(a, k) == v for k, v in wanted.items()) for a in seen[claim.id]
        )

    expected: dict[str, dict[Any, int]] = {}
    for name, key in keys.items():
        loose = filters.without("verdict_id").without("state").without("annotator_id")
        counts: dict[Any, int] = {}
        for claim in claims:
            if not passes(claim, loose):
                continue
            values = {
                getattr(a, key)
                for a in seen[claim.id]
                if getattr(a, key) is not None
                and all(
                    getattr(a, other) == getattr(filters, other)
                    for other in keys.values()
                    if other != key and getattr(filters, other) is not None
                )
            }
            for value in values:
                counts[value] = counts.get(value, 0) + 1
        expected[name] = counts
    outlets: dict[Any, int] = {}
    for claim in claims:
        if passes(claim, filters.without("outlet")) and claim.article.outlet:
            outlets[claim.article.outlet] = outlets.get(claim.article.outlet, 0) + 1
    expected["outlet"] = outlets
    hints: dict[Any, int] = {}
    for claim in claims:
        if passes(claim, filters.without("hint")):
            for hint in HINT_NAMES:
                if getattr(claim, f"has_{hint}"):
                    hints[hint] = hints.get(hint, 0) + 1
    expected["hint"] = {hint: n for hint, n in hints.items() if n}
    return expected


@pytest.mark.parametrize("seed", [1, 2])
def test_filter_counts_match_the_rule_applied_one_annotation_at_a_time(
    db: Session, make_user, make_article, seed: int
) -> None:
    import random

    rng = random.Random(seed)
    people = [make_user(Role.ANNOTATOR) for _ in range(3)] + [make_user(Role.REVIEWER)]
    verdicts = list(db.scalars(select(Verdict).limit(3)))
    bodies = [
        "Pelicans ate 4,000 fish in May. Pelicans were seen near the port.\n\n"
        '"Pelicans are thriving," said the mayor.',
        "Pelicans cost the city 12 million euros. Officials said pelicans were welcome.",
        "Pelicans nest by the lake. Nobody counted the pelicans this year.",
    ]
    claims = []
    for number, body in enumerate(bodies):
        article = make_article(people[0], body=body, title=f"Pelican report {number}")
        article.outlet = ["Gazette", "Herald", None][number]
        claims += article.claims
    states = [S.DRAFT, S.SUBMITTED, S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED]
    for claim in claims:
        for person in rng.sample(people, rng.randint(0, 3)):
            state = rng.choice(states)
            db.add(
                Annotation(
                    claim_id=claim.id,
                    annotator_id=person.id,
                    verdict_id=rng.choice(verdicts).id if rng.random() < 0.8 else None,
                    state=state,
                    submitted_at=None if state is S.DRAFT else utcnow(),
                    rationale="About pelicans.",
                )
            )
    db.commit()
    for claim in claims:
        db.refresh(claim)
    choices = [
        SearchFilters(),
        SearchFilters(verdict_id=verdicts[0].id),
        SearchFilters(state=S.SUBMITTED, annotator_id=people[1].id),
        SearchFilters(outlet="Gazette", hint="number"),
        SearchFilters(verdict_id=verdicts[1].id, state=S.APPROVED, outlet="Herald"),
    ]
    for viewer in (people[0], people[2], people[3]):
        for text in ("", "pelicans"):
            for filters in choices:
                results = search(db, viewer, text, filters)
                shown = {
                    name: {
                        (value.value if name == "state" else value): n
                        for value, _label, n in results.facets[name]
                    }
                    for name in ("verdict", "state", "annotator", "outlet", "hint")
                }
                expected = _expected_facets(db, viewer, claims, filters)
                expected["state"] = {k.value: n for k, n in expected["state"].items()}
                assert shown == expected, (viewer.role, text, filters)


# -- the index follows every write -----------------------------------------------------


def _entries(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(SearchEntry)) or 0


def test_rebuild_finds_no_drift_after_ordinary_writes(db: Session, newsroom) -> None:
    assert drift(db.connection()) == 0
    db.execute(update(SearchEntry).values(heading="tampered"))
    assert drift(db.connection()) > 0
    report = rebuild_all(db.connection())
    assert report.fixed > 0 and drift(db.connection()) == 0
    assert report.entries == _entries(db)


def test_who_may_see_an_annotation_follows_submissions_and_moves(
    db: Session, newsroom, make_user
) -> None:
    """PostgreSQL keeps, in each annotation's entry, who may see it (its author and who
    has submitted on the claim): every change of that rewrites the claim's other
    entries too, so the index never drifts from the annotations."""
    bo, first, second = newsroom["bo"], newsroom["article"].claims[0], newsroom["article"].claims[1]
    draft = newsroom["draft"]
    draft.state, draft.submitted_at = S.SUBMITTED, utcnow()
    db.commit()
    assert drift(db.connection()) == 0
    assert found(db, bo, "Zanzibar") == {first.id}
    # Moved to the other claim (as a merge of claims does): Bo has submitted nothing
    # on claim 1 any more, and sees Rui's approved work on claim 2.
    draft.claim_id = second.id
    db.commit()
    assert drift(db.connection()) == 0
    assert found(db, bo, "Zanzibar") == set()
    assert found(db, bo, "Wombat") == {second.id}
    # A newcomer's draft on claim 2 shows them nothing of the others' work there.
    cy = make_user(Role.ANNOTATOR, name="Cy Newcomer")
    db.add(Annotation(claim_id=second.id, annotator_id=cy.id, state=S.DRAFT, rationale="Hm."))
    db.commit()
    assert drift(db.connection()) == 0
    assert found(db, cy, "Wombat") == set() and found(db, cy, "Xylophone") == set()
    db.delete(draft)
    db.commit()
    assert drift(db.connection()) == 0


def test_a_windowed_search_reads_the_same_block_by_block(
    db: Session, monkeypatch: pytest.MonkeyPatch, make_user, make_article
) -> None:
    """However a broad search reads its stretches of entries (PostgreSQL: block by
    block from the index, or each stretch in one go), its window holds the same newest
    matches the viewer may see, and part of what the whole search finds. Blocks of
    three ids here, so that stretches cross blocks."""
    from factcheck.search import operations

    ana, rui = make_user(Role.ANNOTATOR), make_user(Role.REVIEWER)
    for n in range(12):
        body = f"Pelicans counted in survey {n}." + (" Gulls too." if n % 3 else "")
        article = make_article(ana, title=f"Report {n}", body=body)
        if n % 4 == 0:
            db.add(
                Annotation(
                    claim_id=article.claims[0].id,
                    annotator_id=ana.id,
                    state=S.SUBMITTED if n % 8 else S.DRAFT,
                    submitted_at=utcnow() if n % 8 else None,
                    rationale="Pelicans seen by the river.",
                )
            )
    db.commit()
    monkeypatch.setattr(operations, "ID_BLOCK", 3)

    def claims(results: Any) -> list[int]:
        return sorted(hit.claim.id for hit in results.hits if hit.claim)

    for window in (1, 2, 5, 7):
        monkeypatch.setattr(operations, "BROAD_WINDOW", window)
        for viewer in (ana, rui, make_user(Role.ANNOTATOR)):
            for text in ("pelicans", "gulls", "pelic*", "survey -gulls"):
                whole = search(db, viewer, text, complete=True, limit=200)
                # Blocks cost nothing, or more than reading every match.
                monkeypatch.setattr(operations, "_BLOCK_COST", 0)
                by_blocks = search(db, viewer, text, limit=200)
                monkeypatch.setattr(operations, "_BLOCK_COST", 10**9)
                at_once = search(db, viewer, text, limit=200)
                assert claims(by_blocks) == claims(at_once), (window, text)
                # The window counts matching entries; a claim and its annotations are one.
                assert by_blocks.total == at_once.total <= min(window, whole.total)
                assert by_blocks.complete == at_once.complete == (whole.total <= window)
                assert set(claims(by_blocks)) <= set(claims(whole))


def test_postgresql_autovacuum_takes_the_entries_after_ten_thousand_rows(db: Session) -> None:
    """The newest entries, which broad searches read first, are where rewrites and
    rolled-back imports leave dead rows: autovacuum takes the table after a fixed number
    of them, not a fifth of it (285,000 at a million claims)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no autovacuum; FTS5 keeps its own index")
    from sqlalchemy import text as sql

    options = db.scalar(sql("SELECT reloptions FROM pg_class WHERE relname = 'search_entries'"))
    assert set(options) >= {
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_threshold=10000",
        "autovacuum_vacuum_insert_scale_factor=0",
        "autovacuum_vacuum_insert_threshold=10000",
    }


def test_a_gap_in_the_ids_does_not_make_a_broad_search_read_further(
    db: Session, monkeypatch: pytest.MonkeyPatch, make_user, make_article
) -> None:
    """A rolled-back import leaves thousands of entry ids unused. The newest matches
    lie on both sides of such a gap: a broad search still finds exactly them, in as few
    reads as without the gap (its stretches are counted in entries, not ids)."""
    from sqlalchemy import event

    from factcheck.search import operations

    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL reads a broad search in stretches of entries")
    monkeypatch.setattr(operations, "BROAD_WINDOW", 5)
    ana, rui = make_user(Role.ANNOTATOR), make_user(Role.REVIEWER)
    older = [make_article(ana, body=f"Pelicans counted in survey {n}.") for n in range(12)]
    db.commit()
    db.execute(select(func.setval(func.pg_get_serial_sequence("search_entries", "id"), 100_000)))
    newer = [make_article(ana, body=f"Pelicans seen at pier {n}.") for n in range(2)]
    db.commit()
    reads: list[str] = []

    def count(_conn, _cursor, statement: str, *_args: Any) -> None:
        if statement.startswith("INSERT INTO search_hits"):
            reads.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        results = search(db, rui, "pelicans")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    newest = [a.claims[0].id for a in (*older[-3:], *newer)]
    assert sorted(hit.claim.id for hit in results.hits) == sorted(newest)
    assert results.window is not None
    assert len(reads) == 1, "the first stretch of 40 entries holds the window"


def test_web_form_import(client: FlaskClient, login, db: Session) -> None:
    user = login(Role.ANNOTATOR)
    body = "Kookaburra numbers fell by 40% last year."
    post_form(client, "/articles", {"title": "Birds", "body": body}, token_from="/articles/new")
    assert total(db, user, "kookaburra") == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("one.txt", b"Narwhal title\n\nNarwhal sightings doubled in 2024."),
        (
            "many.csv",
            b"title,url,outlet,published_on,body\r\n"
            b'Narwhal title,,Arctic Times,2024-01-02,"Narwhal sightings doubled in 2024."\r\n',
        ),
        (
            "page.html",
            b"<html><head><title>Narwhal title</title></head><body><nav>Home | World</nav>"
            b"<article><h1>Narwhal title</h1>"
            b"<p>Narwhal sightings doubled in 2024, the survey of the Arctic coast said.</p>"
            b"<p>Critics said the count was far lower than the survey claimed last year.</p>"
            b"</article><footer>Copyright</footer></body></html>",
        ),
    ],
)
def test_bulk_import(client: FlaskClient, login, db: Session, name: str, content: bytes) -> None:
    user = login(Role.ANNOTATOR)
    response = upload(client, (content, name))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert total(db, user, "narwhal sightings") == 1


def test_archive_import_and_restore(
    client: FlaskClient, login, db: Session, newsroom, app: Flask
) -> None:
    from factcheck.exports.filters import ExportFilters
    from factcheck.exports.jsonl import export_lines

    lines = "".join(export_lines(db, ExportFilters.parse(state="all")))
    # Change the text so the archive is new to this database.
    lines = lines.replace("Zanzibar", "Tasmania").replace(
        "Ministers promised", "Governors promised"
    )
    lines = lines.replace('"body_sha256"', '"ignored_sha"')
    admin = login(Role.ADMIN)
    response = client.post(
        "/admin/restore",
        data={
            "archive": (io.BytesIO(lines.encode()), "archive.jsonl"),
            "csrf_token": _token(client, "/admin/restore"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[page.find("<main") :][:3000]
    assert total(db, admin, "governors promised") == 1
    assert total(db, admin, "Tasmania") == 1


def _token(client: FlaskClient, path: str) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, path)


def test_split_and_merge(client: FlaskClient, login, db: Session, make_article) -> None:
    user = login(Role.ANNOTATOR)
    article = make_article(user, body="Platypus eggs hatch late. Echidna eggs hatch early.")
    db.commit()
    first, second = article.claims
    text = article.body
    post_form(
        client,
        f"/claims/{first.id}/merge",
        {"expected_end": first.end, "expected_next_id": second.id},
        token_from=f"/articles/{article.id}/segmentation",
    )
    db.expire_all()
    assert found(db, user, "platypus echidna") == {first.id}
    post_form(
        client,
        f"/claims/{first.id}/split",
        {"at": text.index(" Echidna"), "expected_start": 0, "expected_end": len(text)},
        token_from=f"/articles/{article.id}/segmentation",
    )
    db.expire_all()
    assert found(db, user, "platypus echidna") == set()
    assert len(found(db, user, "platypus OR echidna")) == 2


def test_annotation_save_and_review_comment(
    client: FlaskClient, login, db: Session, make_user, make_article
) -> None:
    author = login(Role.ANNOTATOR)
    claim = make_article(author).claims[1]
    db.commit()
    data = {"verdict": "", "claimant": "Gecko", "rationale": "Capybara first", "action": "save"}
    post_form(client, f"/claims/{claim.id}/annotation", data, token_from="/articles")
    assert total(db, author, "capybara") == 1
    data["rationale"] = "Axolotl second"
    data["version"] = "1"
    post_form(client, f"/claims/{claim.id}/annotation", data, token_from="/articles")
    assert total(db, author, "capybara") == 0
    assert total(db, author, "axolotl") == 1


def test_review_comment_via_the_workflow(db: Session, newsroom) -> None:
    from factcheck.review.operations import apply_action
    from factcheck.review.workflow import Action

    submitted, rui = newsroom["submitted"], newsroom["rui"]
    apply_action(
        db,
        rui,
        submitted,
        Action.REQUEST_CHANGES,
        expected_version=submitted.version,
        comment="Marmoset evidence missing",
    )
    db.commit()
    assert found(db, rui, "marmoset") == {submitted.claim_id}


def test_api_save(client: FlaskClient, db: Session, make_token, make_article) -> None:
    secret, user = make_token(Role.ANNOTATOR)
    claim = make_article(user).claims[0]
    db.commit()
    response = client.put(
        f"/api/v1/claims/{claim.id}/annotation",
        json={"claimant": "Lemur", "rationale": "Ocelot", "sources": []},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code in (200, 201), response.get_json()
    assert total(db, user, "ocelot") == 1


def test_renaming_a_person(db: Session, newsroom, make_user) -> None:
    rui, ana = newsroom["rui"], newsroom["ana"]
    assert found(db, rui, "Annotator") == {newsroom["submitted"].claim_id}
    admin = make_user(Role.ADMIN)
    user_ops.update_user(db, admin, ana, name="Ana Quetzal", role=ana.role, active=True)
    db.commit()
    assert found(db, rui, "quetzal") == {newsroom["submitted"].claim_id}
    assert total(db, rui, "Annotator") == 0


def test_a_rolled_back_change_leaves_the_index_alone(db: Session, newsroom) -> None:
    from factcheck.unit_of_work import unit_of_work

    annotation = newsroom["submitted"]
    with pytest.raises(RuntimeError), unit_of_work(db):
        annotation.rationale = "Iguana"
        db.flush()
        raise RuntimeError
    db.commit()
    assert total(db, newsroom["rui"], "iguana") == 0
    assert total(db, newsroom["rui"], "Zanzibar") == 1


# -- the page and bad input ------------------------------------------------------------


def test_the_page_shows_results_and_filters(client: FlaskClient, login, newsroom) -> None:
    login(Role.REVIEWER)
    page = client.get("/search?q=deported").get_data(as_text=True)
    assert "1 result" in page and "<mark>deported</mark>" in page
    assert client.get("/search").status_code == 200
    assert client.get("/search?verdict=abc").status_code == 422
    assert client.get("/search?q=-x").status_code == 422
    assert client.get("/search?approved_from=2026-13-40").status_code == 422
    # The last day there is, and an id too long to be a number: answered, not a 500.
    assert client.get("/search?imported_to=9999-12-31&approved_to=9999-12-31").status_code == 200
    assert client.get("/search?verdict=" + "9" * 5000).status_code == 422


def test_the_top_bar_has_the_search_box(client: FlaskClient, login) -> None:
    login(Role.ANNOTATOR)
    page = client.get("/my-work").get_data(as_text=True)
    assert 'action="/search"' in page and 'name="q"' in page


QUERY_TEXT = st.lists(
    st.sampled_from([*"ab cé\"-*()^:ORNEA\x00\u202e\\'%_;", "OR", "NEAR(", "AND", " "]),
    max_size=40,
).map("".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=QUERY_TEXT)
def test_any_query_is_answered_or_refused_clearly(db: Session, newsroom, text: str) -> None:
    """On both databases: a page of results or a message, never a database error."""
    try:
        results = search(db, newsroom["rui"], text)
    except ValidationFailed as error:
        assert error.fields["q"]
        return
    assert results.total >= len(results.hits)


def test_every_entry_kind_is_written(db: Session, newsroom) -> None:
    kinds = dict(
        db.execute(select(SearchEntry.kind, func.count()).group_by(SearchEntry.kind)).all()
    )
    assert {kind.value: n for kind, n in kinds.items()} == {
        "article": 1,
        "claim": 3,
        "annotation": 3,
    }


# -- the API and the command line ------------------------------------------------------


def _api(client: FlaskClient, secret: str, query: str) -> Any:
    return client.get(f"/api/v1/search?{query}", headers={"Authorization": f"Bearer {secret}"})


def test_the_api_searches_with_the_same_rules(
    client: FlaskClient, db: Session, newsroom, make_token
) -> None:
    from factcheck.users.tokens import create_token

    _token, bo_secret = create_token(db, newsroom["bo"], "bo")
    _token, rui_secret = create_token(db, newsroom["rui"], "rui")
    db.commit()
    assert _api(client, bo_secret, "q=Zanzibar").get_json()["total"] == 0
    body = _api(client, rui_secret, "q=Zanzibar").get_json()
    assert body["total"] == 1 and body["query"] == "zanzibar"
    [item] = body["items"]
    assert item["kind"] == "claim" and item["matched_in"] == "annotation"
    assert "<mark>Zanzibar</mark>" in item["snippet_html"] and "<mark>" not in item["snippet"]
    assert item["state"] == "submitted"
    listing = _api(client, rui_secret, "verdict=true").get_json()
    assert [i["published_verdict"] for i in listing["items"]] == ["true"]
    assert {f["value"] for f in listing["facets"]["verdict"]} == {"true", "false"}
    assert _api(client, rui_secret, "verdict=nonsense").status_code == 422
    assert _api(client, rui_secret, "q=-alone").status_code == 422
    paged = _api(client, rui_secret, "limit=1").get_json()
    assert paged["total"] == 3 and len(paged["items"]) == 1 and paged["next_cursor"] == "1"
    second = _api(client, rui_secret, "limit=1&cursor=1").get_json()
    assert second["items"][0]["claim_id"] != paged["items"][0]["claim_id"]


def test_reindex_command_reports_what_it_fixed(app: Flask, db: Session, newsroom) -> None:
    db.execute(update(SearchEntry).values(heading="tampered"))
    db.commit()
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt: 7 entries" in result.output and "fixed" in result.output
    again = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert "nothing was out of date" in again.output


# -- broad searches --------------------------------------------------------------------


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> int:
    """Two entries make a search broad, as ten thousand do in a newsroom."""
    from factcheck.search import operations

    monkeypatch.setattr(operations, "BROAD_WINDOW", 2)
    return 2


@pytest.fixture
def four_articles(db: Session, make_user, make_article) -> list[Any]:
    """Four articles, oldest first, each with one claim about pelicans."""
    ana = make_user(Role.ANNOTATOR, name="Ana Annotator")
    articles = [
        make_article(ana, title=f"Report {n}", body=f"Pelicans counted in survey {n}.")
        for n in range(4)
    ]
    db.commit()
    return articles


def test_a_broad_search_answers_from_its_newest_matches(
    db: Session, small_window: int, four_articles, make_user
) -> None:
    rui = make_user(Role.REVIEWER)
    newest = [a.claims[0].id for a in four_articles[-small_window:]]
    results = search(db, rui, "pelicans")
    assert [hit.claim.id for hit in results.hits if hit.claim] == newest[::-1]
    assert results.total == small_window and not results.complete
    assert results.window is not None
    assert results.window.since == four_articles[-small_window].imported_at
    everything = search(db, rui, "pelicans", complete=True)
    assert everything.complete and everything.total == 4
    # A narrower search that fits the window is complete.
    assert search(db, rui, '"survey 0"').complete


def test_hidden_work_does_not_move_the_window(
    db: Session, small_window: int, four_articles, make_user
) -> None:
    ana, bo = make_user(Role.ANNOTATOR), make_user(Role.ANNOTATOR)
    before = search(db, ana, "pelicans")
    # Bo's drafts about pelicans on the oldest claims are the newest entries there are.
    for article in four_articles[:2]:
        db.add(
            Annotation(
                claim_id=article.claims[0].id,
                annotator_id=bo.id,
                state=S.DRAFT,
                rationale="Pelicans again, in a draft.",
            )
        )
    db.commit()
    after = search(db, ana, "pelicans")
    assert [h.claim.id for h in after.hits] == [h.claim.id for h in before.hits]
    assert (after.total, after.window) == (before.total, before.window)
    assert after.facets == before.facets


def test_the_page_and_the_api_say_a_search_was_broad(
    client: FlaskClient, db: Session, small_window: int, four_articles, login
) -> None:
    from factcheck.users.tokens import create_token

    user = login(Role.REVIEWER)
    page = client.get("/search?q=pelicans").get_data(as_text=True)
    assert "2 results for <strong>pelicans</strong> among the newest matches" in page
    assert "search all of them" in page and "all=1" in page
    everything = client.get("/search?q=pelicans&all=1").get_data(as_text=True)
    assert "4 results" in everything and "search all of them" not in everything
    # Filters and paging keep asking for everything.
    assert 'name="all" value="1"' in everything
    _token, secret = create_token(db, user, "broad")
    db.commit()
    body = _api(client, secret, "q=pelicans").get_json()
    assert body["complete"] is False and body["total"] == 2 and body["newest_since"]
    body = _api(client, secret, "q=pelicans&all=true").get_json()
    assert body["complete"] is True and body["total"] == 4 and body["newest_since"] is None
    assert _api(client, secret, "q=pelicans&all=maybe").status_code == 422


def test_a_broad_search_reaches_back_past_entries_that_do_not_match(
    db: Session, small_window: int, make_user, make_article
) -> None:
    ana, rui = make_user(Role.ANNOTATOR), make_user(Role.REVIEWER)
    matching = [make_article(ana, body=f"Cormorants nest on pier {n}.") for n in range(3)]
    for n in range(30):
        make_article(ana, body=f"Nothing about birds in report {n}.")
    db.commit()
    results = search(db, rui, "cormorants")
    newest = [a.claims[0].id for a in matching[-small_window:]][::-1]
    assert [hit.claim.id for hit in results.hits] == newest and results.window is not None
    assert search(db, rui, "cormorants", complete=True).total == 3


def test_your_own_newer_annotation_is_in_a_broad_searchs_window(
    db: Session, small_window: int, four_articles, make_user
) -> None:
    ana = make_user(Role.ANNOTATOR)
    oldest = four_articles[0].claims[0]
    db.add(Annotation(claim_id=oldest.id, annotator_id=ana.id, rationale="Pelicans, mine."))
    db.commit()
    results = search(db, ana, "pelicans")
    # The annotation was written last: the newest match, with the newest article's claim.
    assert {hit.claim.id for hit in results.hits} == {four_articles[-1].claims[0].id, oldest.id}
    assert results.window is not None and results.total == 2


def test_pages_of_a_search_and_of_a_listing_share_their_total(
    db: Session, make_user, make_article
) -> None:
    rui = make_user(Role.REVIEWER)
    article = make_article(
        rui,
        body=" ".join(f"Pelicans landed in harbour number {n}." for n in range(1, 8)),
    )
    db.commit()
    everything = {claim.id for claim in article.claims}
    for text in ("pelicans", ""):
        seen: list[int] = []
        offset: int | None = 0
        while offset is not None:
            results = search(db, rui, text, offset=offset, limit=3)
            assert results.total == len(everything)
            seen += [hit.claim.id for hit in results.hits]
            offset = results.next_offset
        assert sorted(seen) == sorted(everything)
        past = search(db, rui, text, offset=20, limit=3)
        assert (past.hits, past.total, past.next_offset) == ([], len(everything), None)
    assert search(db, rui, "albatross").total == 0
