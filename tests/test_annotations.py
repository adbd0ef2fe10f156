"""Annotating a claim: drafts, sources, versions, submission, and who sees what."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation, Source
from factcheck.audit.models import AuditEvent
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role
from factcheck.verdicts.models import Verdict
from tests.conftest import log_in, post_form


def verdict_id(db: Session, key: str = "false") -> int:
    return db.scalar(select(Verdict.id).where(Verdict.key == key))


def form_data(db: Session, **overrides: Any) -> dict[str, Any]:
    data = {
        "verdict": verdict_id(db),
        "claimant": "The minister",
        "claim_summary": "10,000 homes by 2030",
        "rationale": "Budget documents fund 4,000.",
        "version": "",
        "sources-0-url": "https://example.org/budget",
        "sources-0-title": "Budget 2024",
        "sources-0-publisher": "Treasury",
        "sources-0-quote": "4,000 homes",
        "sources-0-stance": "refutes",
        "sources-0-accessed_on": "2024-03-02",
        "sources-1-url": "",
        "sources-1-quote": "Phone call with the press office",
        "sources-1-stance": "context",
        "action": "save",
    }
    data.update(overrides)
    return data


def save(client: FlaskClient, claim_id: int, data: dict[str, Any]):
    return post_form(client, f"/claims/{claim_id}/annotation", data, token_from="/articles")


def count(db: Session, model) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def claim(make_article):
    return make_article().claims[1]


def test_save_draft_with_two_sources_and_see_them_after_reload(
    client: FlaskClient, login, claim, db: Session
) -> None:
    user = login()
    response = save(client, claim.id, form_data(db))
    assert response.status_code == 302
    annotation = db.scalar(select(Annotation))
    assert annotation.annotator_id == user.id and annotation.state is AnnotationState.DRAFT
    assert annotation.version == 1
    assert [(s.url, s.stance.value) for s in annotation.sources] == [
        ("https://example.org/budget", "refutes"),
        (None, "context"),
    ]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "annotation:create"))
    assert event.diff["claimant"] == [None, "The minister"]
    html = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert 'value="https://example.org/budget"' in html
    assert "Phone call with the press office" in html
    assert 'name="version" type="hidden" value="1"' in html


def test_saving_with_the_current_version_updates_and_bumps_it(
    client: FlaskClient, login, claim, db: Session
) -> None:
    login()
    save(client, claim.id, form_data(db))
    response = save(client, claim.id, form_data(db, version="1", claimant="The housing minister"))
    assert response.status_code == 302
    annotation = db.scalar(select(Annotation))
    assert annotation.version == 2 and annotation.claimant == "The housing minister"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "annotation:update"))
    assert event.diff == {"claimant": ["The minister", "The housing minister"]}


def test_a_stale_save_gets_409_with_both_versions_and_changes_nothing(
    client: FlaskClient, login, claim, db: Session
) -> None:
    login()
    save(client, claim.id, form_data(db))
    save(client, claim.id, form_data(db, version="1", claimant="Saved in tab A"))
    before = count(db, AuditEvent)
    stale = save(client, claim.id, form_data(db, version="1", claimant="Typed in tab B"))
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Saved in tab A" in html and "Typed in tab B" in html
    assert 'name="version" type="hidden" value="2"' in html  # the merge form saves over v2
    annotation = db.scalar(select(Annotation))
    assert annotation.claimant == "Saved in tab A" and annotation.version == 2
    assert count(db, AuditEvent) == before


def test_a_second_new_annotation_form_is_a_conflict_not_a_duplicate(
    client: FlaskClient, login, claim, db: Session
) -> None:
    login()
    assert save(client, claim.id, form_data(db)).status_code == 302
    again = save(client, claim.id, form_data(db, claimant="From the other tab"))
    assert again.status_code == 409
    assert count(db, Annotation) == 1


def test_submit_needs_a_verdict(client: FlaskClient, login, claim, db: Session) -> None:
    login()
    response = save(client, claim.id, form_data(db, verdict="", action="submit"))
    assert response.status_code == 422
    assert "Choose a verdict before submitting." in response.get_data(as_text=True)
    assert count(db, Annotation) == 0


def test_submit_then_edit_is_refused_until_withdrawn(
    client: FlaskClient, login, claim, db: Session
) -> None:
    login()
    assert save(client, claim.id, form_data(db, action="submit")).status_code == 302
    annotation = db.scalar(select(Annotation))
    assert annotation.state is AnnotationState.SUBMITTED and annotation.submitted_at
    edit = save(client, claim.id, form_data(db, version=str(annotation.version)))
    assert edit.status_code == 409
    assert "withdraw it from review" in edit.get_data(as_text=True)
    withdraw = post_form(
        client,
        f"/annotations/{annotation.id}/transition",
        {"action": "withdraw", "version": annotation.version},
        token_from="/articles",
    )
    assert withdraw.status_code == 302
    db.refresh(annotation)
    assert annotation.state is AnnotationState.DRAFT
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_type == "annotation")
    ).all()
    assert actions == ["annotation:create", "annotation:submit", "annotation:withdraw"]


BAD_INPUTS = [
    ({"sources-0-url": "javascript:alert(1)"}, "Use a full http:// or https:// address."),
    ({"sources-0-url": "ftp://example.org/x"}, "Use a full http:// or https:// address."),
    ({"sources-0-url": "", "sources-0-quote": ""}, "A source needs a URL or a quote."),
    ({"verdict": "999999"}, "This verdict does not exist."),
    ({"verdict": "not-a-number"}, "This verdict does not exist."),
    ({"rationale": "x" * 1_000_000}, "At most 20,000 characters."),
    ({"sources-0-accessed_on": "yesterday"}, "Not a valid date value."),
    ({"sources-0-stance": "loves"}, "Not a valid choice"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_INPUTS)
def test_bad_annotation_input_gets_a_message_and_changes_nothing(
    client: FlaskClient, login, claim, db: Session, overrides: dict, message: str
) -> None:
    login()
    before = (count(db, Annotation), count(db, Source), count(db, AuditEvent))
    response = save(client, claim.id, form_data(db, **overrides))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (count(db, Annotation), count(db, Source), count(db, AuditEvent)) == before


def test_a_hundred_sources_are_refused(client: FlaskClient, login, claim, db: Session) -> None:
    login()
    data = form_data(db)
    for index in range(100):
        data[f"sources-{index}-url"] = f"https://example.org/{index}"
        data[f"sources-{index}-stance"] = "context"
    response = save(client, claim.id, data)
    assert response.status_code == 422
    assert "At most 30 sources per annotation." in response.get_data(as_text=True)
    assert count(db, Annotation) == 0


def test_retired_verdict_cannot_be_chosen_but_stays_on_old_annotations(
    client: FlaskClient, login, claim, db: Session
) -> None:
    login()
    save(client, claim.id, form_data(db, verdict=verdict_id(db, "mixed")))
    mixed = db.get(Verdict, verdict_id(db, "mixed"))
    mixed.active = False
    db.commit()
    keep = save(client, claim.id, form_data(db, verdict=mixed.id, version="1"))
    assert keep.status_code == 302
    html = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Mixed (retired)" in html
    other_claim_response = save(client, claim.article.claims[2].id, form_data(db, verdict=mixed.id))
    assert other_claim_response.status_code == 422
    assert "“Mixed” is retired" in other_claim_response.get_data(as_text=True)


def test_script_is_stored_as_typed_and_shown_escaped(
    client: FlaskClient, login, claim, db: Session
) -> None:
    login()
    script = "<script>alert('x')</script>"
    save(client, claim.id, form_data(db, rationale=script, **{"sources-0-quote": script}))
    annotation = db.scalar(select(Annotation))
    assert annotation.rationale == script and annotation.sources[0].quote == script
    html = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_nobody_can_act_on_someone_elses_annotation_by_id(
    client: FlaskClient, login, make_user, claim, db: Session, app
) -> None:
    author = make_user(email="author@example.org")
    author_client = app.test_client()
    log_in(author_client, author.email)
    save(author_client, claim.id, form_data(db, action="submit"))
    annotation = db.scalar(select(Annotation))
    login(Role.ANNOTATOR)
    response = post_form(
        client,
        f"/annotations/{annotation.id}/transition",
        {"action": "withdraw", "version": annotation.version},
        token_from="/articles",
    )
    # Blind annotation: to an annotator who has not submitted their own, it does not
    # exist (as in the API); to a reviewer, who may see it, withdrawing is not theirs.
    assert response.status_code == 404
    reviewer_client = app.test_client()
    log_in(reviewer_client, make_user(Role.REVIEWER).email)
    response = post_form(
        reviewer_client,
        f"/annotations/{annotation.id}/transition",
        {"action": "withdraw", "version": annotation.version},
        token_from="/articles",
    )
    assert response.status_code == 403
    assert "author can do this" in response.get_data(as_text=True)
    db.refresh(annotation)
    assert annotation.state is AnnotationState.SUBMITTED


def test_blind_annotation_hides_others_until_you_submit(
    client: FlaskClient, login, make_user, claim, db: Session, app
) -> None:
    first = make_user(name="First Checker")
    first_client = app.test_client()
    log_in(first_client, first.email)
    save(first_client, claim.id, form_data(db, action="submit", claimant="SECRET-ONE"))

    login(Role.ANNOTATOR)
    html = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "SECRET-ONE" not in html
    assert "1 other annotation submitted" in html
    save(client, claim.id, form_data(db, claimant="Mine"))
    assert "SECRET-ONE" not in client.get(f"/claims/{claim.id}").get_data(as_text=True)
    mine = db.scalar(select(Annotation).where(Annotation.claimant == "Mine"))
    save(client, claim.id, form_data(db, action="submit", claimant="Mine", version=mine.version))
    assert "SECRET-ONE" in client.get(f"/claims/{claim.id}").get_data(as_text=True)


def test_drafts_are_never_shown_to_others(
    client: FlaskClient, login, make_user, claim, db: Session, app
) -> None:
    drafter = make_user()
    drafter_client = app.test_client()
    log_in(drafter_client, drafter.email)
    save(drafter_client, claim.id, form_data(db, claimant="DRAFT-ONLY"))
    login(Role.REVIEWER)
    html = client.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "DRAFT-ONLY" not in html


def test_reviewers_see_submitted_annotations(
    client: FlaskClient, login, make_user, claim, db: Session, app
) -> None:
    author = make_user()
    author_client = app.test_client()
    log_in(author_client, author.email)
    save(author_client, claim.id, form_data(db, action="submit", claimant="VISIBLE"))
    login(Role.REVIEWER)
    assert "VISIBLE" in client.get(f"/claims/{claim.id}").get_data(as_text=True)


def test_add_source_without_javascript_adds_a_blank_row_and_saves_nothing(
    client: FlaskClient, login, claim, db: Session
) -> None:
    login()
    response = save(client, claim.id, form_data(db, action="add_source"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="sources-2-url"' in html
    assert 'value="https://example.org/budget"' in html
    assert count(db, Annotation) == 0


def test_removed_sources_are_dropped(client: FlaskClient, login, claim, db: Session) -> None:
    login()
    save(client, claim.id, form_data(db))
    save(client, claim.id, form_data(db, version="1", **{"sources-1-remove": "y"}))
    annotation = db.scalar(select(Annotation))
    assert [s.url for s in annotation.sources] == ["https://example.org/budget"]


def test_verdict_colours_are_served_as_css(client: FlaskClient, db: Session) -> None:
    response = client.get("/verdicts.css")
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    false = f".verdict-{verdict_id(db, 'false')} {{ --verdict: #b3261e; --verdict-ink: #ffffff; }}"
    assert false in css
    again = client.get("/verdicts.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
