"""Property-based tests of the JSON API with schemathesis, against a live loopback server.

Schemathesis reads /api/v1/openapi.json and sends generated requests to every
operation: no answer may be a 5xx, use an undocumented status or content type, or
break its documented schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)


@pytest.fixture(scope="session")
def api_token(live_server: str) -> str:
    """A reviewer's token on the live server (reviewers can reach every operation)."""
    from factcheck.extensions import db
    from factcheck.users.operations import find_user_by_email
    from factcheck.users.tokens import create_token
    from tests.conftest import LIVE_APPS

    app = LIVE_APPS[live_server]
    with app.app_context():
        user = find_user_by_email(db.session, "reviewer@example.org")
        _token, secret = create_token(db.session, user, "schemathesis")
        db.session.commit()
        db.session.remove()
    return secret


@pytest.fixture(scope="session")
def api_schema(live_server: str):
    # No skip here: a document that does not load is a bug in the product.
    return schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_api_never_fails_and_keeps_its_schema(api_schema, api_token: str) -> None:
    """Every operation, with generated inputs (schemathesis's pytest plugin does not yet
    run on this pytest, so the operations are driven with Hypothesis directly)."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 13
    headers = {"Authorization": f"Bearer {api_token}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
