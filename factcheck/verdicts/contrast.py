"""WCAG 2.1 contrast of a verdict's colour: its badge's text, and the badge on the page.

A verdict badge is drawn in the verdict's colour with white or dark text, whichever reads
better (``badge_ink``, also used by ``/verdicts.css``). A colour is readable when that text
has at least 4.5:1 on the badge (success criterion 1.4.3, the badge's text is small) and
the badge has at least 3:1 against the backgrounds it sits on (1.4.11, non-text contrast:
the colour is also a claim's underline in the article).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext

from factcheck.i18n import local_number

#: The badge's two possible text colours: white and the page's ink (``--ink`` in app.css).
LIGHT_INK = "#ffffff"
DARK_INK = "#1f2328"
#: What badges are drawn on: cards and tables (``--card``), and the page (``--bg``).
PAGE_BACKGROUNDS = ("#ffffff", "#f6f7f9")
#: WCAG 2.1 AA: normal-size text, and graphical objects and parts of controls.
TEXT_CONTRAST = 4.5
NON_TEXT_CONTRAST = 3.0

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _channels(colour: str) -> tuple[int, int, int]:
    if not _HEX.match(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{min(255, max(0, round(c))):02x}" for c in (red, green, blue))


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of a ``#rrggbb`` sRGB colour: 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio of two colours, 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def badge_ink(colour: str) -> str:
    """The text colour of a badge in ``colour``: white or dark, whichever contrasts more."""
    if contrast_ratio(LIGHT_INK, colour) >= contrast_ratio(DARK_INK, colour):
        return LIGHT_INK
    return DARK_INK


@dataclass(frozen=True)
class ColourContrast:
    """How a verdict colour reads: its badge's text, and the badge against the page."""

    colour: str
    ink: str
    #: The badge's text on the badge.
    text: float
    #: The badge against the page background it contrasts least with.
    page: float

    @property
    def readable(self) -> bool:
        return self.text >= TEXT_CONTRAST and self.page >= NON_TEXT_CONTRAST

    def problems(self) -> list[str]:
        found = []
        if self.text < TEXT_CONTRAST:
            if self.ink == LIGHT_INK:
                problem = gettext(
                    "white text on %(colour)s has a contrast of %(ratio)s:1 "
                    "(at least %(needed)s:1 is needed)",
                    colour=self.colour,
                    ratio=_ratio(self.text),
                    needed=_ratio(TEXT_CONTRAST, "0.##"),
                )
            else:
                problem = gettext(
                    "dark text on %(colour)s has a contrast of %(ratio)s:1 "
                    "(at least %(needed)s:1 is needed)",
                    colour=self.colour,
                    ratio=_ratio(self.text),
                    needed=_ratio(TEXT_CONTRAST, "0.##"),
                )
            found.append(problem)
        if self.page < NON_TEXT_CONTRAST:
            found.append(
                gettext(
                    "the badge stands out from the page by only %(ratio)s:1 "
                    "(at least %(needed)s:1 is needed)",
                    ratio=_ratio(self.page),
                    needed=_ratio(NON_TEXT_CONTRAST, "0.##"),
                )
            )
        return found


def _ratio(value: float, pattern: str = "0.00") -> str:
    """A contrast ratio as the reader's locale writes decimals ("4.48"; "4,48" in Spanish)."""
    # Rounded by Python first, as "{:.2f}" did: Babel rounds the decimal text half-even.
    return local_number(round(value, 2), pattern)


def check_colour(colour: str) -> ColourContrast:
    """The contrast of a badge in ``colour`` (``#rrggbb``)."""
    colour = colour.lower()
    ink = badge_ink(colour)
    return ColourContrast(
        colour=colour,
        ink=ink,
        text=contrast_ratio(ink, colour),
        page=min(contrast_ratio(colour, background) for background in PAGE_BACKGROUNDS),
    )


def _mix(colour: str, towards: tuple[int, int, int], amount: float) -> str:
    channels = _channels(colour)
    return _hex(*(c + (t - c) * amount for c, t in zip(channels, towards, strict=True)))


def suggest_colour(colour: str, *, step: float = 0.02) -> str | None:
    """The nearest readable shade of ``colour``: darkened (mixed with black) or lightened
    (mixed with white) a step at a time until it passes; the one fewer steps away wins,
    the darker on a tie. None when ``colour`` is readable already or nothing passes."""
    if check_colour(colour).readable:
        return None
    steps = round(1 / step)
    for number in range(1, steps + 1):
        amount = number * step
        for towards in ((0, 0, 0), (255, 255, 255)):
            shade = _mix(colour, towards, amount)
            if check_colour(shade).readable:
                return shade
    return None


def colour_problem(colour: str) -> str | None:
    """Why a verdict colour is hard to read, with a shade to use instead; None if it reads."""
    contrast = check_colour(colour)
    if contrast.readable:
        return None
    reason = "; ".join(contrast.problems())
    suggestion = suggest_colour(contrast.colour)
    if suggestion:
        return gettext(
            "Too little contrast: %(reason)s. Try %(suggestion)s, the nearest shade that passes.",
            reason=reason,
            suggestion=suggestion,
        )
    return gettext("Too little contrast: %(reason)s.", reason=reason)
