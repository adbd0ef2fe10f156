"""Admins edit the verdict scale; every change is in the history."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.audit.models import AuditEvent
from factcheck.errors import ValidationFailed
from factcheck.users.models import Role
from factcheck.verdicts import contrast, operations
from factcheck.verdicts.models import DEFAULT_VERDICT_COLOUR, Verdict
from tests.conftest import post_form


def keys_in_order(db: Session) -> list[str]:
    db.expire_all()
    return db.scalars(select(Verdict.key).order_by(Verdict.sort_order, Verdict.id)).all()


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER])
def test_only_admins_edit_the_scale(client: FlaskClient, login, db: Session, role) -> None:
    login(role)
    assert client.get("/admin/verdicts").status_code == 403
    response = post_form(
        client,
        "/admin/verdicts",
        {"key": "satire", "label": "Satire", "colour": "#123456"},
        token_from="/articles",
    )
    assert response.status_code == 403
    assert "satire" not in keys_in_order(db)


def test_admin_adds_renames_recolours_and_retires(client: FlaskClient, login, db: Session) -> None:
    admin = login(Role.ADMIN)
    response = post_form(
        client,
        "/admin/verdicts",
        {
            "key": "satire",
            "label": "Satire",
            "rating": "",
            "colour": "#123456",
            "description": "Humour",
        },
        token_from="/admin/verdicts",
    )
    assert response.status_code == 302
    assert keys_in_order(db)[-1] == "satire"
    satire = db.scalar(select(Verdict).where(Verdict.key == "satire"))
    response = post_form(
        client,
        f"/admin/verdicts/{satire.id}",
        {"label": "Satire or parody", "colour": "#1A5C8E", "description": "Humour"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 302
    db.refresh(satire)
    assert (satire.label, satire.colour, satire.active) == ("Satire or parody", "#1a5c8e", False)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "verdict:update"))
    assert event.actor_id == admin.id
    assert event.diff == {
        "label": ["Satire", "Satire or parody"],
        "colour": ["#123456", "#1a5c8e"],
        "active": [True, False],
    }


def test_admin_reorders_the_scale(client: FlaskClient, login, db: Session) -> None:
    login(Role.ADMIN)
    before = keys_in_order(db)
    second = db.scalar(select(Verdict).where(Verdict.key == before[1]))
    post_form(
        client,
        f"/admin/verdicts/{second.id}/move",
        {"direction": "up"},
        token_from="/admin/verdicts",
    )
    after = keys_in_order(db)
    assert after[:2] == [before[1], before[0]] and after[2:] == before[2:]
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "verdict:reorder"))
    first = db.scalar(select(Verdict).where(Verdict.key == after[0]))
    post_form(
        client,
        f"/admin/verdicts/{first.id}/move",
        {"direction": "up"},
        token_from="/admin/verdicts",
    )
    assert keys_in_order(db) == after


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"key": "true", "label": "Again", "colour": "#000000"}, "This key is taken."),
        ({"key": "Bad Key!", "label": "X", "colour": "#000000"}, "Lower-case letters"),
        ({"key": "ok", "label": "X", "colour": "red;}body{display:none"}, "A colour like"),
        ({"key": "ok", "label": "X", "colour": "#000000", "rating": "9"}, "between 1 and 5"),
        ({"key": "", "label": "X", "colour": "#000000"}, "A key is required"),
    ],
)
def test_bad_verdict_input_is_refused(client: FlaskClient, login, db: Session, data, message):
    login(Role.ADMIN)
    before = keys_in_order(db)
    response = post_form(client, "/admin/verdicts", data, token_from="/admin/verdicts")
    assert response.status_code in {409, 422}
    assert message in response.get_data(as_text=True)
    assert keys_in_order(db) == before


def test_a_refused_edit_shows_the_form_with_the_reason(
    client: FlaskClient, login, db: Session
) -> None:
    """The operation's refusal (here a text-direction override) reaches the form, not an
    error page, and nothing changes."""
    login(Role.ADMIN)
    verdict = db.scalar(select(Verdict).where(Verdict.key == "false"))
    before = (verdict.label, verdict.description)
    response = post_form(
        client,
        f"/admin/verdicts/{verdict.id}",
        {"label": "Fa\u202else", "colour": verdict.colour, "description": "x", "active": "y"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="label"' in page and "has-error" in page
    db.expire_all()
    assert (verdict.label, verdict.description) == before
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "verdict:update")) is None


# --- colour contrast (WCAG 2.1 AA) --------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#000000", 21.0),
        ("#b3261e", "#b3261e", 1.0),
        ("#777777", "#ffffff", 4.48),  # the classic grey that just fails AA
        ("#767676", "#ffffff", 4.54),  # and the one that just passes
        ("#0000ff", "#ffffff", 8.59),
    ],
)
def test_contrast_ratio_is_wcags(first: str, second: str, ratio: float) -> None:
    assert contrast.contrast_ratio(first, second) == pytest.approx(ratio, abs=0.005)


def test_relative_luminance_runs_from_black_to_white() -> None:
    assert contrast.relative_luminance("#000000") == 0
    assert contrast.relative_luminance("#FFFFFF") == pytest.approx(1)
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        contrast.relative_luminance("red")


def test_a_badge_takes_the_text_colour_that_reads_best() -> None:
    assert contrast.badge_ink("#1b7f3b") == contrast.LIGHT_INK
    assert contrast.badge_ink("#ffff00") == contrast.DARK_INK
    checked = contrast.check_colour("#5C9E31")
    assert (checked.colour, checked.ink) == ("#5c9e31", contrast.DARK_INK)
    assert checked.text >= 4.5 and checked.page >= 3 and checked.readable


@pytest.mark.parametrize(
    ("colour", "problem"),
    [
        ("#777777", "white text on #777777 has a contrast of 4.48:1"),
        ("#ffff00", "stands out from the page by only 1.0"),
        ("#cf5c36", "white text on #cf5c36 has a contrast of 4.01:1"),
    ],
)
def test_an_unreadable_colour_is_explained_with_a_shade_that_passes(
    colour: str, problem: str
) -> None:
    assert not contrast.check_colour(colour).readable
    message = contrast.colour_problem(colour)
    assert message is not None and problem in message
    suggestion = contrast.suggest_colour(colour)
    assert suggestion is not None and f"Try {suggestion}" in message
    assert contrast.check_colour(suggestion).readable
    # These are too light: the nearest shade that passes is darker.
    assert contrast.relative_luminance(suggestion) < contrast.relative_luminance(colour)


def test_a_readable_colour_needs_no_suggestion() -> None:
    assert contrast.colour_problem("#1b7f3b") is None
    assert contrast.suggest_colour("#1b7f3b") is None


@given(st.from_regex(r"\A#[0-9a-fA-F]{6}\Z"))
def test_every_colour_is_readable_or_has_a_readable_suggestion(colour: str) -> None:
    suggestion = contrast.suggest_colour(colour)
    if contrast.check_colour(colour).readable:
        assert suggestion is None
    else:
        assert suggestion is not None and contrast.check_colour(suggestion).readable


def test_the_default_scale_is_readable(db: Session) -> None:
    """The seeded scale (after the migration that darkened its light colours) passes."""
    for verdict in db.scalars(select(Verdict)):
        assert contrast.check_colour(verdict.colour).readable, verdict.key
    assert contrast.check_colour(DEFAULT_VERDICT_COLOUR).readable


def test_an_unreadable_new_colour_is_refused_with_a_suggestion(
    client: FlaskClient, login, db: Session
) -> None:
    login(Role.ADMIN)
    before = keys_in_order(db)
    response = post_form(
        client,
        "/admin/verdicts",
        {"key": "satire", "label": "Satire", "colour": "#FFFF00"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Too little contrast" in page and "Try #949400" in page
    # The error is tied to the field for screen readers.
    assert 'aria-invalid="true"' in page and 'aria-describedby="colour-hint colour-errors"' in page
    assert keys_in_order(db) == before

    response = post_form(
        client,
        "/admin/verdicts",
        {"key": "satire", "label": "Satire", "colour": "#949400"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 302
    assert db.scalar(select(Verdict.colour).where(Verdict.key == "satire")) == "#949400"


def test_recolouring_to_an_unreadable_colour_is_refused(
    client: FlaskClient, login, db: Session
) -> None:
    login(Role.ADMIN)
    verdict = db.scalar(select(Verdict).where(Verdict.key == "false"))
    response = post_form(
        client,
        f"/admin/verdicts/{verdict.id}",
        {"label": "False", "colour": "#f08080", "active": "y"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 422
    assert f"Try {contrast.suggest_colour('#f08080')}" in response.get_data(as_text=True)
    db.expire_all()
    assert verdict.colour == "#b3261e"


def test_a_colour_stored_before_the_rule_is_kept_but_pointed_out(
    client: FlaskClient, login, db: Session
) -> None:
    """An old unreadable colour does not block renaming or retiring the verdict; the edit
    page says what is wrong with it and what to use instead."""
    login(Role.ADMIN)
    verdict = db.scalar(select(Verdict).where(Verdict.key == "mixed"))
    verdict.colour = "#c9a227"
    db.commit()
    page = client.get(f"/admin/verdicts/{verdict.id}").get_data(as_text=True)
    assert "The saved colour is hard to read." in page and "Try #ad8b22" in page
    response = post_form(
        client,
        f"/admin/verdicts/{verdict.id}",
        {"label": "Half true", "colour": "#C9A227", "active": "y"},
        token_from="/admin/verdicts",
    )
    assert response.status_code == 302
    db.expire_all()
    assert (verdict.label, verdict.colour) == ("Half true", "#c9a227")


def test_a_restored_verdict_keeps_the_archives_colour(db: Session) -> None:
    """An archive is a record: its colour is kept, and only the admin's form refuses one."""
    with pytest.raises(ValidationFailed, match="Too little contrast"):
        operations.create_verdict(db, None, key="pale", label="Pale", colour="#eeeeee")
    restored = operations.create_verdict(
        db, None, key="pale", label="Pale", colour="#eeeeee", restored_from="old.jsonl"
    )
    assert restored.colour == "#eeeeee"


def test_badges_get_the_text_colour_that_reads_on_them(client: FlaskClient, db: Session) -> None:
    light = operations.create_verdict(
        db, None, key="pale", label="Pale", colour="#eeeeee", restored_from="old.jsonl"
    )
    db.commit()
    css = client.get("/verdicts.css").get_data(as_text=True)
    assert f".verdict-{light.id} {{ --verdict: #eeeeee; --verdict-ink: #1f2328; }}" in css
