"""Article revisions: a new text carries the claims over and never attaches work by a guess."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.operations import AnnotationInput, save_annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import ArticleRevision, Claim, ClaimLink
from factcheck.audit.models import AuditEvent
from factcheck.audit.recorder import verify
from factcheck.errors import (
    Conflict,
    DuplicateArticle,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    ValidationFailed,
)
from factcheck.review.operations import apply_action
from factcheck.review.workflow import Action
from factcheck.revisions import operations as revision_ops
from factcheck.search.models import SearchEntry
from factcheck.users.models import Role
from factcheck.verdicts.operations import all_verdicts
from factcheck.workspace.operations import build_workspace
from tests.conftest import counts, post_form

BODY = (
    "Council promises a new bridge\n\n"
    "The council said on Monday that the bridge would cost 12 million pounds. "
    "Work is due to start in the spring of 2027. "
    "The leader of the council, Anna Siebert, called it the most important project in a decade.\n\n"
    "Residents have asked for a crossing since the old ferry closed in 2019. "
    "A survey found that 61% of them would use it every week."
)


def current_claims(db: Session, article) -> list[Claim]:
    db.expire_all()
    return list(
        db.scalars(
            select(Claim)
            .where(Claim.article_id == article.id, Claim.removed_in.is_(None))
            .order_by(Claim.position)
        )
    )


def claim_with(db: Session, article, words: str) -> Claim:
    (claim,) = [c for c in current_claims(db, article) if words in c.text]
    return claim


def annotate(db: Session, user, claim: Claim, *, rationale: str = "Checked.") -> Annotation:
    verdict = all_verdicts(db)[0]
    return save_annotation(
        db,
        user,
        claim,
        AnnotationInput(verdict_id=verdict.id, claimant="Council", rationale=rationale),
        expected_version=None,
    )


def approve(db: Session, author, reviewer, annotation: Annotation) -> None:
    apply_action(db, author, annotation, Action.SUBMIT, expected_version=annotation.version)
    apply_action(db, reviewer, annotation, Action.APPROVE, expected_version=annotation.version)


def revise(db: Session, actor, article, body: str, **kwargs) -> revision_ops.RevisionResult:
    return revision_ops.revise_article(
        db,
        actor,
        article,
        body,
        expected_revision=kwargs.pop("expected_revision", article.revision),
        origin="pasted",
        max_chars=100_000,
        **kwargs,
    )


@pytest.fixture
def people(make_user):
    return {
        "annotator": make_user(Role.ANNOTATOR),
        "other": make_user(Role.ANNOTATOR),
        "reviewer": make_user(Role.REVIEWER),
    }


def test_unchanged_sentences_keep_their_claims_and_annotations(db: Session, make_article, people):
    article = make_article(body=BODY)
    survey = claim_with(db, article, "A survey found")
    note = annotate(db, people["annotator"], survey)
    old_start = survey.start
    new_body = "Update: the vote is on Friday.\n\n" + BODY

    result = revise(db, people["reviewer"], article, new_body)

    assert result.counts["unchanged"] == len(current_claims(db, article)) - result.counts["new"]
    assert result.counts["new"] >= 1
    db.expire_all()
    assert article.revision == 2 and article.body == new_body and article.revised_at is not None
    moved = db.get(Claim, survey.id)
    assert (
        moved.current and moved.text == "A survey found that 61% of them would use it every week."
    )
    assert moved.start == old_start + len("Update: the vote is on Friday.\n\n")
    assert db.get(Annotation, note.id).claim_id == survey.id
    positions = [c.position for c in current_claims(db, article)]
    assert positions == list(range(len(positions)))
    assert [r.number for r in article.revisions] == [1, 2]
    assert article.revisions[0].body == BODY
    assert verify(db) is None


def test_an_edited_sentence_keeps_its_annotations_marked_and_reopens_its_verdict(
    db: Session, make_article, people
):
    article = make_article(body=BODY)
    cost = claim_with(db, article, "12 million")
    published = annotate(db, people["annotator"], cost)
    approve(db, people["annotator"], people["reviewer"], published)
    draft = annotate(db, people["other"], cost, rationale="Draft on the old text.")
    draft_version = draft.version

    result = revise(db, people["reviewer"], article, BODY.replace("12 million", "14 million"))

    assert result.counts["changed"] == 1 and result.reopened == 1
    db.expire_all()
    edited = db.get(Claim, cost.id)
    assert edited.current and "14 million" in edited.text
    assert db.get(Annotation, published.id).state is AnnotationState.SUBMITTED
    assert db.get(Annotation, draft.id).version > draft_version
    link = db.scalar(select(ClaimLink).where(ClaimLink.claim_id == cost.id))
    assert link.outcome == "changed" and link.successor_id == cost.id
    assert "12 million" in BODY[link.old_start : link.old_end]
    actions = set(db.scalars(select(AuditEvent.action)))
    assert {"article:revise", "claim:revise", "annotation:reopen"} <= actions
    assert verify(db) is None

    # The editor still holding the old version is told the sentence changed (409).
    with pytest.raises(StaleVersion, match="now reads differently"):
        save_annotation(
            db,
            people["other"],
            edited,
            AnnotationInput(verdict_id=draft.verdict_id, rationale="Saved blind."),
            expected_version=draft_version,
        )
    # Saving against the current version is fine and records the current revision.
    saved = save_annotation(
        db,
        people["other"],
        edited,
        AnnotationInput(verdict_id=draft.verdict_id, rationale="Checked against the new text."),
        expected_version=db.get(Annotation, draft.id).version,
    )
    assert saved.revision == 2


def test_a_removed_sentence_keeps_its_claim_and_annotations_on_the_old_text(
    db: Session, make_article, people
):
    article = make_article(body=BODY)
    ferry = claim_with(db, article, "old ferry")
    note = annotate(db, people["annotator"], ferry)
    new_body = BODY.replace(
        "Residents have asked for a crossing since the old ferry closed in 2019. ", ""
    )

    result = revise(db, people["reviewer"], article, new_body)

    assert result.counts["removed"] == 1
    db.expire_all()
    gone = db.get(Claim, ferry.id)
    assert gone.removed_in == 2 and not gone.current
    assert gone.text == "Residents have asked for a crossing since the old ferry closed in 2019."
    assert gone not in article.claims
    assert db.get(Annotation, note.id).claim_id == ferry.id
    with pytest.raises(Conflict, match="no longer has this sentence"):
        save_annotation(
            db,
            people["other"],
            gone,
            AnnotationInput(verdict_id=note.verdict_id),
            expected_version=None,
        )
    with pytest.raises(InvalidTransition):
        apply_action(db, people["annotator"], note, Action.SUBMIT, expected_version=note.version)
    listed = revision_ops.removed_claims(db, article, people["annotator"])
    assert [item.claim.id for item in listed] == [ferry.id]
    assert listed[0].removed_in == 2 and listed[0].annotations == 1
    # Another annotator is not told of the draft (blind annotation).
    assert revision_ops.removed_claims(db, article, people["other"])[0].annotations == 0
    # The search index holds the sentences of the current text only.
    db.commit()
    claim_entries = db.scalars(
        select(SearchEntry.claim_id).where(
            SearchEntry.article_id == article.id, SearchEntry.kind == "claim"
        )
    ).all()
    assert ferry.id not in claim_entries
    assert set(claim_entries) == {c.id for c in current_claims(db, article)}
    # Every entry says what the tables say (the moved claims were written in bulk).
    from factcheck.search.index import drift

    assert drift(db.connection()) == 0


def test_split_sentences_are_linked_to_every_part(db: Session, make_article, people):
    article = make_article(body=BODY)
    leader = claim_with(db, article, "Anna Siebert")
    approve_me = annotate(db, people["annotator"], leader)
    approve(db, people["annotator"], people["reviewer"], approve_me)
    new_body = BODY.replace(
        "The leader of the council, Anna Siebert, called it",
        "The leader of the council is Anna Siebert. She called it",
    )

    result = revise(db, people["reviewer"], article, new_body)

    db.expire_all()
    old = db.get(Claim, leader.id)
    links = db.scalars(select(ClaimLink).where(ClaimLink.claim_id == leader.id)).all()
    assert result.counts["split"] == 1
    assert not old.current
    successors = sorted(db.get(Claim, link.successor_id).text for link in links)
    assert successors == [
        "She called it the most important project in a decade.",
        "The leader of the council is Anna Siebert.",
    ]
    assert db.get(Annotation, approve_me.id).state is AnnotationState.SUBMITTED
    panel = build_workspace(
        db, people["reviewer"], article, db.get(Claim, links[0].successor_id)
    ).panel
    assert [link.claim_id for link in panel.predecessors] == [leader.id]


def test_bad_revisions_are_refused_and_change_nothing(db: Session, make_article, make_user, people):
    article = make_article(body=BODY)
    other_article = make_article(body="A different story altogether. It has two sentences.")
    before = counts(db)
    reviewer = people["reviewer"]
    with pytest.raises(ValidationFailed, match="identical"):
        revise(db, reviewer, article, BODY + "\n")
    with pytest.raises(ValidationFailed, match="empty"):
        revise(db, reviewer, article, "   \n ")
    with pytest.raises(ValidationFailed, match="control character"):
        revise(db, reviewer, article, "Binary \x00\x01 data here.")
    with pytest.raises(DuplicateArticle):
        revise(db, reviewer, article, other_article.body)
    with pytest.raises(Conflict, match="Someone added revision"):
        revise(db, reviewer, article, BODY + " More.", expected_revision=5)
    with pytest.raises(PermissionDenied):
        revise(db, people["annotator"], article, BODY + " More.")
    with pytest.raises(revision_ops.DifferentText):
        revise(db, reviewer, article, "Something else entirely. Nothing in common here at all.")
    assert counts(db) == before
    assert db.scalar(select(func.count()).select_from(ArticleRevision)) == 0
    # Confirmed, a text with little in common is taken: every old claim is accounted for.
    result = revise(
        db,
        reviewer,
        article,
        "Something else entirely. Nothing in common here at all.",
        confirmed_different=True,
    )
    assert result.counts["new"] == 2
    assert sum(v for k, v in result.counts.items() if k != "new") == 6


def _form_post(client: FlaskClient, article, body: str, **extra):
    return post_form(
        client,
        f"/articles/{article.id}/revisions",
        {"body": body, "expected_revision": str(article.revision), **extra},
        token_from=f"/articles/{article.id}/revisions",
    )


def test_the_pages(client: FlaskClient, db: Session, make_article, login, people):
    article = make_article(body=BODY)
    login(Role.REVIEWER)
    page = client.get(f"/articles/{article.id}/revisions")
    assert page.status_code == 200 and "New revision" in page.get_data(as_text=True)
    assert client.get(f"/articles/{article.id}/revisions/new").status_code == 200

    response = _form_post(client, article, BODY.replace("12 million", "14 million"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/articles/{article.id}/revisions/2")
    diff = client.get(f"/articles/{article.id}/revisions/2").get_data(as_text=True)
    assert "<del>12</del>" in diff and "<ins>14</ins>" in diff
    history = client.get(f"/articles/{article.id}/revisions").get_data(as_text=True)
    assert "1 edited" in history or "1 edited" in history.replace("\u202f", " ")
    workspace = client.get(f"/articles/{article.id}").get_data(as_text=True)
    assert "revised" in workspace

    # The same text again: a message on the form, nothing written.
    before = counts(db)
    response = _form_post(client, article, article.body)
    assert response.status_code == 422
    assert "identical" in response.get_data(as_text=True)
    assert counts(db) == before
    # A stale form: the conflict is shown, not applied.
    response = post_form(
        client,
        f"/articles/{article.id}/revisions",
        {"body": BODY + " New.", "expected_revision": "1"},
        token_from=f"/articles/{article.id}/revisions",
    )
    assert response.status_code == 409
    # A different article asks for confirmation.
    response = _form_post(client, article, "Nothing in common at all. Not one sentence.")
    assert response.status_code == 422 and 'name="confirm_different"' in response.get_data(
        as_text=True
    )
    # An upload.
    response = post_form(
        client,
        f"/articles/{article.id}/revisions",
        {
            "body_file": (io.BytesIO((article.body + " One more.").encode()), "new.txt"),
            "expected_revision": "2",
        },
        token_from=f"/articles/{article.id}/revisions",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_annotators_cannot_revise(client: FlaskClient, db: Session, make_article, login):
    article = make_article(body=BODY)
    login(Role.ANNOTATOR)
    assert client.get(f"/articles/{article.id}/revisions").status_code == 200
    assert client.get(f"/articles/{article.id}/revisions/new").status_code == 403
    before = counts(db)
    response = _form_post(client, article, BODY + " More.")
    assert response.status_code == 403
    assert counts(db) == before
    # No state change on GET, and the form needs its CSRF token.
    response = client.post(
        f"/articles/{article.id}/revisions", data={"body": BODY + " x", "expected_revision": "1"}
    )
    assert response.status_code in (400, 403)


LOOK_ALIKES = BODY.replace(
    "The council said on Monday that the bridge would cost 12 million pounds. ",
    "The council said on Monday that the bridge would cost 14 million pounds. "
    "The council said on Tuesday that the bridge would cost 15 million pounds. ",
)


def test_a_claim_with_look_alikes_waits_for_a_person(db: Session, make_article, people):
    article = make_article(body=BODY)
    cost = claim_with(db, article, "12 million")
    note = annotate(db, people["annotator"], cost)

    result = revise(db, people["reviewer"], article, LOOK_ALIKES)

    assert result.counts["uncertain"] == 1
    db.expire_all()
    assert not db.get(Claim, cost.id).current
    (waiting,) = revision_ops.waiting_mappings(db, article)
    assert (
        waiting.text == "The council said on Monday that the bridge would cost 12 million pounds."
    )
    offered = [text for _claim, text in waiting.candidates]
    assert len(offered) == 2 and all("million pounds" in text for text in offered)
    with pytest.raises(PermissionDenied):
        revision_ops.resolve_mapping(db, people["annotator"], waiting.link, None)

    chosen = next(claim for claim, text in waiting.candidates if "14 million" in text)
    position = chosen.position
    revision_ops.resolve_mapping(db, people["reviewer"], waiting.link, chosen.id)

    db.expire_all()
    mapped = db.get(Claim, cost.id)
    assert mapped.current and mapped.position == position and "14 million" in mapped.text
    assert db.get(Claim, chosen.id) is None  # the new claim it replaced held no work
    assert db.get(Annotation, note.id).claim_id == cost.id
    assert revision_ops.waiting_mappings(db, article) == []
    positions = [c.position for c in current_claims(db, article)]
    assert positions == list(range(len(positions)))
    with pytest.raises(Conflict, match="already mapped"):
        revision_ops.resolve_mapping(db, people["reviewer"], waiting.link, None)
    assert verify(db) is None


def test_mapping_by_hand_in_the_browser(client: FlaskClient, db: Session, make_article, login):
    article = make_article(body=BODY)
    reviewer = login(Role.REVIEWER)
    revise(db, reviewer, article, LOOK_ALIKES)
    db.commit()
    (waiting,) = revision_ops.waiting_mappings(db, article)
    page = client.get(f"/articles/{article.id}/revisions").get_data(as_text=True)
    assert "1 claim waits for a person" in page and "14 million" in page
    workspace = client.get(f"/articles/{article.id}").get_data(as_text=True)
    assert "1 claim to map" in workspace
    removed = client.get(f"/claims/{waiting.link.claim_id}").get_data(as_text=True)
    assert "waits for a person to map it" in removed

    bad = post_form(
        client,
        f"/revisions/links/{waiting.link.id}",
        {"choice": "999999"},
        token_from=f"/articles/{article.id}/revisions",
    )
    assert bad.status_code == 422
    response = post_form(
        client,
        f"/revisions/links/{waiting.link.id}",
        {"choice": "removed"},
        token_from=f"/articles/{article.id}/revisions",
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.get(ClaimLink, waiting.link.id).outcome == "removed"
    page = client.get(f"/claims/{waiting.link.claim_id}").get_data(as_text=True)
    assert "no longer has this sentence" in page


def test_the_workspace_shows_what_changed_since_the_annotation(
    client: FlaskClient, db: Session, make_article, login, make_user
):
    article = make_article(body=BODY)
    annotator = login(Role.ANNOTATOR)
    cost = claim_with(db, article, "12 million")
    annotate(db, annotator, cost)
    revise(db, make_user(Role.REVIEWER), article, BODY.replace("12 million", "14 million"))
    db.commit()
    page = client.get(f"/claims/{cost.id}").get_data(as_text=True)
    assert "Text changed since your annotation" in page
    assert "<del>12</del>" in page and "<ins>14</ins>" in page


def test_mapping_onto_a_carried_sentence_links_instead_of_replacing_it(
    db: Session, make_article, people
):
    article = make_article(body=BODY)
    cost = claim_with(db, article, "12 million")
    revise(db, people["reviewer"], article, LOOK_ALIKES)
    (waiting,) = revision_ops.waiting_mappings(db, article)
    carried = claim_with(db, article, "A survey found")

    revision_ops.resolve_mapping(db, people["reviewer"], waiting.link, carried.id)

    db.expire_all()
    assert db.get(Claim, carried.id).current  # kept, with its own history
    link = db.get(ClaimLink, waiting.link.id)
    assert link.outcome == "merged" and link.successor_id == carried.id
    assert not db.get(Claim, cost.id).current


def test_an_import_that_matches_an_article_asks_first(
    client: FlaskClient, db: Session, make_article, login
):
    from factcheck.imports.operations import import_file
    from factcheck.revisions.operations import OnMatch

    article = make_article(body=BODY, title="Council promises a new bridge")
    reviewer = login(Role.REVIEWER)
    new_text = f"Council promises a new bridge\n\n{BODY.replace('12 million', '14 million')}"
    before = counts(db)

    asked = import_file(db, reviewer, "bridge.txt", new_text.encode(), max_chars=100_000)
    assert not asked.ok and asked.matched == [(article.id, article.title)]
    assert "looks like a new version" in asked.problems[0]
    assert counts(db) == before

    revised = import_file(
        db, reviewer, "bridge.txt", new_text.encode(), max_chars=100_000, on_match=OnMatch.REVISE
    )
    assert revised.ok and revised.revised == [(article.id, article.title, 2)]
    db.expire_all()
    assert "14 million" in article.body and article.revision == 2

    separate = import_file(
        db,
        reviewer,
        "bridge.txt",
        (new_text + " One more.").encode(),
        max_chars=100_000,
        on_match=OnMatch.SEPARATE,
    )
    assert separate.ok and len(separate.imported) == 1

    # An annotator cannot turn an import into a revision.
    annotator = login(Role.ANNOTATOR)
    refused = import_file(
        db,
        annotator,
        "bridge.txt",
        (new_text + " Another.").encode(),
        max_chars=100_000,
        on_match=OnMatch.REVISE,
    )
    assert not refused.ok and "Only reviewers and admins" in refused.problems[0]


def test_the_article_form_asks_before_it_revises(
    client: FlaskClient, db: Session, make_article, login
):
    article = make_article(body=BODY, title="Council promises a new bridge")
    login(Role.REVIEWER)
    data = {"title": article.title, "body": BODY.replace("12 million", "14 million")}
    response = post_form(client, "/articles", data, token_from="/articles/new")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Is this text a new version of it?" in page and 'name="on_match"' in page
    response = post_form(
        client, "/articles", {**data, "on_match": "revise"}, token_from="/articles/new"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/articles/{article.id}/revisions/2")


def test_a_revision_during_a_review_or_an_edit_is_a_conflict_not_a_loss(
    client: FlaskClient, db: Session, make_article, login, make_user
):
    article = make_article(body=BODY)
    annotator = login(Role.ANNOTATOR)
    cost = claim_with(db, article, "12 million")
    draft = annotate(db, annotator, cost, rationale="Written on the old text.")
    submitted_by = make_user(Role.ANNOTATOR)
    under_review = annotate(db, submitted_by, cost)
    apply_action(
        db, submitted_by, under_review, Action.SUBMIT, expected_version=under_review.version
    )
    seen_by_reviewer = under_review.version
    editor_version = draft.version
    db.commit()
    reviewer = make_user(Role.REVIEWER)
    revise(db, make_user(Role.REVIEWER), article, BODY.replace("12 million", "14 million"))
    db.commit()

    # The reviewer decides on what they saw: refused, nothing changes.
    with pytest.raises(StaleVersion):
        apply_action(
            db,
            reviewer,
            db.get(Annotation, under_review.id),
            Action.APPROVE,
            expected_version=seen_by_reviewer,
        )
    db.rollback()
    assert db.get(Annotation, under_review.id).state is AnnotationState.SUBMITTED
    # The editor's save from the old page: the 409 page, with the new text and their input.
    response = post_form(
        client,
        f"/claims/{cost.id}/annotation",
        {
            "version": str(editor_version),
            "verdict": str(draft.verdict_id),
            "rationale": "My edit, kept for me.",
            "action": "save",
        },
        token_from=f"/claims/{cost.id}",
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "now reads differently" in page
    assert "14 million" in page and "My edit, kept for me." in page
    db.expire_all()
    assert db.get(Annotation, draft.id).rationale == "Written on the old text."


def test_bad_uploads_for_a_revision(client: FlaskClient, db: Session, make_article, login):
    article = make_article(body=BODY)
    login(Role.REVIEWER)
    before = counts(db)

    def send(content: bytes, name: str, body: str = "") -> tuple[int, str]:
        response = post_form(
            client,
            f"/articles/{article.id}/revisions",
            {
                "body": body,
                "body_file": (io.BytesIO(content), name),
                "expected_revision": "1",
            },
            token_from=f"/articles/{article.id}/revisions",
            content_type="multipart/form-data",
        )
        return response.status_code, response.get_data(as_text=True)

    status, page = send(b"\x89PNG\r\n\x1a\n\x00\x00binary", "new.txt")
    assert status == 422 and "binary" in page
    status, page = send(b"<html><body><nav>Home</nav></body></html>", "page.html")
    assert status == 422 and "No article text" in page
    status, page = send(b"\x00\x00\x00binary", "page.html")
    assert status == 422 and "binary" in page
    status, page = send(BODY.encode(), "new.txt", body="and pasted text")
    assert status == 422 and "not both" in page
    status, page = send(b"", "")
    assert status == 422 and "Paste the new text or upload a file" in page
    status, page = send(BODY.encode(), "new.pdf")
    assert status == 422
    assert counts(db) == before
