"""Import every model so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from factcheck.annotations.models import Annotation, Source, Stance
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article, Assignment, Claim, ClaimKind
from factcheck.audit.models import AuditEvent
from factcheck.factchecks.models import FactCheck, Origin, RatingMapping
from factcheck.ratelimit import RateCounter
from factcheck.review.models import Decision, Review
from factcheck.search.models import SearchEntry
from factcheck.users.models import ApiToken, LoginSession, Role, User
from factcheck.verdicts.models import Verdict

__all__ = [
    "Annotation",
    "AnnotationState",
    "ApiToken",
    "Article",
    "Assignment",
    "AuditEvent",
    "Claim",
    "ClaimKind",
    "Decision",
    "FactCheck",
    "LoginSession",
    "Origin",
    "RateCounter",
    "RatingMapping",
    "Review",
    "Role",
    "SearchEntry",
    "Source",
    "Stance",
    "User",
    "Verdict",
]
