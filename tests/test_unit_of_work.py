"""One unit of work for every way in, and one way of showing a domain error on a form."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, get_flashed_messages
from wtforms import FieldList, Form, FormField, StringField

from factcheck.errors import Conflict, ValidationFailed
from factcheck.unit_of_work import show_on_form, unit_of_work

PACKAGE = Path(__file__).resolve().parent.parent / "factcheck"


class RecordingSession:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def commit(self) -> None:
        self.calls.append("commit")

    def rollback(self) -> None:
        self.calls.append("rollback")


def test_a_unit_of_work_commits_once_when_the_block_ends() -> None:
    session = RecordingSession()
    with unit_of_work(session) as inside:  # type: ignore[arg-type]
        assert inside is session
        assert session.calls == []
    assert session.calls == ["commit"]


@pytest.mark.parametrize("error", [ValidationFailed("bad"), Conflict("taken"), KeyError("bug")])
def test_a_unit_of_work_rolls_back_on_any_error_and_raises_it_again(error: Exception) -> None:
    session = RecordingSession()
    with pytest.raises(type(error)), unit_of_work(session):  # type: ignore[arg-type]
        raise error
    assert session.calls == ["rollback"]


class SourceForm(Form):
    url = StringField()
    quote = StringField()


class AnnotationLikeForm(Form):
    claimant = StringField()
    body = StringField()
    upload = StringField()
    sources = FieldList(FormField(SourceForm), min_entries=2)


def _shown(app: Flask, error: ValidationFailed, **options: Any) -> tuple[Form, list[str]]:
    with app.test_request_context("/"):
        form = AnnotationLikeForm()
        show_on_form(form, error, **options)
        return form, list(get_flashed_messages())


def test_field_messages_go_beside_their_fields_and_nothing_is_flashed(app: Flask) -> None:
    error = ValidationFailed("Not saved.", fields={"claimant": ["Too long."]})
    form, flashed = _shown(app, error)
    assert form.claimant.errors == ["Too long."]
    assert flashed == []


def test_a_repeated_sub_forms_field_is_found_by_its_rendered_name(app: Flask) -> None:
    error = ValidationFailed("Not saved.", fields={"sources-1-url": ["Not a web address."]})
    form, _ = _shown(app, error)
    assert form.sources.entries[1].form.url.errors == ["Not a web address."]
    assert not form.sources.entries[0].form.url.errors


def test_messages_without_a_field_go_in_the_banner_with_the_errors_message(app: Flask) -> None:
    error = ValidationFailed(
        "Not saved.",
        fields={
            "claimant": ["Too long."],
            "sources": ["At most 30 sources."],
            "sources-7-url": ["No such source row."],
            "unknown": ["Lost otherwise."],
        },
    )
    form, flashed = _shown(app, error)
    assert form.claimant.errors == ["Too long."]
    assert flashed == ["Not saved. At most 30 sources. No such source row. Lost otherwise."]


def test_an_error_without_fields_is_flashed(app: Flask) -> None:
    _, flashed = _shown(app, ValidationFailed("Someone else saved first."))
    assert flashed == ["Someone else saved first."]


def test_always_flash_adds_the_banner_for_long_forms(app: Flask) -> None:
    error = ValidationFailed("Not saved.", fields={"claimant": ["Too long."]})
    form, flashed = _shown(app, error, always_flash=True)
    assert form.claimant.errors == ["Too long."]
    assert flashed == ["Not saved."]


def test_aliases_and_the_default_field(app: Flask) -> None:
    with app.test_request_context("/"):
        form = AnnotationLikeForm()
        error = ValidationFailed("Not imported.", fields={"body": ["Empty."]})
        show_on_form(form, error, aliases={"body": form.upload})
        assert list(form.upload.errors) == ["Empty."]
        assert not form.body.errors
        show_on_form(form, ValidationFailed("Not UTF-8."), default_field=form.upload)
        assert form.upload.errors == ["Empty.", "Not UTF-8."]
        assert list(get_flashed_messages()) == []


def _transaction_calls(path: Path) -> list[str]:
    """``module:function commit()`` for each commit or rollback the module calls."""
    calls = []
    for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
            ):
                calls.append(f"{path.relative_to(PACKAGE)}:{function.name} {node.func.attr}()")
    return calls


def test_views_and_commands_leave_commits_to_the_unit_of_work() -> None:
    """Views, API operations and commands never commit or roll back themselves."""
    modules = [*PACKAGE.rglob("views.py"), PACKAGE / "cli.py"]
    found = [call for module in sorted(modules) for call in _transaction_calls(module)]
    # The one exception: a command that fails for a reason that is not a domain error
    # (a file it cannot write) drops whatever the session holds before it exits.
    assert found == ["cli.py:_fail rollback()"]
