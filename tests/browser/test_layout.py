"""Every page, for every role, laid out at a desktop, a laptop, a phone and 200% zoom.

At each size the page body must not scroll sideways, no two visible controls may overlap
(checked down the whole page, so a sticky bar sliding over a field is caught), and
nothing inside ``main`` may run past its content box, unless it sits in a box made to
scroll sideways (a wide table in ``.table-scroll``).

The pages and who may see them come from ``test_accessibility``: one list of pages for
both checks. One browser context per role and size, logged in once, visits that role's
pages, so the whole file takes well under two minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.browser import test_accessibility as accessibility
from tests.browser.test_accessibility import VISITS, Page, open_as

pytestmark = pytest.mark.browser

#: The same module-scoped fixture of the demo's ids (re-bound here so pytest finds it).
demo_ids = accessibility.demo_ids


@dataclass(frozen=True)
class Size:
    name: str
    width: int
    height: int
    scale: float = 1


SIZES = (
    Size("1400", 1400, 900),
    Size("1024", 1024, 900),
    # A phone. Not emulated as a mobile browser (is_mobile): a mobile browser shrinks a
    # page that is too wide to fit, which would hide the very overflow checked for here.
    Size("390", 390, 900),
    # 200% zoom as WCAG 1.4.10 puts it: a 1280 px wide window zoomed to 200% lays pages
    # out in 640 CSS pixels, at two device pixels each. That is what Chromium's own zoom
    # does (innerWidth halves, devicePixelRatio doubles), and unlike CSS ``zoom`` it
    # leaves the page's own CSS and media queries working exactly as for a reader.
    Size("zoom200", 640, 450, scale=2),
)

LAYOUT_VISITS = [
    pytest.param(size, *visit.values, id=f"{size.name}-{visit.id}")
    for size in SIZES
    for visit in VISITS
]

#: Measures the page as laid out now; returns the three kinds of failure, described.
_MEASURE = r"""() => {
  const SLACK = 1;
  const describe = (el) => {
    const r = el.getBoundingClientRect();
    const cls = typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    const text = (el.getAttribute('aria-label') || el.innerText || el.value
      || el.getAttribute('placeholder') || '').trim().replace(/\s+/g, ' ').slice(0, 50);
    return `<${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${cls}> "${text}" `
      + `x ${Math.round(r.left)}..${Math.round(r.right)}, `
      + `y ${Math.round(r.top + scrollY)}..${Math.round(r.bottom + scrollY)}`;
  };
  const shown = (el) => el.checkVisibility({visibilityProperty: true, opacityProperty: true});
  // Whether a box between ``from`` and ``stop`` cuts off (or scrolls) what is at ``from``,
  // a box laid out with CSS position ``position``. Only a box's containing block clips
  // it: an absolutely positioned box (a visually hidden label) escapes a scroll box that
  // is not positioned, and a fixed one escapes them all.
  const clipped = (from, position, stop) => {
    for (let up = from; up && up !== stop; up = up.parentElement) {
      if (position === 'fixed') return false;
      const style = getComputedStyle(up);
      if (position === 'absolute' && style.position === 'static') continue;
      if (style.overflowX !== 'visible') return true;
      position = style.position;
    }
    return false;
  };
  const positionOf = (el) => getComputedStyle(el).position;

  // 1. The body must not scroll sideways. clientWidth, not innerWidth: a vertical
  // scrollbar takes its width out of the room the page has.
  const root = document.documentElement;
  const bodyScroll = [];
  if (root.scrollWidth > root.clientWidth + SLACK) {
    bodyScroll.push(`the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
    // The culprits: the outermost boxes past the window's edge and not cut off before it.
    // Past either edge: a right-to-left page overflows to the left.
    const past = [...document.body.querySelectorAll('*')].filter((el) => {
      const r = el.getBoundingClientRect();
      return (r.right + scrollX > root.clientWidth + SLACK || r.left + scrollX < -SLACK)
        && !clipped(el.parentElement, positionOf(el), root);
    });
    for (const el of past.filter((el) => !past.some((up) => up !== el && up.contains(el)))
      .slice(0, 10)) {
      bodyScroll.push(`past the window's edge: ${describe(el)}`);
    }
  }

  // 2. Controls that overlap. Each line box of an inline link counts on its own (a link
  // wrapping over two lines has a bounding box that covers both lines' neighbours).
  const controls = [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]'
  )].filter((el) => {
    if (el.classList.contains('skip-link') || !shown(el)) return false;
    const r = el.getBoundingClientRect();
    // Zero-size and visually hidden (1 px, clipped) controls take no room on screen.
    return r.width > 1 && r.height > 1;
  });
  const nested = (a, b) => a.contains(b) || b.contains(a)
    || [...(a.labels || [])].some((label) => label.contains(b))
    || [...(b.labels || [])].some((label) => label.contains(a));
  // The boxes that clip a control (an ancestor that scrolls or hides its overflow): a
  // control scrolled out of sight in a panel cannot cover one outside that panel.
  const clippers = (el) => {
    const found = [];
    for (let up = el.parentElement; up && up !== root; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible') found.push(up);
    }
    return found;
  };
  const clip = (rect, boxes) => boxes.reduce((r, box) => {
    const c = box.getBoundingClientRect();
    return new DOMRect(Math.max(r.left, c.left), Math.max(r.top, c.top),
      Math.min(r.right, c.right) - Math.max(r.left, c.left),
      Math.min(r.bottom, c.bottom) - Math.max(r.top, c.top));
  }, rect);
  const overlapsAt = () => {
    const found = [];
    const boxes = controls.map((el) => [el, [...el.getClientRects()], clippers(el)]);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, aRects, aClips] = boxes[i];
        const [b, bRects, bClips] = boxes[j];
        if (nested(a, b)) continue;
        // Clip each by the boxes it is in and the other is not (both in one panel scroll
        // together, so their overlap there shows once the panel is scrolled to it).
        const aOwn = aClips.filter((box) => !box.contains(b));
        const bOwn = bClips.filter((box) => !box.contains(a));
        const hit = aRects.some((p) => bRects.some((q) => {
          const [pc, qc] = [clip(p, aOwn), clip(q, bOwn)];
          return Math.min(pc.right, qc.right) - Math.max(pc.left, qc.left) > SLACK
            && Math.min(pc.bottom, qc.bottom) - Math.max(pc.top, qc.top) > SLACK;
        }));
        if (hit) found.push(`${describe(a)}\n      overlaps ${describe(b)}`);
      }
    }
    return found;
  };
  // Sticky and fixed boxes move as the page scrolls: look at every half screen down, and
  // report each pair once, where it was first seen.
  const overlaps = new Map();
  const bottom = root.scrollHeight - innerHeight;
  for (let y = 0; ; y = Math.min(y + innerHeight / 2, bottom)) {
    scrollTo(0, y);
    for (const found of overlapsAt()) {
      const pair = found.replace(/y -?\d+\.\.-?\d+/g, '');
      if (!overlaps.has(pair)) overlaps.set(pair, `at scroll ${Math.round(y)}: ${found}`);
    }
    if (y >= bottom) break;
  }
  scrollTo(0, 0);

  // 3. Anything in main past either edge of main's content box (the right one, or the
  // left one on a right-to-left page), unless a box between them scrolls sideways. Text
  // is measured too: a long URL overflows its element's text, not its element's box.
  const main = document.querySelector('main');
  const style = getComputedStyle(main);
  const limit = main.getBoundingClientRect().right - parseFloat(style.paddingRight)
    - parseFloat(style.borderRightWidth);
  const start = main.getBoundingClientRect().left + parseFloat(style.paddingLeft)
    + parseFloat(style.borderLeftWidth);
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  // Inside a box that scrolls sideways on purpose, or one that cuts its content off (the
  // 1 px visually hidden text for screen readers), the content does not spill out.
  const inScroller = (el) => clipped(el.parentElement, positionOf(el), main);
  const overflows = [];
  // Only the outermost element that overflows is reported, not each of its descendants.
  const reported = new Set();
  const withinReported = (el) => {
    for (let up = el; up && up !== main; up = up.parentElement) {
      if (reported.has(up)) return true;
    }
    return false;
  };
  for (const el of main.querySelectorAll('*')) {
    if (!shown(el) || inScroller(el) || withinReported(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > limit + SLACK || r.left < start - SLACK)) {
      overflows.push(`${describe(el)} passes main's content edges at ${Math.round(start)}`
        + `..${Math.round(limit)}`);
      reported.add(el);
    }
  }
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || withinReported(el) || !shown(el)
        || clipped(el, 'static', main)) {
      continue;
    }
    range.selectNodeContents(node);
    const whole = range.getBoundingClientRect();
    if (whole.right <= limit + SLACK && whole.left >= start - SLACK) continue;
    // Past an edge as a whole: look at its visible characters one by one, since spaces
    // at the end of a wrapped line hang past the edge harmlessly (pre-wrap text).
    const text = node.textContent;
    let right = -Infinity;
    let left = Infinity;
    for (let i = 0; i < text.length; i++) {
      if (/\s/.test(text[i])) continue;
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const r = range.getBoundingClientRect();
      right = Math.max(right, r.right);
      left = Math.min(left, r.left);
    }
    if (right > limit + SLACK || left < start - SLACK) {
      overflows.push(`text of ${describe(el)} runs over ${Math.round(left)}..`
        + `${Math.round(right)}, past main's content edges at ${Math.round(start)}..`
        + `${Math.round(limit)}`);
      reported.add(el);
    }
  }
  // A box that scrolls sideways must be one made for it (it holds a table or
  // preformatted text); any other one only hides an overflow behind a scrollbar.
  for (const el of main.querySelectorAll('*')) {
    if (scrolls(el) && shown(el) && el.scrollWidth > el.clientWidth + SLACK
        && !el.querySelector('table, pre') && !el.matches('textarea, select, input')) {
      overflows.push(`${describe(el)} scrolls sideways (${el.scrollWidth} px in `
        + `${el.clientWidth} px) but holds no table`);
    }
  }
  return {bodyScroll, overlaps: [...overlaps.values()], overflows};
}"""


@pytest.fixture(scope="module")
def visitor(browser: Any, live_server: str) -> Iterator[Callable[[str, Size], Any]]:
    """One page per role and size, each in a browser context of its own (the zoom's
    device scale is the context's), logged in on first use and reused after."""
    contexts: list[Any] = []
    pages: dict[tuple[str, str], Any] = {}

    def page_for(role: str, size: Size) -> Any:
        if (role, size.name) not in pages:
            pages[role, size.name] = open_as(
                browser,
                live_server,
                role,
                contexts,
                viewport={"width": size.width, "height": size.height},
                device_scale_factor=size.scale,
            )
        return pages[role, size.name]

    yield page_for
    for context in contexts:
        context.close()


def measure(page: Any) -> dict[str, list[str]]:
    """The page's layout failures as laid out now, by kind."""
    return page.evaluate(_MEASURE)


@pytest.mark.parametrize(("size", "role", "page_info"), LAYOUT_VISITS)
def test_page_fits_without_overlaps_or_overflow(
    visitor: Callable[[str, Size], Any],
    demo_ids: dict[str, int],
    size: Size,
    role: str,
    page_info: Page,
) -> None:
    page = visitor(role, size)
    path = page_info.path.format(**demo_ids)
    response = page.goto(path)
    assert response is not None and response.status == page_info.status, (
        f"{path} as {role}: HTTP {response.status if response else None}"
    )
    failures = measure(page)
    lines = [
        f"{kind}:\n" + "\n".join(f"  - {item}" for item in items)
        for kind, items in (
            ("the page body scrolls sideways", failures["bodyScroll"]),
            ("controls overlap", failures["overlaps"]),
            ("overflows main's content box", failures["overflows"]),
        )
        if items
    ]
    where = f"{page_info.name} ({path}) as {role} at {size.name} ({size.width} px)"
    assert not lines, f"layout failures on {where}:\n" + "\n".join(lines)


@dataclass(frozen=True)
class Place:
    """Where people's own text lands on a page, which the demo's tidy data cannot show."""

    page: str
    path: str
    #: The first element matching this gets the long text appended.
    selector: str
    role: str = "admin"


#: A URL with no place to break, as people paste them (and as hashes and JSON look).
LONG_TEXT = "https://example.org/" + "a1b2c3d4e5" * 30

LONG_TEXT_PLACES = (
    Place("audit log changes", "/admin/audit", ".audit-log td:last-child ins"),
    Place("annotation history diff", "/annotations/{annotation}", ".diff ins"),
    Place("review queue rationale", "/review", ".queue-item .prewrap"),
    Place("review queue source", "/review", ".queue-item .sources li"),
    Place("review queue context", "/review", ".queue-item .in-context"),
    Place("claim text", "/claims/{claim}", ".claim-text"),
    Place("fact-check address", "/factchecks/{factcheck}", ".facts dd a"),
    Place("article title", "/articles/{article}", "h1 a"),
    Place("search result", "/search?q=migrants", ".result-title a"),
    Place("public rationale", "/published/claims/{claim}", ".public-rationale", "anonymous"),
    Place("public source", "/published/claims/{claim}", ".public-sources li", "anonymous"),
)


@pytest.mark.parametrize("size", [SIZES[0], SIZES[2]], ids=lambda size: size.name)
@pytest.mark.parametrize("place", LONG_TEXT_PLACES, ids=lambda place: place.page.replace(" ", "_"))
def test_long_unbroken_text_wraps(
    visitor: Callable[[str, Size], Any], demo_ids: dict[str, int], size: Size, place: Place
) -> None:
    """A long URL, hash or diff, put into the page where such text would land, wraps inside
    its box: the page neither scrolls sideways nor spills past its content box. (The DOM is
    edited in the browser only; the demo data stay as they are.)"""
    page = visitor(place.role, size)
    page.goto(place.path.format(**demo_ids))
    found = page.evaluate(
        "([selector, text]) => { const el = document.querySelector(selector);"
        " if (el) el.append(' ' + text); return el !== null; }",
        [place.selector, LONG_TEXT],
    )
    assert found, f"nothing matches {place.selector} on {place.path}: the test needs updating"
    failures = measure(page)
    assert not failures["bodyScroll"] and not failures["overflows"], (
        f"a long unbroken string in {place.page} at {size.name} px:\n"
        + "\n".join(failures["bodyScroll"] + failures["overflows"])
    )


def test_the_audit_log_fits_a_desktop_screen_with_long_changes(
    visitor: Callable[[str, Size], Any],
) -> None:
    """At 1400 px the audit log's table is not made to scroll by a long value in its
    "Changes" column: the value wraps, and the other columns keep room to be read."""
    page = visitor("admin", SIZES[0])
    page.goto("/admin/audit")
    page.evaluate(
        "text => document.querySelector('.audit-log td:last-child').append(' ' + text)",
        LONG_TEXT,
    )
    box = page.evaluate(
        "() => { const box = document.querySelector('.table-scroll');"
        " return [box.scrollWidth, box.clientWidth]; }"
    )
    assert box[0] <= box[1] + 1, f"the audit log scrolls sideways at 1400 px: {box}"
