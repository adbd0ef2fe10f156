"""An article's text and metadata from a saved web page (trafilatura)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from datetime import date

#: Less text than this after extraction is a menu or a cookie banner, not an article.
MIN_HTML_TEXT_CHARS = 80


@dataclass(frozen=True)
class PageArticle:
    headline: str
    #: Paragraphs separated by blank lines, the headline left out.
    body: str
    url: str
    sitename: str
    author: str
    published_on: date | None


def looks_binary(data: bytes) -> bool:
    """NUL bytes near the start of a file that is not UTF-16: not a web page."""
    return b"\x00" in data[:4096] and not data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    )


def extract_article(data: bytes, *, title: str | None = None) -> PageArticle | None:
    """The article a saved page holds, or None when it holds no article text.

    :param title: the headline to use (and to drop from the text) instead of the page's.
    """
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            data,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            # Only a date the page declares: the extensive search takes a year the
            # text mentions ("in 2019") for the publication date, as January 1st.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # the extractor's failure modes are its own; all mean "no text"
        document = None
    if document is None:
        return None
    meta = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = (meta.get("text") or "").strip()
    headline = title or (meta.get("title") or "").strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[0] == headline:
        lines = lines[1:]  # the headline is the title, not a claim
    if sum(len(line) for line in lines) < MIN_HTML_TEXT_CHARS:
        return None
    published = None
    if meta.get("date"):
        try:
            published = date.fromisoformat(str(meta["date"])[:10])
        except ValueError:
            published = None
    return PageArticle(
        headline=headline or lines[0][:200],
        body="\n\n".join(lines),
        url=(meta.get("url") or "").strip(),
        sitename=meta.get("sitename") or "",
        author=meta.get("author") or "",
        published_on=published,
    )
