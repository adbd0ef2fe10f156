"""Import every model so that ``Base.metadata`` knows all tables (Alembic, tests)."""

from factcheck.annotations.models import Annotation, Source, Stance
from factcheck.annotations.states import AnnotationState
from factcheck.annotations.tallies import AgreementTally, AnnotationTally, ClaimTally, DailyTally
from factcheck.articles.models import (
    Article,
    ArticleRevision,
    Assignment,
    Claim,
    ClaimKind,
    ClaimLink,
)
from factcheck.audit.models import AuditCheckpoint, AuditEvent
from factcheck.factchecks.models import (
    ClaimMatch,
    ClaimVector,
    FactCheck,
    LibraryStats,
    LibraryTerm,
    Origin,
    RatingMapping,
)
from factcheck.jobs import BackgroundJob, JobState
from factcheck.publishing.models import PublishingSettings
from factcheck.ratelimit import RateCounter
from factcheck.review.models import Decision, Review
from factcheck.review.publication import PublicationEvent, PublicationKind, PublishedArticle
from factcheck.search.models import SearchEntry
from factcheck.users.models import ApiToken, LoginSession, Role, User
from factcheck.verdicts.models import Verdict

__all__ = [
    "AgreementTally",
    "Annotation",
    "AnnotationState",
    "AnnotationTally",
    "ApiToken",
    "Article",
    "ArticleRevision",
    "Assignment",
    "AuditCheckpoint",
    "AuditEvent",
    "BackgroundJob",
    "Claim",
    "ClaimKind",
    "ClaimLink",
    "ClaimMatch",
    "ClaimTally",
    "ClaimVector",
    "DailyTally",
    "Decision",
    "FactCheck",
    "JobState",
    "LibraryStats",
    "LibraryTerm",
    "LoginSession",
    "Origin",
    "PublicationEvent",
    "PublicationKind",
    "PublishedArticle",
    "PublishingSettings",
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
