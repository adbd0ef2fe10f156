"""Every word of the interface goes through gettext, and each shipped catalogue
translates every message (none missing, none fuzzy, the same placeholders)."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.checkers import python_format
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

from factcheck import i18n
from factcheck.i18n import extract_messages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
#: Parses templates as the app does (the i18n extension knows ``{% trans %}``).
JINJA = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
SHIPPED = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT_LANGUAGE]

#: Words that are the same in every language: the product's name.
UNTRANSLATED = {"factcheck"}

_WORD = re.compile(r"[^\W\d_]{2,}")
_JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
#: Attributes whose values people read (or hear, from a screen reader).
_VISIBLE_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}


class _VisibleText(HTMLParser):
    """Collects the text and readable attribute values of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style", "code"}:
            self._skip += 1
        values = dict(attrs)
        if tag in {"link", "meta"}:  # their titles name a feed or a protocol for programs
            return
        for name, value in attrs:
            readable = name in _VISIBLE_ATTRIBUTES or (
                # An input button shows its value; a <button>'s value is only sent.
                tag == "input"
                and name == "value"
                and values.get("type") in {"submit", "button", "reset"}
            )
            if readable and value:
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style", "code"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append(data)


def _is_prose(text: str) -> bool:
    words = [word for word in _WORD.findall(text) if word not in UNTRANSLATED]
    return bool(words)


def text_outside_gettext(source: str) -> list[str]:
    """The readable text of a template that does not go through gettext.

    Jinja's tags are blanked first (text inside ``{{ _('...') }}`` is translated); then
    the page's text and readable attributes must hold no word. String literals inside
    the tags are checked by :func:`literals_outside_gettext`.
    """
    parser = _VisibleText()
    parser.feed(_JINJA.sub(" ", source))
    parser.close()
    return [text.strip() for text in parser.found if _is_prose(text)]


_GETTEXT_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
_PROSE_LITERAL = re.compile(r"[^\W\d_]{2,}\s+[^\W\d_]{2,}|^[A-Z][a-z]+$")
#: Literals that are names, not words: endpoints, CSS classes, states, filters' keys.
_CODE_LITERAL = re.compile(r"^[a-z][a-z0-9_.:-]*$")


def literals_outside_gettext(environment: Environment, source: str) -> list[str]:
    """String literals in Jinja expressions that read as words and are not translated
    (``{{ x or 'never' }}``, ``field(f, hint='At least 10 characters')``)."""
    tree = environment.parse(source)
    translated: set[int] = set()
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in _GETTEXT_CALLS:
            for argument in call.args:
                translated.add(id(argument))
    shown: set[int] = set()
    for output in tree.find_all(nodes.Output):
        for expression in output.nodes:
            if not isinstance(expression, nodes.TemplateData):
                shown.update(id(n) for n in _shown_parts(expression))
    found = []
    for const in tree.find_all(nodes.Const):
        value = const.value
        if not isinstance(value, str) or id(const) in translated or not _WORD.search(value):
            continue
        # " selected": a class added to others' is code, however it is spaced.
        code = _CODE_LITERAL.match(value.strip())
        if (id(const) in shown or _PROSE_LITERAL.search(value)) and not code:
            found.append(value)
    return found


