"""Numbers typed, posted or sent: ASCII digits only, bounded, refused with a clear message.

``int()`` accepts far more than a form should: other scripts' digits (``"١"``,
``"１"``), signs, underscores (``"0_1"``), and 4,300-digit strings before it raises.
Each bad value below is the *right* number written the wrong way, so a field that
still used ``int()`` would act on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.articles.models import Claim
from factcheck.db import MAX_ID, utcnow
from factcheck.review.workflow import AnnotationState
from factcheck.users.models import Role, User
from factcheck.users.tokens import create_token
from factcheck.verdicts.models import Verdict
from tests.conftest import post_form
from tests.test_csrf import fingerprint

BODY = "First part of a claim; second part of it. Another sentence here.\n\nLast one."

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

#: Ways to write the number ``good`` that only ASCII digits may stand for.
BAD_SPELLINGS: dict[str, Callable[[str], str]] = {
    "4301 digits": lambda good: "9" * 4301,
    "11 digits": lambda good: "0" * (11 - len(good)) + good,
    "past 32 bits": lambda good: str(MAX_ID + 1),
    "arabic-indic digits": lambda good: good.translate(ARABIC_INDIC),
    "fullwidth digits": lambda good: good.translate(FULLWIDTH),
    "underscore": lambda good: f"0_{good}",
    "plus sign": lambda good: f"+{good}",
}


@dataclass
class Case:
    path: str
    data: dict[str, Any]
    field: str
    good: str
    #: Where the CSRF token is read from.
    token_from: str
    #: What the refusal says.
    message: str = "whole number"


@dataclass
class World:
    admin: User
    draft: Annotation
    cases: dict[str, Case]


@pytest.fixture
def world(client: FlaskClient, db: Session, login, make_article, make_user) -> World:
    """An admin (who may do everything) with one of each thing a number can point at."""
    admin = login(Role.ADMIN)
    verdict = db.scalar(select(Verdict).where(Verdict.key == "false"))
    annotated = make_article()
    claims = annotated.claims
    draft = Annotation(
        claim_id=claims[0].id, annotator_id=admin.id, verdict_id=verdict.id, claimant="A"
    )
    submitted = Annotation(
        claim_id=claims[1].id,
        annotator_id=admin.id,
        verdict_id=verdict.id,
        claimant="B",
        state=AnnotationState.SUBMITTED,
        submitted_at=utcnow(),
    )
    db.add_all([draft, submitted])
    segmented = make_article(body=BODY)
    first, second = db.scalars(
        select(Claim).where(Claim.article_id == segmented.id).order_by(Claim.position)
    ).all()[:2]
    token, _secret = create_token(db, admin, "to revoke")
    annotator = make_user(Role.ANNOTATOR)
    db.commit()
    assert draft.version == submitted.version == 1
    split = {"expected_start": first.start, "expected_end": first.end}
    merge = {"expected_end": first.end, "expected_next_id": second.id}
    at = str(BODY.index(" second"))
    workspace = f"/articles/{annotated.id}"
    segmentation = f"/articles/{segmented.id}/segmentation"
    verdict_form = {"label": "Half true", "colour": "#6b7280"}
    annotation_form = {
        "verdict": verdict.id,
        "claimant": "The minister",
        "rationale": "Budget documents.",
        "sources-0-url": "https://example.org/budget",
        "sources-0-stance": "refutes",
        "action": "save",
    }
    cases = {
        "transition version": Case(
            f"/annotations/{submitted.id}/transition",
            {"action": "withdraw"},
            "version",
            "1",
            workspace,
        ),
        "annotation version": Case(
            f"/claims/{claims[0].id}/annotation", annotation_form, "version", "1", workspace
        ),
        "split at": Case(f"/claims/{first.id}/split", split, "at", at, segmentation),
        "split offset": Case(f"/claims/{first.id}/split", split, "offset", "22", segmentation),
        "split expected_start": Case(
            f"/claims/{first.id}/split",
            {**split, "at": at},
            "expected_start",
            str(first.start),
            segmentation,
        ),
        "split expected_end": Case(
            f"/claims/{first.id}/split",
            {**split, "at": at},
            "expected_end",
            str(first.end),
            segmentation,
        ),
        "merge expected_end": Case(
            f"/claims/{first.id}/merge", merge, "expected_end", str(first.end), segmentation
        ),
        "merge expected_next_id": Case(
            f"/claims/{first.id}/merge", merge, "expected_next_id", str(second.id), segmentation
        ),
        "new verdict rating": Case(
            "/admin/verdicts",
            {**verdict_form, "key": "half_true"},
            "rating",
            "3",
            "/admin/verdicts",
        ),
        "verdict rating": Case(
            f"/admin/verdicts/{verdict.id}",
            {**verdict_form, "active": "y"},
            "rating",
            "3",
            "/admin/verdicts",
        ),
        "token to revoke": Case(
            "/account/tokens", {}, "revoke", str(token.id), "/account/tokens", "token"
        ),
        "assigned user": Case(
            f"/articles/{annotated.id}/assignments",
            {"action": "assign"},
            "user_id",
            str(annotator.id),
            f"/articles/{annotated.id}/assignments",
            "user",
        ),
        "export article": Case(
            "/exports/csv", {}, "article", str(annotated.id), "/exports", "article"
        ),
    }
    return World(admin, draft, cases)


def send(client: FlaskClient, case: Case, value: str) -> Any:
    return post_form(
        client, case.path, {**case.data, case.field: value}, token_from=case.token_from
    )


FIELDS = [
    "transition version",
    "annotation version",
    "split at",
    "split offset",
    "split expected_start",
    "split expected_end",
    "merge expected_end",
    "merge expected_next_id",
    "new verdict rating",
    "verdict rating",
    "token to revoke",
    "assigned user",
    "export article",
]


@pytest.mark.parametrize("spelling", sorted(BAD_SPELLINGS))
@pytest.mark.parametrize("name", FIELDS)
def test_a_number_not_written_in_ascii_digits_is_refused_and_changes_nothing(
    client: FlaskClient, db: Session, world: World, name: str, spelling: str
) -> None:
    case = world.cases[name]
    before = fingerprint(db)
    response = send(client, case, BAD_SPELLINGS[spelling](case.good))
    assert response.status_code in {400, 422}, response.get_data(as_text=True)[:2000]
    assert case.message in response.get_data(as_text=True)
    assert fingerprint(db) == before


@pytest.mark.parametrize("name", FIELDS)
def test_the_same_number_in_ascii_digits_works(
    client: FlaskClient, db: Session, world: World, name: str
) -> None:
    """The control: the cases above are refused for the spelling, nothing else."""
    case = world.cases[name]
    before = fingerprint(db)
    response = send(client, case, case.good)
    assert response.status_code in {200, 302}, response.get_data(as_text=True)[:2000]
    assert fingerprint(db) != before


@pytest.mark.parametrize("row", ["²", "٣", "9" * 4301, "-1", "0_1"])
def test_a_source_row_number_in_other_digits_is_ignored(
    client: FlaskClient, db: Session, world: World, row: str
) -> None:
    """WTForms reads "sources-N-url" with isdigit() and int(): "²" passed one, crashed the other."""
    case = world.cases["annotation version"]
    data = {**case.data, "version": "1", f"sources-{row}-url": "https://example.org/odd"}
    response = post_form(client, case.path, data, token_from=case.token_from)
    assert response.status_code == 302
    db.expire_all()
    assert [source.url for source in world.draft.sources] == ["https://example.org/budget"]


# --- ids in URLs and query strings -----------------------------------------------------------


@pytest.mark.parametrize("translation", [ARABIC_INDIC, FULLWIDTH], ids=["arabic", "fullwidth"])
def test_an_id_in_the_url_in_other_digits_is_not_found(
    client: FlaskClient, login, make_article, make_token, translation
) -> None:
    claim_id = make_article().claims[0].id
    secret, _user = make_token()
    login()
    assert client.get(f"/claims/{claim_id}").status_code == 200
    assert client.get(f"/claims/{str(claim_id).translate(translation)}").status_code == 404
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/claims/{claim_id}", headers=headers).status_code == 200
    other = client.get(f"/api/v1/claims/{str(claim_id).translate(translation)}", headers=headers)
    assert other.status_code == 404
    assert other.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("digits", [11, 4301])
def test_a_long_id_in_the_url_is_not_found(client: FlaskClient, login, digits: int) -> None:
    login()
    assert client.get(f"/claims/{'1' * digits}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/review?after={n}",
        "/review?article={n}",
        "/admin/audit?before={n}",
        "/admin/audit?user={n}",
        "/articles/{article}/segmentation?claim={n}",
    ],
)
def test_query_string_numbers_never_crash(client, login, make_article, path: str) -> None:
    login(Role.ADMIN)
    article = make_article()
    for n in ("9" * 4301, "١", "+1", "0_1", str(MAX_ID + 1)):
        assert client.get(path.format(n=n, article=article.id)).status_code == 200


# --- the API ----------------------------------------------------------------------------------


def api(client: FlaskClient, method: str, path: str, secret: str, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {secret}"}
    return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


@pytest.mark.parametrize(
    "value",
    [True, 1.0, "1", "١", " 1", 10**30, -1, MAX_ID + 1, "9" * 4301],
    ids=["true", "float", "string", "arabic", "space", "huge", "negative", "past-32-bits", "4301"],
)
@pytest.mark.parametrize("where", ["transition", "annotation", "export"])
def test_api_numbers_are_json_integers_in_range(
    client: FlaskClient, db: Session, make_token, make_article, where: str, value: Any
) -> None:
    secret, user = make_token(Role.REVIEWER)
    article = make_article()
    verdict = db.scalar(select(Verdict).where(Verdict.key == "false"))
    annotation = Annotation(
        claim_id=article.claims[0].id,
        annotator_id=user.id,
        verdict_id=verdict.id,
        claimant="A",
        state=AnnotationState.SUBMITTED,
        submitted_at=utcnow(),
    )
    db.add(annotation)
    db.commit()
    request = {
        "transition": ("POST", f"/annotations/{annotation.id}/withdraw", {"version": value}),
        "annotation": (
            "PUT",
            f"/claims/{article.claims[1].id}/annotation",
            {"verdict": "false", "version": value},
        ),
        "export": ("POST", "/exports/csv", {"article": value}),
    }[where]
    method, path, body = request
    field = "article" if where == "export" else "version"
    assert api(client, "GET", "/verdicts", secret).status_code == 200  # notes the token's use
    before = fingerprint(db)
    response = api(client, method, path, secret, json=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert fingerprint(db) == before


def test_a_json_integer_past_pythons_digit_limit_is_a_clean_refusal(
    client: FlaskClient, db: Session, make_token
) -> None:
    secret, _user = make_token()
    raw = '{"version": ' + "9" * 4301 + "}"
    response = api(
        client, "POST", "/annotations/1/withdraw", secret, data=raw, content_type="application/json"
    )
    assert response.status_code in {400, 422}
    assert response.get_json()["error"]["code"] in {"bad_json", "invalid"}


@pytest.mark.parametrize("name", ["article", "annotator", "limit", "cursor"])
@pytest.mark.parametrize("value", ["١", "+1", "0_1", "9" * 4301, str(MAX_ID + 1)])
def test_api_query_numbers_are_ascii_and_bounded(client, make_token, name, value) -> None:
    secret, _user = make_token(Role.REVIEWER)
    response = api(client, "GET", f"/review-queue?{name}={value}", secret)
    assert response.status_code == 422
    assert name in response.get_json()["error"]["fields"]
