"""The interface in the reader's language: gettext catalogues, locale choice, formatting.

Every word the interface shows goes through Flask-Babel's gettext (``_`` in templates,
:func:`flask_babel.gettext` or :func:`flask_babel.lazy_gettext` in Python). The
catalogues live in ``factcheck/translations`` (``make translations`` extracts, updates
and compiles them). The locale is the user's choice on the account page, else the
browser's ``Accept-Language``, else English; outside a request (the CLI) it is
English.

Dates, numbers and percentages on pages are formatted by that locale (the filters
below); the CSV and JSON exports keep ISO dates and plain numbers.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel
from flask_babel import get_locale as babel_locale
from flask_login import current_user

PACKAGE = Path(__file__).resolve().parent
TRANSLATIONS = PACKAGE / "translations"
#: Where messages are extracted from (``make translations`` runs pybabel on the same).
MESSAGE_SOURCES = (PACKAGE, PACKAGE.parent / "templates")
#: The calls that mark a message, beyond Babel's defaults (``_``, ``gettext``, ...).
EXTRA_KEYWORDS = {"lazy_gettext": None, "lazy_ngettext": (1, 2)}

#: The interface languages, each named in its own language (how a chooser lists them).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "ar": "العربية"}
DEFAULT_LANGUAGE = "en"

#: Interface languages written right to left: the page is mirrored for them.
RIGHT_TO_LEFT_LANGUAGES = frozenset({"ar"})

babel = Babel()


def init_app(app: Flask) -> None:
    compile_catalogues()
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "UTC")
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_filter(local_date)
    app.add_template_filter(local_datetime)
    app.add_template_filter(local_number)
    app.add_template_filter(local_percent)
    app.context_processor(_locale_globals)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogues without translating it here: text that is
    stored (in English) and translated where it is shown, as ``_(job.label)``."""
    return message


def select_locale() -> str:
    """The user's chosen language, else the browser's best match, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen in LANGUAGES:
        return chosen
    return browser_language(request.accept_languages) or DEFAULT_LANGUAGE


def browser_language(accepted: Iterable[tuple[str, float]]) -> str | None:
    """The first interface language the browser accepts, by its order of preference,
    matching on the primary subtag ("es-MX" is Spanish).

    Werkzeug's ``best_match`` tries exact tags first, so "en-GB, es;q=0.5" would get
    Spanish: a lower preference that happens to match exactly beat the first choice.
    """
    for tag, quality in accepted:
        primary = tag.replace("_", "-").split("-", 1)[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return None


def current_language() -> str:
    """The language of the page being made (``en`` outside a request)."""
    locale = babel_locale()
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def interface_direction() -> str:
    """``rtl`` when the interface language is written right to left."""
    return "rtl" if current_language() in RIGHT_TO_LEFT_LANGUAGES else "ltr"


def _locale_globals() -> dict[str, object]:
    return {
        "interface_language": current_language(),
        "interface_direction": interface_direction(),
        "interface_languages": LANGUAGES,
    }


def reader_locale() -> Locale:
    """The locale pages and messages are formatted in: the request's, English outside
    one (the CLI, background work), so a message never depends on the server's own
    locale settings."""
    return babel_locale() or Locale.parse(DEFAULT_LANGUAGE)


def _aware(moment: datetime) -> datetime:
    # Stored times are naive UTC; Babel takes a naive time as UTC too, but say so.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(value: date | datetime | None, format: str = "medium") -> str:
    """A date as the reader's locale writes it ("7 dic 2026"); empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _aware(value)
    return dates.format_date(value, format, locale=reader_locale())


def local_datetime(value: datetime | None) -> str:
    """A date and time to the minute, as the reader's locale writes them, marked UTC
    ("Dec 7, 2026, 5:01 AM UTC", "7 dic 2026, 5:01 UTC"); empty for None."""
    if value is None:
        return ""
    moment = _aware(value)
    locale = reader_locale()
    day = dates.format_date(moment, "medium", locale=locale)
    time = dates.format_time(moment, "short", tzinfo=UTC, locale=locale)
    # The locale's own way of joining a date and a time ("{1}, {0}"; Arabic "{1}، {0}").
    joined = locale.datetime_formats["medium"].replace("{1}", day).replace("{0}", time)
    return f"{joined} UTC"


def local_number(value: float | int | None, format: str | None = None) -> str:
    """A number with the locale's separators (1,234.5 / 1.234,5), in the Babel
    ``format`` pattern if given ("0.00"); empty for None."""
    if value is None:
        return ""
    return numbers.format_decimal(value, format, locale=reader_locale())


def local_percent(value: float | None, format: str | None = None) -> str:
    """A share (0.42) as the locale writes a percentage ("42 %"); empty for None."""
    if value is None:
        return ""
    return numbers.format_percent(value, format, locale=reader_locale())


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each ``messages.po`` whose ``.mo`` is missing or older; return those made.

    The compiled files are not kept in the repository (they are built from the ``.po``
    files), so a fresh checkout or an edited catalogue compiles on start-up.
    """
    made = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        # A private temporary file renamed into place: workers starting together each
        # write their own, and a reader never sees half a catalogue.
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, prefix=".messages.")
        try:
            with os.fdopen(handle, "wb") as mo_file:
                # Fuzzy entries are not used: a test refuses them in a shipped catalogue.
                write_mo(mo_file, catalogue, use_fuzzy=False)
            os.replace(temporary, mo_path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        made.append(mo_path)
    return made


def extract_messages() -> dict[str | tuple[str, str], set[str]]:
    """Every message the code and templates mark, with where each is written: what
    ``pybabel extract`` with ``translations/babel.cfg`` puts in ``messages.pot``."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (TRANSLATIONS / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}
    messages: dict[str | tuple[str, str], set[str]] = {}
    for source in MESSAGE_SOURCES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            source,
            method_map,
            options_map,
            keywords=keywords,
            # Babel skips folders named "_..." by default: templates/_macros holds words.
            directory_filter=lambda path: not Path(path).name.startswith("."),
        ):
            msgid = message if isinstance(message, str) else tuple(message)[:2]
            if msgid:
                messages.setdefault(msgid, set()).add(f"{filename}:{lineno}")
    return messages
