"""What readers are shown: the admin's switch. The record of what was published, and
when, is the review workflow's (:mod:`factcheck.review.publication`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from factcheck.db import Base, intpk, utcnow

#: The one row of settings (an admin's switch overrides the configured default).
SETTINGS_ID = 1


class PublishingSettings(Base):
    """Whether approved verdicts are on public pages, and whether they name people."""

    __tablename__ = "publishing_settings"

    id: Mapped[intpk]
    enabled: Mapped[bool] = mapped_column(default=False)
    #: The annotator's and the approving reviewer's names on public pages.
    show_names: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it once
