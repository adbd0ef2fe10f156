"""Stored matches, the workspace's "checked before" badge and filter, background jobs,
and the reranker's training (issue #16)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.factchecks.library import import_library_file
from factcheck.factchecks.matching import Strength, match_text
from factcheck.factchecks.models import ClaimMatch, ClaimVector, FactCheck
from factcheck.factchecks.ranking import FEATURES, Reranker
from factcheck.jobs import BackgroundJob, JobState

DEPORTATIONS = "Ireland deported 4,500 people from Dublin last year."


def _review(**overrides: Any) -> dict[str, Any]:
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": "https://factcheck.example/deportations",
        "claimReviewed": DEPORTATIONS,
        "headline": "No, Ireland did not deport 4,500 people",
        "datePublished": "2026-03-01",
        "author": {"@type": "Organization", "name": "The Journal FactCheck"},
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
    }
    review.update(overrides)
    return review


def _import(db: Session, *reviews: dict[str, Any]) -> None:
    report = import_library_file(db, None, "feed.json", json.dumps(list(reviews)).encode())
    assert report.ok, report.problems
    db.commit()


def _matched(db: Session) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for claim_id, factcheck_id in db.execute(select(ClaimMatch.claim_id, ClaimMatch.factcheck_id)):
        found.setdefault(claim_id, []).append(factcheck_id)
    return found


def test_an_imported_article_is_matched_against_the_library(db: Session, make_article) -> None:
    _import(db, _review())
    article = make_article(body=f"{DEPORTATIONS}\n\nThe weather was mild all week.")
    db.commit()
    deport, weather = article.claims
    assert set(_matched(db)) == {deport.id}
    # Every entry now has its vectors: the import asked for them in its transaction.
    assert db.scalar(select(func.count()).where(FactCheck.claim_vector.is_(None))) == 0
    assert weather.id not in _matched(db)


def test_a_library_import_matches_the_claims_already_there(db: Session, make_article) -> None:
    _import(db, _review(claimReviewed="Vaccines contain microchips for tracking people."))
    article = make_article(body=f"{DEPORTATIONS}\n\nThe weather was mild all week.")
    db.commit()
    assert _matched(db) == {}
    _import(db, _review(url="https://factcheck.example/other"))
    assert set(_matched(db)) == {article.claims[0].id}


def test_an_unrelated_text_is_no_match_even_in_a_tiny_library(db: Session) -> None:
    _import(
        db,
        _review(),
        _review(url="https://x.example/v", claimReviewed="Vaccines contain microchips."),
    )
    assert (
        match_text(db, "Bananas are yellow fruit grown in tropical countries", shown_only=True)
        == []
    )
    assert match_text(db, "the of and") == []
    [best] = match_text(db, "They say Dublin deported 4,500 people last year!", shown_only=True)
    assert best.strength is Strength.STRONG and "Ireland" in best.factcheck.claim


def test_a_second_publishers_check_of_the_same_claim_is_shown_too(db: Session) -> None:
    _import(
        db,
        _review(),
        _review(
            url="https://other.example/deport",
            author={"@type": "Organization", "name": "Other Desk"},
            claimReviewed="4,500 people were deported from Dublin, Ireland, last year",
        ),
    )
    found = match_text(db, DEPORTATIONS, shown_only=True)
    assert {m.factcheck.publisher for m in found} == {"The Journal FactCheck", "Other Desk"}


def test_the_workspace_shows_the_badge_and_filters_on_it(
    client, db: Session, login, make_article
) -> None:
    from factcheck.users.models import Role

    _import(db, _review())
    user = login(Role.ANNOTATOR)
    article = make_article(user, body=f"{DEPORTATIONS}\n\nThe weather was mild all week.")
    db.commit()
    page = client.get(f"/articles/{article.id}").get_data(as_text=True)
    assert "checked before (1)" in page and ' hv" href=' in page
    listing = client.get(f"/articles/{article.id}?hint=checked+before").get_data(as_text=True)
    assert (
        "1 claim with checked before" in listing
        and "The weather was mild" not in listing.split("claim-list")[1].split("</ol>")[0]
    )


def test_a_withdrawn_entry_no_longer_marks_the_claim(db: Session, make_article) -> None:
    from factcheck.factchecks.work import checked_before

    _import(db, _review())
    article = make_article(body=DEPORTATIONS)
    db.commit()
    claim_id = article.claims[0].id
    assert claim_id in checked_before(db, [claim_id])
    db.execute(FactCheck.__table__.update().values(withdrawn=True))
    assert checked_before(db, [claim_id]) == {}


@contextmanager
def queued_on_redis(app, db: Session, number: int) -> Iterator[Any]:
    """The app queueing its background work on Redis database ``number`` (each test its
    own: one counts what is queued), with one library entry imported beforehand; the
    queue."""
    redis = pytest.importorskip("redis")
    from rq import Queue

    from factcheck.jobs import QUEUE_NAME

    url = f"redis://127.0.0.1:6379/{number}"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    queue = Queue(QUEUE_NAME, connection=redis.Redis.from_url(url))
    queue.empty()
    _import(db, _review())  # inline: no Redis configured yet
    app.config.update(REDIS_URL=url, BACKGROUND_WORK="background")
    try:
        yield queue
    finally:
        app.config.update(REDIS_URL=None, BACKGROUND_WORK="inline")
        queue.empty()


def test_with_redis_the_work_is_queued_shown_and_done_by_the_worker(
    app, db: Session, make_article, client, login
) -> None:
    from factcheck.users.models import Role
    from factcheck.worker import perform

    with queued_on_redis(app, db, 15) as queue:
        user = login(Role.ANNOTATOR)
        with app.test_request_context():  # as the web's import does; a command waits
            article = make_article(user, body=DEPORTATIONS)
            db.commit()
        [job] = db.scalars(select(BackgroundJob)).all()
        assert job.state is JobState.QUEUED and job.subject == f"article:{article.id}"
        assert queue.count == 1 and queue.jobs[0].args == (job.id,)
        assert _matched(db) == {}
        page = client.get(f"/articles/{article.id}").get_data(as_text=True)
        assert "Looking for earlier fact-checks" in page and "waiting to start" in page
        perform(job.id, app)
        db.refresh(job)
        assert job.state is JobState.DONE and job.done == job.total == 1
        assert set(_matched(db)) == {article.claims[0].id}
        assert "waiting to start" not in client.get(f"/articles/{article.id}").get_data(
            as_text=True
        )


def test_the_worker_command_does_the_queued_work_in_its_own_process(
    app, db: Session, make_article
) -> None:
    """``flask jobs worker`` runs each job in its own process and app (no fork per job:
    the encoder and the caches stay built), passing over a job whose row is gone."""
    import signal

    from factcheck import worker

    # Each backend its own Redis database: the two may run at once.
    number = 12 if db.get_bind().dialect.name == "sqlite" else 13
    with queued_on_redis(app, db, number) as queue:
        with app.test_request_context():
            article = make_article(body=DEPORTATIONS)
            db.commit()
        [job] = db.scalars(select(BackgroundJob)).all()
        assert queue.count == 1
        queue.enqueue("factcheck.worker.perform", 10**9)  # a job whose row is gone
        # RQ's worker takes over SIGINT and SIGTERM in the process that runs it.
        handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
        finally:
            worker.use_app(None)
            for number, handler in handlers.items():
                signal.signal(number, handler)
        assert result.exit_code == 0, result.output
        db.refresh(job)
        assert job.state is JobState.DONE and job.done == job.total == 1
        assert set(_matched(db)) == {article.claims[0].id}
        assert queue.count == 0


def test_work_asked_for_while_a_job_waits_is_done_by_that_job(
    app, db: Session, make_article
) -> None:
    """Two imports while the worker is busy leave one queued job per article; of two
    queued jobs about one article, the older steps aside and the newer does the work."""
    from factcheck.jobs import schedule
    from factcheck.worker import perform

    with queued_on_redis(app, db, 14):
        with app.test_request_context():
            first = make_article(body=DEPORTATIONS)
            db.commit()
            second = make_article(body=DEPORTATIONS + " Again.")
            db.commit()
        jobs = db.scalars(select(BackgroundJob).order_by(BackgroundJob.id)).all()
        assert [job.subject for job in jobs] == [f"article:{first.id}", f"article:{second.id}"]
        # The first article changes again while its job waits: no second job for it.
        with app.test_request_context():
            schedule(
                db,
                "factcheck.factchecks.work:match_article",
                {"article_id": first.id},
                label="again",
                subject=f"article:{first.id}",
            )
            db.commit()
        assert db.scalar(select(func.count()).select_from(BackgroundJob)) == 2
        # A newer queued job about the same article: the older one steps aside.
        newer = BackgroundJob(
            function="factcheck.factchecks.work:match_article",
            payload={"article_id": first.id},
            label="newer",
            subject=f"article:{first.id}",
        )
        db.add(newer)
        db.commit()
        perform(jobs[0].id, app)
        db.refresh(jobs[0])
        assert jobs[0].state is JobState.DONE and jobs[0].done == 0
        assert "later job" in (jobs[0].error or "")
        assert _matched(db) == {}
        perform(newer.id, app)
        db.refresh(newer)
        assert newer.state is JobState.DONE and newer.done == 1
        assert set(_matched(db)) == {first.claims[0].id}


def test_the_reranker_learns_and_round_trips() -> None:
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(400, len(FEATURES)))
    labels = (rows[:, 9] + 0.1 * rng.normal(size=400) > 0.5).astype(float)
    model = Reranker.fit(rows, labels, np.ones(400, dtype=bool), np.arange(400) // 20)
    again = Reranker.from_json(model.to_json())
    assert np.allclose(model.order_scores(rows), again.order_scores(rows), atol=1e-5)
    assert np.corrcoef(again.order_scores(rows), labels)[0, 1] > 0.6
    probability = again.probabilities(rows)
    assert probability[labels == 1].mean() > probability[labels == 0].mean() + 0.3
    with pytest.raises(ValueError, match="other features"):
        Reranker.from_json(json.dumps({**json.loads(model.to_json()), "features": ["x"]}))


def test_training_reads_the_judgements_through_the_matching_path(db: Session) -> None:
    from factcheck.factchecks.training import train, training_rows

    _import(
        db,
        _review(url="https://x.example/a"),
        _review(url="https://x.example/b", claimReviewed="Vaccines contain microchips."),
        _review(url="https://x.example/c", claimReviewed="The moon landing was filmed."),
    )
    for entry in db.scalars(select(FactCheck)):
        entry.external_id = entry.url.rsplit("/", 1)[1]
    db.commit()
    queries = [("q1", "Dublin deported 4,500 last year?"), ("q2", "microchips in the vaccine!")]
    judged = {"q1": {"a"}, "q2": {"b"}}
    rows, labels, as_judged, groups = training_rows(db, queries, judged)
    assert rows.shape[1] == len(FEATURES) and labels[as_judged].sum() == 2
    assert labels[~as_judged].sum() == 0 and (~as_judged).any() and len(set(groups)) > 2
    assert isinstance(train(db, queries, judged), Reranker)


def test_without_redis_the_work_runs_in_a_thread_after_the_commit(tmp_path) -> None:
    import threading

    import flask_migrate

    from factcheck.articles.operations import import_article
    from factcheck.extensions import db as database
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'thread.sqlite'}", BACKGROUND_WORK="background")
    with app.app_context():
        flask_migrate.upgrade()
        session = database.session
        with app.test_request_context():  # as the web's import does; a command waits
            _import(session, _review())
        for thread in threading.enumerate():
            if thread.name == "factcheck-jobs":
                thread.join(timeout=120)
        assert session.scalar(select(func.count()).where(FactCheck.claim_vector.is_(None))) == 0
        with app.test_request_context():
            article = import_article(
                session, None, title="Deportations", body=DEPORTATIONS, max_chars=10_000
            )
            session.commit()
        for thread in threading.enumerate():
            if thread.name == "factcheck-jobs":
                thread.join(timeout=120)
        session.expire_all()
        jobs = session.scalars(select(BackgroundJob).order_by(BackgroundJob.id)).all()
        assert [job.state for job in jobs] == [JobState.DONE, JobState.DONE]
        assert jobs[1].subject == f"article:{article.id}"
        assert set(_matched(session)) == {article.claims[0].id}
        database.session.remove()
    app.extensions["factcheck.engine"].dispose()


def test_the_commands_encode_the_library_and_want_redis_for_a_worker(app, db: Session) -> None:
    from factcheck.factchecks.work import library_work_deferred

    with library_work_deferred():
        _import(db, _review())
    waiting = select(func.count()).where(FactCheck.claim_vector.is_(None))
    assert db.scalar(waiting) == 1
    runner = app.test_cli_runner()
    result = runner.invoke(args=["factchecks", "encode"])
    assert result.exit_code == 0, result.output
    assert db.scalar(waiting) == 0
    refused = runner.invoke(args=["jobs", "worker", "--burst"])
    assert refused.exit_code == 2 and "FACTCHECK_REDIS_URL is not set" in refused.output


def test_our_verdicts_in_matches_obey_blind_annotation(
    client, db: Session, make_user, make_article
) -> None:
    from factcheck.annotations.models import Annotation
    from factcheck.annotations.states import AnnotationState
    from factcheck.db import utcnow
    from factcheck.errors import NotFound
    from factcheck.factchecks.reuse import use_factcheck
    from factcheck.factchecks.work import checked_before
    from factcheck.users.models import Role
    from factcheck.users.tokens import create_token

    author, other = make_user(Role.ANNOTATOR), make_user(Role.ANNOTATOR)
    reviewer = make_user(Role.REVIEWER)
    checked = make_article(author, body=DEPORTATIONS)
    claim = checked.claims[0]
    approved = Annotation(
        claim_id=claim.id,
        annotator_id=author.id,
        state=AnnotationState.SUBMITTED,
        submitted_at=utcnow(),
    )
    db.add(approved)
    db.commit()
    approved.state = AnnotationState.APPROVED
    db.commit()
    ours = db.scalar(select(FactCheck).where(FactCheck.annotation_id == approved.id))
    later = make_article(other, body="Dublin deported 4,500 people last year, they say.")
    db.commit()
    elsewhere = later.claims[0]

    def found(viewer) -> bool:
        return ours.id in {m.factcheck.id for m in match_text(db, DEPORTATIONS, viewer=viewer)}

    # The other annotator has not annotated the claim: its verdict is hidden from them,
    # in matches, in the workspace's badge, in "Use this fact-check" and in the API.
    assert found(None) and found(author) and found(reviewer) and not found(other)
    assert elsewhere.id in checked_before(db, [elsewhere.id], reviewer)
    assert checked_before(db, [elsewhere.id], other) == {}
    with pytest.raises(NotFound):
        use_factcheck(db, other, elsewhere, ours.id, expected_version=None)
    _token, secret = create_token(db, other, "matching")
    db.commit()
    answer = client.post(
        "/api/v1/match",
        json={"text": DEPORTATIONS, "limit": 10},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200
    assert ours.id not in {item["factcheck"]["id"] for item in answer.get_json()["items"]}
    # Once they submit their own annotation of the claim, they may read it.
    db.add(
        Annotation(
            claim_id=claim.id,
            annotator_id=other.id,
            state=AnnotationState.SUBMITTED,
            submitted_at=utcnow(),
        )
    )
    db.commit()
    assert found(other)


def test_common_words_are_not_looked_up_in_a_big_library() -> None:
    # The full-text index ranks every entry holding any of the words: in a library of
    # a million, the rarest words are asked for only while they add up to at most
    # LEXICAL_POSTINGS entries; what common words would add is found by meaning.
    from factcheck.factchecks.matching import LEXICAL_POSTINGS, LEXICAL_WORDS, _rarest
    from factcheck.factchecks.stats import Collection

    small = Collection(
        10_000, 12.0, 10.0, {"dublin": 40, "hous": 900, "rent": 300, "minist": 2_000}
    )
    stems = ["minist", "said", "dublin", "rent", "hous", "dublin"]
    assert _rarest(stems, small) == ["dublin", "rent", "hous", "minist"]

    big = Collection(
        1_000_000,
        12.0,
        10.0,
        {"dublin": 1_000, "rent": 3_000, "hous": 90_000, "minist": 200_000},
    )
    assert 1_000 + 3_000 <= LEXICAL_POSTINGS < 1_000 + 3_000 + 90_000
    assert _rarest(stems, big) == ["dublin", "rent"]
    # Only common words: nothing is asked of the index.
    assert _rarest(["hous", "minist"], big) == []
    many = {f"word{i}": 1 for i in range(LEXICAL_WORDS + 5)}
    assert len(_rarest(list(many), Collection(100, 1.0, 1.0, many))) == LEXICAL_WORDS


def test_the_full_text_index_matches_the_stems_the_counts_are_made_of(db: Session) -> None:
    # The counts say how many entries hold a stem; the index must find exactly those.
    # Before, it stemmed the text itself: PostgreSQL made "added" into "ad", so "ad",
    # rare by the counts, matched every entry saying "added".
    from factcheck.factchecks.matching import _candidates
    from factcheck.factchecks.stats import collection

    _import(
        db,
        _review(url="https://factcheck.example/1", claimReviewed="Rents added 9% in Dublin."),
        _review(url="https://factcheck.example/2", claimReviewed="The minister's ad was fake."),
        _review(
            url="https://factcheck.example/3",
            claimReviewed="Adding a lane cost millions.",
            headline="Dublin's new bus lane",
        ),
    )
    ids = {claim: entry_id for entry_id, claim in db.execute(select(FactCheck.id, FactCheck.claim))}
    library = collection(db, ["ad", "add", "dublin"])
    assert library.frequency == {"ad": 1, "add": 2, "dublin": 2}
    assert {i for i, _ in _candidates(db, ["ad"], 10)} == {ids["The minister's ad was fake."]}
    assert {i for i, _ in _candidates(db, ["add"], 10)} == {
        ids["Rents added 9% in Dublin."],
        ids["Adding a lane cost millions."],
    }
    # The headline is indexed too, as the counts count it.
    assert len(_candidates(db, ["dublin"], 10)) == 2


def test_a_new_entry_has_only_its_nearest_recent_claims_matched_again(
    db: Session, make_article, monkeypatch
) -> None:
    from factcheck.factchecks import work

    _import(db, _review())
    body = " ".join(
        f"Ireland deported {n},500 people from Dublin in 20{n:02d}." for n in range(1, 7)
    )
    article = make_article(body=body)  # matched at once: every claim gets its vector
    db.commit()
    assert db.scalar(select(func.count()).select_from(ClaimVector)) == len(article.claims) == 6
    _import(db, _review(url="https://factcheck.example/again", headline="Deportations again"))
    entry = db.scalar(select(FactCheck.id).order_by(FactCheck.id.desc()).limit(1))
    chosen: list[list[int]] = []
    monkeypatch.setattr(work, "match_claims", lambda _s, ids, _p: chosen.append(list(ids)) or 0)
    work.rematch_recent(db, lambda done, total: None, [entry])
    assert len(chosen[0]) == 6  # all six are near the new entry
    monkeypatch.setattr(work, "NEAREST_PER_ENTRY", 2)
    work.rematch_recent(db, lambda done, total: None, [entry])
    # The two nearest to the entry's claim, and the two nearest to its headline.
    assert 2 <= len(chosen[1]) <= 4 and set(chosen[1]) <= set(chosen[0])


def test_a_claim_whose_text_changes_in_place_is_matched_again(
    db: Session, make_article, make_user
) -> None:
    """A merge keeps the first claim's row with a longer text: its stored vector and
    matches follow the new text, not the half it had."""
    from factcheck.factchecks.matching import vectors_of
    from factcheck.factchecks.terms import clean
    from factcheck.factchecks.vectors import from_bytes
    from factcheck.users.models import Role
    from factcheck.workspace.corrections import merge_with_next

    _import(db, _review())
    article = make_article(body=f"The weather was mild all week.\n\n{DEPORTATIONS}")
    db.commit()
    weather, deport = article.claims
    assert set(_matched(db)) == {deport.id}

    def stored(claim_id: int) -> Any:
        vector = db.scalar(select(ClaimVector.vector).where(ClaimVector.claim_id == claim_id))
        return from_bytes(vector)

    before = stored(weather.id)
    merged = merge_with_next(db, make_user(Role.ADMIN), weather)
    db.commit()
    assert merged.id == weather.id and DEPORTATIONS in merged.text
    after = stored(merged.id)
    assert not np.allclose(before, after)
    # Stored at half precision.
    assert np.allclose(after, vectors_of([clean(merged.text)])[0], atol=1e-3)
    # The claim that was merged away left no matches behind.
    assert deport.id not in _matched(db)