def _shown_parts(expression: nodes.Node) -> list[nodes.Node]:
    """The parts of an output expression whose value is printed as it is."""
    if isinstance(expression, nodes.CondExpr):
        parts = [expression.expr1] + ([expression.expr2] if expression.expr2 else [])
        return [p for part in parts for p in _shown_parts(part)]
    if isinstance(expression, nodes.Or | nodes.And | nodes.Concat | nodes.Add):
        children = (
            expression.nodes
            if isinstance(expression, nodes.Concat)
            else [
                expression.left,
                expression.right,
            ]
        )
        return [p for child in children for p in _shown_parts(child)]
    if isinstance(expression, nodes.Filter) and expression.node is not None:
        return _shown_parts(expression.node)
    return [expression]


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_show_no_words_outside_gettext(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert text_outside_gettext(source) == []
    assert literals_outside_gettext(JINJA, source) == []


def test_the_check_finds_words_outside_gettext() -> None:
    """The checks above are not vacuous: each kind of leak is caught, each fix passes."""
    leaks = """
      <h1>Articles</h1>
      <a href="{{ url }}" title="Open the article">{{ _('Open') }}</a>
      <input type="submit" value="Save">
      {{ user.name or 'nobody yet' }}
      {{ field(form.x, hint='At least 10 characters') }}
      {% set heading = 'Dashboard' %}
    """
    assert text_outside_gettext(leaks) == ["Articles", "Open the article", "Save"]
    assert literals_outside_gettext(JINJA, leaks) == [
        "nobody yet",
        "At least 10 characters",
        "Dashboard",
    ]
    fixed = """
      <h1>{{ _('Articles') }}</h1><script>let a = "Not shown";</script>
      <a class="{{ 'is-current' if x }}" href="{{ url_for('workspace.show', id=1) }}">
        {{ _('Open %(title)s', title=article.title) }}</a> factcheck <code>POST /api</code>
      {{ user.name or _('nobody yet') }} {{ ngettext('%(num)d claim', '%(num)d claims', n) }}
    """
    assert text_outside_gettext(fixed) == []
    assert literals_outside_gettext(JINJA, fixed) == []


@pytest.fixture(scope="module")
def extracted() -> dict[str | tuple[str, str], set[str]]:
    return extract_messages()


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogue_translates_every_message(language: str, extracted) -> None:
    path = i18n.TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as file:
        catalogue = read_po(file, locale=language)
    missing, fuzzy, empty, placeholders = [], [], [], []
    for msgid in extracted:
        message = catalogue.get(msgid)
        if message is None:
            missing.append(msgid)
            continue
        if message.fuzzy:
            fuzzy.append(msgid)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            empty.append(msgid)
            continue
        try:
            python_format(catalogue, message)
        except Exception as error:  # babel's TranslationError
            placeholders.append(f"{msgid!r}: {error}")
    assert missing == [], f"{len(missing)} messages missing from {language}: run make translations"
    assert fuzzy == [], f"fuzzy entries in {language}"
    assert empty == [], f"untranslated entries in {language}"
    assert placeholders == []


def test_catalogue_template_is_current(extracted) -> None:
    """messages.pot holds what the code and templates say (``make translations``)."""
    with (i18n.TRANSLATIONS / "messages.pot").open("rb") as file:
        template = read_po(file)
    assert {message.id for message in template if message.id} == set(extracted)


def _python_sources() -> list[Path]:
    return sorted((ROOT / "factcheck").rglob("*.py"))


#: Calls whose first argument (or ``message=``) is shown to people.
_MESSAGE_CALLS = {"flash", "ValidationError", "echo", "secho", "BadParameter", "ClickException"}
_TRANSLATING = {"gettext", "ngettext", "lazy_gettext", "lazy_ngettext", "pgettext", "_"}


def _domain_errors() -> set[str]:
    import factcheck.models  # noqa: F401  (every module that defines errors)
    from factcheck.errors import DomainError

    names, stack = set(), [DomainError]
    while stack:
        cls = stack.pop()
        names.add(cls.__name__)
        stack.extend(cls.__subclasses__())
    return names


def _untranslated(node: ast.AST | None) -> bool:
    """A message written as a literal (or built from one) rather than through gettext."""
    if node is None:
        return False
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(_WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_untranslated(v) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _untranslated(node.left) or _untranslated(node.right)
    if isinstance(node, ast.IfExp):
        return _untranslated(node.body) or _untranslated(node.orelse)
    return False


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


@pytest.mark.parametrize("path", _python_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_python_messages_go_through_gettext(path: Path) -> None:
    """Flash messages, domain errors (shown on pages and in API errors), form labels
    and validator messages, and CLI output are translated where they are written."""
    errors = _domain_errors()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name = _call_name(call)
        if name in _TRANSLATING:
            continue
        shown: list[ast.AST] = []
        if name in _MESSAGE_CALLS or name in errors:
            shown += call.args[:1]
        # A WTForms field's label and description (pydantic's ``Field`` describes the
        # API's schema for programmers, in the OpenAPI document, and stays English).
        if name.endswith("Field") and name != "Field":
            shown += call.args[:1]
            shown += [kw.value for kw in call.keywords if kw.arg in {"label", "description"}]
        shown += [kw.value for kw in call.keywords if kw.arg == "message"]
        if name in errors:
            for kw in call.keywords:
                if kw.arg == "fields" and isinstance(kw.value, ast.Dict):
                    for value in kw.value.values:
                        if isinstance(value, ast.List):
                            shown += value.elts
        found += [f"line {call.lineno}: {ast.unparse(n)[:80]}" for n in shown if _untranslated(n)]
    assert found == []
