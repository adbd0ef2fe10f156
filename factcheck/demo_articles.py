"""Demo articles beyond the English reference one: Spanish and Arabic, annotated.

Each article is original text written for the demo (a fictional story from a fictional
outlet) with the traps of the reference article in its own language: abbreviations
inside sentences, local number and date formats, quotations with attribution, a photo
caption with a credit line, and one person's name spelt two ways. Each carries what a
newsroom would have done with it: one claim approved, one waiting for review, one sent
back with a comment, one rejected, one draft, and two second opinions by the reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Stance
from factcheck.annotations.operations import AnnotationInput, SourceInput, save_annotation
from factcheck.articles import operations as article_ops
from factcheck.articles.models import Article, Claim
from factcheck.review.operations import apply_action
from factcheck.review.workflow import Action
from factcheck.users.models import User
from factcheck.verdicts.models import Verdict
from factcheck.workspace.corrections import has_annotations


@dataclass(frozen=True)
class DemoAnnotation:
    """What the demo annotator writes on one claim, and how its review goes."""

    claim_starts: str
    verdict: str
    claimant: str
    rationale: str
    sources: tuple[SourceInput, ...]
    #: Workflow after saving: () = stays a draft; otherwise actions in order.
    steps: tuple[tuple[Action, str], ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class DemoArticle:
    """One demo article: its text file, metadata and what the demo does with it."""

    #: A file in ``factcheck/demo_data``.
    file: str
    title: str
    outlet: str
    #: Passed to the import, so language detection is not relied on.
    language: str
    #: Written by the demo annotator, each followed by its review steps.
    annotations: tuple[DemoAnnotation, ...]
    #: Written and submitted by the reviewer, so the agreement figures have data.
    second_opinions: tuple[DemoAnnotation, ...] = ()


_SUBMIT = (Action.SUBMIT, "")

# --- Spanish -------------------------------------------------------------------------------

_ES_OUTLET = "El Faro de Valdemora"
_ES_OBSERVATORIO = SourceInput(
    title="Informe del Observatorio de la Vivienda de Valdemora, citado en el artículo",
    publisher="Observatorio de la Vivienda de Valdemora",
    quote="entre 2019 y 2023 se terminaron 1.130 viviendas protegidas",
    stance=Stance.REFUTES,
)

SPANISH_ARTICLE = DemoArticle(
    file="elfaro-es-vivienda.txt",
    title="Valdemora promete 12.000 viviendas de alquiler asequible con 2.300 millones de euros",
    outlet=_ES_OUTLET,
    language="es",
    annotations=(
        DemoAnnotation(
            claim_starts="Según los datos de la propia consejería",
            verdict="mostly_true",
            claimant="Consejería de Vivienda de Valdemora",
            summary="El alquiler medio subió un 3,5 % en 2024 y llegó a 1.234,5 euros al mes.",
            rationale=(
                "La subida del 3,5 % coincide con los datos de la consejería, pero los "
                "1.234,5 euros son la media de la capital, no de la región, y el «aprox. "
                "40 %» se calcula sobre el salario de los menores de 35 años, no sobre el "
                "salario medio de toda la población."
            ),
            sources=(
                SourceInput(
                    title="Datos de la Consejería de Vivienda, citados en el artículo",
                    publisher="Consejería de Vivienda de Valdemora",
                    quote="el alquiler medio en la región subió un 3,5 % en 2024",
                    stance=Stance.SUPPORTS,
                ),
            ),
            steps=(_SUBMIT, (Action.APPROVE, "")),
        ),
        DemoAnnotation(
            claim_starts="“En la anterior legislatura se anunciaron 8.000 viviendas",
            verdict="mostly_false",
            claimant="Andrés Peñalver, portavoz de la oposición",
            rationale=(
                "El anuncio de 8.000 viviendas consta, pero el Observatorio de la Vivienda de "
                "Valdemora cuenta 1.130 viviendas protegidas terminadas entre 2019 y 2023, no "
                "«menos de 900»."
            ),
            sources=(_ES_OBSERVATORIO,),
            steps=(_SUBMIT,),
        ),
        DemoAnnotation(
            claim_starts="El decreto, publicado en el Boletín Oficial de Valdemora núm. 47",
            verdict="true",
            claimant=_ES_OUTLET,
            rationale=(
                "El decreto reserva el 30 % de las viviendas a menores de 35 años y otro 10 % "
                "a familias monoparentales."
            ),
            sources=(
                SourceInput(
                    title="Texto del artículo",
                    publisher=_ES_OUTLET,
                    quote="reserva el 30 % de las viviendas para menores de 35 años",
                    stance=Stance.CONTEXT,
                ),
            ),
            steps=(
                _SUBMIT,
                (
                    Action.REQUEST_CHANGES,
                    "La fuente es el propio artículo: cita el decreto del Boletín Oficial de "
                    "Valdemora núm. 47 (5 de marzo de 2025) y enlázalo.",
                ),
            ),
        ),
        DemoAnnotation(
            claim_starts="El Gobierno de la Comunidad de Valdemora prometió",
            verdict="false",
            claimant="Gobierno de la Comunidad de Valdemora",
            rationale=(
                "Entre 2019 y 2023 se terminaron 1.130 viviendas protegidas: 12.000 en una "
                "legislatura no es creíble."
            ),
            sources=(_ES_OBSERVATORIO,),
            steps=(
                _SUBMIT,
                (
                    Action.REJECT,
                    "Se califica la promesa, no su cumplimiento: el Gobierno sí prometió 12.000 "
                    "viviendas el 3 de marzo de 2025. Anótala como verdadera y deja las dudas "
                    "sobre su viabilidad en la justificación.",
                ),
            ),
        ),
        DemoAnnotation(
            claim_starts="Fuentes de la consejería que dirige Ybarrola",
            verdict="mixed",
            claimant="Fuentes de la Consejería de Vivienda (anónimas)",
            rationale=(
                "Pendiente: pedir a la consejería la lista de licencias concedidas. Ojo: el "
                "artículo escribe «Ibarrola» e «Ybarrola»; la consejera se llama Marta "
                "Ibarrola."
            ),
            sources=(),
        ),
    ),
    second_opinions=(
        DemoAnnotation(
            claim_starts="Según los datos de la propia consejería",
            verdict="true",
            claimant="Consejería de Vivienda de Valdemora",
            rationale="Segunda opinión para las cifras de acuerdo.",
            sources=(),
            steps=(_SUBMIT,),
        ),
        DemoAnnotation(
            claim_starts="“En la anterior legislatura se anunciaron 8.000 viviendas",
            verdict="misleading",
            claimant="Andrés Peñalver, portavoz de la oposición",
            rationale="Segunda opinión para las cifras de acuerdo.",
            sources=(),
            steps=(_SUBMIT,),
        ),
    ),
)

# --- Arabic --------------------------------------------------------------------------------

_AR_OUTLET = "الواحة اليوم"
_AR_LEAKS = SourceInput(
    title="تقرير هيئة المياه لعام 2024، كما نقله المقال",
    publisher="هيئة المياه في محافظة وادي الريم",
    quote="وتفقد الشبكة القديمة نحو 35% من المياه بسبب التسرب",
    stance=Stance.SUPPORTS,
)

ARABIC_ARTICLE = DemoArticle(
    file="alwaha-ar-water.txt",
    title="وادي الريم تتعهد بإنهاء انقطاع المياه قبل صيف 2026 بمحطة تحلية كلفتها 1.2 مليار دولار",
    outlet=_AR_OUTLET,
    language="ar",
    annotations=(
        DemoAnnotation(
            claim_starts="وتفقد الشبكة القديمة نحو 35%",
            verdict="true",
            claimant="هيئة المياه في محافظة وادي الريم",
            summary="تفقد شبكة المياه القديمة نحو 35% من المياه بسبب التسرب.",
            rationale="يطابق الرقم ما نشرته الهيئة في تقريرها لعام 2024 عن الفاقد في الشبكة.",
            sources=(_AR_LEAKS,),
            steps=(_SUBMIT, (Action.APPROVE, "")),
        ),
        DemoAnnotation(
            claim_starts="وأوضح الخطيب أن المحطة الجديدة",
            verdict="misleading",
            claimant="سليم الخطيب، محافظ وادي الريم",
            rationale=(
                "٣٠٠ ألف متر مكعب يومياً لـ٢٫٥ مليون نسمة تعني 120 لتراً للفرد، لكن الشبكة "
                "تفقد نحو 35% من المياه بحسب الهيئة نفسها، فلا يصل إلى الفرد فعلياً سوى نحو "
                "78 لتراً في اليوم."
            ),
            sources=(
                SourceInput(
                    title="تقرير هيئة المياه لعام 2024، كما نقله المقال",
                    publisher="هيئة المياه في محافظة وادي الريم",
                    quote="وتفقد الشبكة القديمة نحو 35% من المياه بسبب التسرب",
                    stance=Stance.CONTEXT,
                ),
            ),
            steps=(_SUBMIT,),
        ),
        DemoAnnotation(
            claim_starts="وتساءل النائب فراس العلي",
            verdict="true",
            claimant="النائب فراس العلي",
            rationale="عجز موازنة المحافظة البالغ ٤٠٠ مليون دولار هو الرقم الذي أقره المجلس.",
            sources=(
                SourceInput(
                    title="نص المقال",
                    publisher=_AR_OUTLET,
                    quote="والموازنة تعاني عجزاً يبلغ ٤٠٠ مليون دولار",
                    stance=Stance.CONTEXT,
                ),
            ),
            steps=(
                _SUBMIT,
                (
                    Action.REQUEST_CHANGES,
                    "المصدر هو كلام النائب نفسه: استشهد بموازنة المحافظة المنشورة لعام 2025 "
                    "لرقم العجز.",
                ),
            ),
        ),
        DemoAnnotation(
            claim_starts="وقال محافظ وادي الريم",
            verdict="false",
            claimant="سليم الخطيب، محافظ وادي الريم",
            rationale="وعدت الحكومة السابقة بالأمر نفسه في يناير/كانون الثاني 2021 ولم تنفذه.",
            sources=(
                SourceInput(
                    title="نص المقال",
                    publisher=_AR_OUTLET,
                    quote="ولم تُنفذ أي منهما",
                    stance=Stance.CONTEXT,
                ),
            ),
            steps=(
                _SUBMIT,
                (
                    Action.REJECT,
                    "هذا وعد بالمستقبل لا يمكن الحكم عليه الآن: صنّفه «ليس ادعاءً» أو انتظر "
                    "صيف 2026.",
                ),
            ),
        ),
        DemoAnnotation(
            claim_starts="ولم يرد ماركوس ويبر",
            verdict="not_a_claim",
            claimant="الواحة اليوم",
            rationale=(
                "لا ادعاء يمكن التحقق منه هنا. ملاحظة: المقال يكتب الاسم «فيبر» و«ويبر»؛ "
                "والاسم بالألمانية Weber."
            ),
            sources=(),
        ),
    ),
    second_opinions=(
        DemoAnnotation(
            claim_starts="وتفقد الشبكة القديمة نحو 35%",
            verdict="true",
            claimant="هيئة المياه في محافظة وادي الريم",
            rationale="رأي ثانٍ لأرقام الاتفاق بين المراجعين.",
            sources=(),
            steps=(_SUBMIT,),
        ),
        DemoAnnotation(
            claim_starts="وأوضح الخطيب أن المحطة الجديدة",
            verdict="mixed",
            claimant="سليم الخطيب، محافظ وادي الريم",
            rationale="رأي ثانٍ لأرقام الاتفاق بين المراجعين.",
            sources=(),
            steps=(_SUBMIT,),
        ),
    ),
)

#: Loaded before the reference article (which stays the newest), in this order.
DEMO_ARTICLES = (SPANISH_ARTICLE, ARABIC_ARTICLE)


def article_text(article_spec: DemoArticle) -> str:
    return (
        resources.files("factcheck.demo_data")
        .joinpath(article_spec.file)  # type: ignore[arg-type]
        .read_text(encoding="utf-8")
    )


def claim_starting(claims: list[Claim], claim_starts: str) -> Claim | None:
    """The one claim whose text starts with ``claim_starts``; None for none or several."""
    found = [claim for claim in claims if claim.text.startswith(claim_starts)]
    return found[0] if len(found) == 1 else None


def annotate(
    session: Session,
    article: Article,
    writers: list[tuple[User, tuple[DemoAnnotation, ...]]],
    *,
    reviewer: User,
) -> int:
    """Write each writer's annotations and take their review steps; return how many.

    The author submits; every other step is the reviewer's. A spec whose claim is not
    found (the segmentation changed) is skipped rather than put on the wrong text.
    """
    verdicts = {v.key: v.id for v in session.scalars(select(Verdict))}
    claims = list(article.claims)
    created = 0
    for author, items in writers:
        for item in items:
            claim = claim_starting(claims, item.claim_starts)
            if claim is None:
                continue
            annotation = save_annotation(
                session,
                author,
                claim,
                AnnotationInput(
                    verdict_id=verdicts.get(item.verdict),
                    claimant=item.claimant,
                    claim_summary=item.summary,
                    rationale=item.rationale,
                    sources=list(item.sources),
                ),
                expected_version=None,
            )
            for action, comment in item.steps:
                apply_action(
                    session,
                    author if action is Action.SUBMIT else reviewer,
                    annotation,
                    action,
                    expected_version=annotation.version,
                    comment=comment,
                )
            created += 1
    return created


def load_article_demo(
    session: Session,
    article_spec: DemoArticle,
    *,
    annotator: User,
    reviewer: User,
    max_chars: int,
) -> tuple[Article, bool, int]:
    """Import the article if it is missing and annotate it if nobody has.

    Returns the article, whether it was imported now, and how many annotations were
    written. Running it twice changes nothing the second time.
    """
    body = article_ops.normalise_body(article_text(article_spec))
    article = article_ops.find_by_body(session, body)
    created = article is None
    if article is None:
        article = article_ops.import_article(
            session,
            annotator,
            title=article_spec.title,
            body=body,
            max_chars=max_chars,
            outlet=article_spec.outlet,
            language=article_spec.language,
        )
    annotations_created = 0
    if not has_annotations(session, article):
        annotations_created = annotate(
            session,
            article,
            [(annotator, article_spec.annotations), (reviewer, article_spec.second_opinions)],
            reviewer=reviewer,
        )
    return article, created, annotations_created
