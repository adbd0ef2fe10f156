"""Demo data: users, the reference article, and what a newsroom would do with it."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Stance
from factcheck.annotations.operations import SourceInput
from factcheck.articles import operations as article_ops
from factcheck.articles.models import Article
from factcheck.demo_articles import DEMO_ARTICLES, DemoAnnotation, annotate, load_article_demo
from factcheck.factchecks.library import import_library_file
from factcheck.factchecks.models import FactCheck
from factcheck.review.workflow import Action
from factcheck.revisions.operations import revise_article
from factcheck.users import operations as user_ops
from factcheck.users.models import Role, User
from factcheck.verdicts.models import Verdict
from factcheck.verdicts.operations import update_verdict
from factcheck.workspace.corrections import has_annotations

DEMO_USERS = (
    ("annotator@example.org", "Ana Annotator", Role.ANNOTATOR),
    ("reviewer@example.org", "Rui Reviewer", Role.REVIEWER),
    ("admin@example.org", "Ada Admin", Role.ADMIN),
)

#: The shipped text carries no URL or date, and the demo does not invent them.
REFERENCE_ARTICLE = {
    "file": "telegraph-uk-eu-returns.txt",
    "title": "Sunak ‘remains open’ to a UK-EU migrant returns deal despite Brussels rebuff",
    "outlet": "The Telegraph",
}


#: The default verdict scale in Spanish, for a demo newsroom that works in Spanish
#: (``FACTCHECK_DEMO_LANGUAGE=es``): by key, the label the scale was seeded with (a
#: verdict an admin has renamed since is left alone), and the Spanish label and
#: description. Verdict labels are the newsroom's data, not interface words.
SPANISH_SCALE = {
    "true": ("True", "Verdadero", "La afirmación es exacta."),
    "mostly_true": (
        "Mostly true",
        "Mayormente verdadero",
        "Exacta, pero necesita aclaraciones o contexto.",
    ),
    "mixed": ("Mixed", "Mixto", "En parte exacta y en parte no."),
    "misleading": (
        "Misleading",
        "Engañoso",
        "Elementos exactos presentados de modo que inducen a error.",
    ),
    "mostly_false": (
        "Mostly false",
        "Mayormente falso",
        "Contiene algo de verdad, pero en gran parte es errónea.",
    ),
    "false": ("False", "Falso", "La afirmación es inexacta."),
    "disputed": ("Disputed", "En disputa", "Fuentes fiables se contradicen."),
    "unverifiable": ("Unverifiable", "Inverificable", "No hay pruebas en ningún sentido."),
    "not_a_claim": (
        "Not a factual claim",
        "No es una afirmación fáctica",
        "Opinión, predicción o pregunta: nada que verificar.",
    ),
}
#: The languages ``flask demo`` can set a newsroom up in.
DEMO_LANGUAGES = ("en", "es")


def name_scale_in_spanish(session: Session, admin: User) -> int:
    """Give the seeded verdicts their Spanish names (as an admin would, audited);
    return how many were renamed."""
    renamed = 0
    for verdict in session.scalars(select(Verdict).order_by(Verdict.sort_order)):
        seeded, label, description = SPANISH_SCALE.get(verdict.key, (None, None, None))
        if label is None or verdict.label != seeded:
            continue
        update_verdict(
            session,
            admin,
            verdict,
            label=label,
            description=description,
            rating=verdict.rating,
            colour=verdict.colour,
            active=verdict.active,
        )
        renamed += 1
    return renamed


@dataclass
class DemoResult:
    users_created: list[str]
    article: Article
    article_created: bool
    annotations_created: int = 0
    factchecks_added: int = 0
    #: The Spanish and Arabic articles imported this time.
    other_articles_created: int = 0
    #: Verdicts given their Spanish names (``language="es"``).
    verdicts_renamed: int = 0
    #: The reference article's correction added as its second revision this time.
    revised: bool = False


#: The reference article spells the Commission's adviser two ways; the demo's second
#: revision is the outlet's correction of one.
REFERENCE_MISSPELLING = "said Siebert did not recall"
REFERENCE_SPELLING = "said Seibert did not recall"
REFERENCE_CORRECTION = "This article was amended to correct the spelling of Bjoern Seibert’s name."

#: Other newsrooms' fact-checks of the reference article's subject, for the library.
DEMO_FACTCHECKS = "factchecks.json"
DEMO_FACTCHECK_URLS = ("https://factcheck.example/demo/channel-dinghy-deaths",)


def reference_article_text() -> str:
    return (
        resources.files("factcheck.demo_data")
        .joinpath(REFERENCE_ARTICLE["file"])  # type: ignore[arg-type]
        .read_text(encoding="utf-8")
    )


def load_demo(
    session: Session,
    *,
    password: str,
    max_chars: int,
    language: str = "en",
    correction: bool = True,
) -> DemoResult:
    """Create what is missing of the demo; running it twice changes nothing.

    :param language: the newsroom's language: "es" names the verdict scale in Spanish.
    :param correction: add the reference article's correction as its second revision
        (off for a database that must be taken back before revisions existed).
    """
    if language not in DEMO_LANGUAGES:
        raise ValueError(f"the demo language must be one of {', '.join(DEMO_LANGUAGES)}")
    created: list[str] = []
    users: dict[str, User] = {}
    for email, name, role in DEMO_USERS:
        user = user_ops.find_user_by_email(session, email)
        if user is None:
            user = user_ops.create_user(
                session, None, email=email, name=name, password=password, role=role
            )
            created.append(email)
        users[email] = user

    # A few other newsrooms' fact-checks (example data) before the article, so that
    # its claims are matched against them: "checked before" has something to show.
    feed = resources.files("factcheck.demo_data").joinpath(DEMO_FACTCHECKS).read_bytes()
    factchecks_added = other_articles_created = annotations_created = 0
    if session.scalar(select(FactCheck.id).where(FactCheck.url.in_(DEMO_FACTCHECK_URLS))) is None:
        library = import_library_file(session, None, DEMO_FACTCHECKS, feed)
        if not library.ok:
            raise RuntimeError(f"The demo's fact-checks do not import: {library.problems}")
        factchecks_added = library.added

    verdicts_renamed = 0
    if language == "es":
        verdicts_renamed = name_scale_in_spanish(session, users["admin@example.org"])

    # The Spanish and Arabic articles first: the reference article stays the newest, at
    # the top of the article list where a newcomer looks first.
    for spec in DEMO_ARTICLES:
        _article, made, annotated = load_article_demo(
            session,
            spec,
            annotator=users["annotator@example.org"],
            reviewer=users["reviewer@example.org"],
            max_chars=max_chars,
        )
        other_articles_created += made
        annotations_created += annotated

    body = article_ops.normalise_body(reference_article_text())
    # After the demo's correction the article's current text is revision 2: it is found
    # by its first text too.
    article = article_ops.find_by_body(session, body) or article_ops.find_by_first_text(
        session, body
    )
    article_created = article is None
    if article is None:
        article = article_ops.import_article(
            session,
            users["annotator@example.org"],
            title=str(REFERENCE_ARTICLE["title"]),
            body=body,
            max_chars=max_chars,
            outlet=str(REFERENCE_ARTICLE["outlet"]),
        )
    if not has_annotations(session, article):
        annotations_created += _annotate(
            session,
            article,
            annotator=users["annotator@example.org"],
            reviewer=users["reviewer@example.org"],
        )
    revised = False
    if correction and article.revision == 1 and REFERENCE_MISSPELLING in article.body:
        # The outlet corrected a name after publication: revision 2, so that a newcomer
        # finds the "revised" marker, the history and the word diff.
        revise_article(
            session,
            users["reviewer@example.org"],
            article,
            article.body.replace(REFERENCE_MISSPELLING, REFERENCE_SPELLING, 1)
            + "\n\n"
            + REFERENCE_CORRECTION,
            expected_revision=1,
            origin="pasted",
            max_chars=max_chars,
        )
        revised = True
    return DemoResult(
        created,
        article,
        article_created,
        annotations_created,
        factchecks_added,
        other_articles_created,
        verdicts_renamed,
        revised,
    )


_SPOKESMAN = SourceInput(
    title="European Commission spokesman, as quoted by The Telegraph",
    publisher="European Commission",
    quote="Siebert did not recall rejecting the proposal, although they did not have notes "
    "from the meeting.",
    stance=Stance.DISPUTES,
)
_UK_SPOKESWOMAN = SourceInput(
    title="UK Government spokeswoman, as quoted by The Telegraph",
    publisher="UK Government",
    quote="We remain open to working with the EU to take forward negotiations on a UK-EU "
    "returns deal",
    stance=Stance.SUPPORTS,
)

_SUBMIT = (Action.SUBMIT, "")

DEMO_ANNOTATIONS = (
    DemoAnnotation(
        claim_starts="EU officials told The Telegraph",
        verdict="disputed",
        claimant="EU officials (unnamed)",
        summary="The European Commission is not considering a returns deal with the UK.",
        rationale=(
            "Unnamed EU officials say the Commission is “not envisaging” a deal, but the "
            "Commission's spokesman says Seibert “did not recall rejecting the proposal”. Note "
            "the article spells the adviser both “Seibert” and “Siebert”; the Commission lists "
            "him as Bjoern Seibert."
        ),
        sources=(_SPOKESMAN,),
        steps=(_SUBMIT, (Action.APPROVE, "")),
    ),
    DemoAnnotation(
        claim_starts="Downing Street said the Prime Minister",
        verdict="true",
        claimant="Downing Street",
        rationale="The Government's own statement, quoted in full later in the article.",
        sources=(_UK_SPOKESWOMAN,),
        steps=(_SUBMIT, (Action.APPROVE, "")),
    ),
    DemoAnnotation(
        claim_starts="Mr Sunak has also signed a £480 million deal",
        verdict="true",
        claimant="The Telegraph",
        rationale="The UK-France agreement of March 2023 committed £480 million over three years.",
        sources=(
            SourceInput(
                title="Caption in the same article",
                publisher="The Telegraph",
                quote="Despite the £480m deal with France",
                stance=Stance.SUPPORTS,
            ),
        ),
        steps=(
            _SUBMIT,
            (
                Action.REQUEST_CHANGES,
                "The caption repeats the article; please cite the UK-France joint statement "
                "for the £480 million figure.",
            ),
        ),
    ),
    DemoAnnotation(
        claim_starts="Proposals to replace the Dublin convention",
        verdict="mostly_true",
        claimant="The Telegraph",
        rationale=(
            "The Commission's proposal set a solidarity contribution per person not relocated; "
            "the figures match the draft under negotiation at the time."
        ),
        sources=(
            SourceInput(
                title="Article text",
                publisher="The Telegraph",
                quote="take at least 30,000 migrants a year or pay £17,000 for each migrant",
                stance=Stance.CONTEXT,
            ),
        ),
        steps=(_SUBMIT,),
    ),
    DemoAnnotation(
        claim_starts="Hungary and Poland have blocked the plan.",
        verdict="false",
        claimant="The Telegraph",
        rationale="They voted against it, but a majority vote means they could not block it.",
        sources=(
            SourceInput(
                title="Council of the EU voting rules",
                publisher="Council of the EU",
                quote="Qualified majority: 55% of member states, representing 65% of the "
                "population.",
                stance=Stance.CONTEXT,
            ),
        ),
        steps=(
            _SUBMIT,
            (
                Action.REJECT,
                "“Blocked” is the article's shorthand for opposing the plan in negotiations; "
                "rating it False overstates the point. Annotate it as Misleading instead.",
            ),
        ),
    ),
    DemoAnnotation(
        claim_starts="It came as Sir Jake Berry",
        verdict="not_a_claim",
        claimant="Sir Jake Berry",
        rationale="A political opinion about what the Government must do; nothing to check yet.",
        sources=(),
    ),
)


#: The reviewer annotates two claims too, so the agreement figures have data.
SECOND_OPINIONS = (
    DemoAnnotation(
        claim_starts="Downing Street said the Prime Minister",
        verdict="true",
        claimant="Downing Street",
        rationale="Second opinion for the agreement figures.",
        sources=(),
        steps=(_SUBMIT,),
    ),
    DemoAnnotation(
        claim_starts="Proposals to replace the Dublin convention",
        verdict="mixed",
        claimant="The Telegraph",
        rationale="Second opinion for the agreement figures.",
        sources=(),
        steps=(_SUBMIT,),
    ),
)


def _annotate(session: Session, article: Article, *, annotator: User, reviewer: User) -> int:
    """The reference article as a newsroom would leave it: one claim in every state."""
    return annotate(
        session,
        article,
        [(annotator, DEMO_ANNOTATIONS), (reviewer, SECOND_OPINIONS)],
        reviewer=reviewer,
    )
