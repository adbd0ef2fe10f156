"""The Spanish and Arabic demo articles: their segmentation, hints and annotations.

The expected claims below are written by hand: one per sentence, a photo caption's text
and its credit line each on their own (the credit is a line of its own in these texts),
and a closed quotation of two sentences kept whole with its attribution, as the
project's own English news cases have it (``tests/data/news_cases_en.json``, "quotation
of two sentences with attribution" and "... after a colon").
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factcheck.annotations.models import Annotation
from factcheck.annotations.states import AnnotationState
from factcheck.articles.models import Article, Claim
from factcheck.articles.operations import normalise_body
from factcheck.audit.models import AuditEvent
from factcheck.demo_articles import (
    ARABIC_ARTICLE,
    DEMO_ARTICLES,
    SPANISH_ARTICLE,
    DemoArticle,
    article_text,
    load_article_demo,
)
from factcheck.review.models import Decision, Review
from factcheck.segmentation import segment
from factcheck.users.models import Role, User

SPANISH_CLAIMS: list[str] = [
    "La consejera de Vivienda, Marta Ibarrola, durante la presentación del plan en el antiguo "
    "cuartel de San Lázaro",
    "Foto: Agencia Meridiano",
    "El Gobierno de la Comunidad de Valdemora prometió el 3 de marzo de 2025 construir 12.000 "
    "viviendas de alquiler asequible antes de que termine la legislatura, con una inversión de "
    "2.300 millones de euros.",
    "La consejera de Vivienda, la Sra. Marta Ibarrola, presentó el plan en el antiguo cuartel de "
    "San Lázaro, donde está previsto levantar las primeras 1.450 viviendas.",
    "«La vivienda es un derecho, no un privilegio. Este plan es el mayor esfuerzo público de las "
    "últimas tres décadas», afirmó Ibarrola ante alcaldes y representantes de las constructoras.",
    "Según los datos de la propia consejería, el alquiler medio en la región subió un 3,5 % en "
    "2024 y alcanzó los 1.234,5 euros mensuales en la capital, aprox. un 40 % del salario medio "
    "de un menor de 35 años.",
    "El decreto, publicado en el Boletín Oficial de Valdemora núm. 47 del 5 de marzo, reserva el "
    "30 % de las viviendas para menores de 35 años y otro 10 % para familias monoparentales.",
    "Las rentas no podrán superar los 650 euros al mes.",
    "El plan se financiará con fondos propios, con préstamos del Banco Europeo de Inversiones y "
    "con la venta de suelo público, p. ej. los terrenos del antiguo mercado de abastos.",
    "La consejería calcula que esa venta aportará unos 180 millones de euros.",
    "Ibarrola comparó el programa con los fondos de vivienda social de Viena y con los "
    "créditos fiscales a promotores privados de EE. UU.",
    "Ninguno de los dos modelos, reconoció, se ha aplicado nunca en España.",
    "El portavoz de la oposición, el Sr. Andrés Peñalver, aseguró que el Gobierno “ha prometido "
    "lo mismo tres veces” desde 2019.",
    "“En la anterior legislatura se anunciaron 8.000 viviendas y se entregaron menos de 900”, "
    "dijo Peñalver en el pleno del 6 de marzo.",
    "¿Quién pagará los intereses de los préstamos?",
    "El consejero de Hacienda no respondió a esa pregunta.",
    "Los registros de la propia Administración dan la razón a medias a la oposición: entre 2019 y "
    "2023 se terminaron 1.130 viviendas protegidas, según el último informe del Observatorio de "
    "la Vivienda de Valdemora.",
    "La Federación de Inquilinos de Valdemora recordó que en la región hay unas 38.000 familias "
    "inscritas en el registro de demandantes de vivienda protegida.",
    "«Doce mil pisos en tres años son una buena noticia si se construyen. Lo que pedimos es un "
    "calendario con fechas», señaló su presidenta, Lucía Arrieta.",
    "Fuentes de la consejería que dirige Ybarrola reconocieron que solo 2.100 de las 12.000 "
    "viviendas tienen ya licencia de obra y que el resto depende de que los ayuntamientos "
    "aprueben la recalificación del suelo antes de diciembre.",
    "Vecinos del barrio de San Lázaro protestan frente a la consejería por el precio del alquiler",
    "Foto: Agencia Meridiano",
    "El Sr. Peñalver anunció que su grupo pedirá la comparecencia de la consejera en el "
    "Parlamento regional.",
    "La Sra. Ibarrola, por su parte, se comprometió a publicar cada trimestre el número de "
    "viviendas iniciadas y entregadas.",
]

ARABIC_CLAIMS: list[str] = [
    "عمال يركّبون أنابيب خط المياه الجديد قرب بلدة العين الزرقاء",
    "تصوير: وكالة الواحة للأنباء",
    "تعهدت حكومة محافظة وادي الريم بإنهاء انقطاع المياه عن الأحياء الشرقية قبل صيف عام 2026، "
    "بعد أن أعلنت يوم الأحد 9 مارس/آذار 2025 عن مشروع لتحلية مياه البحر بكلفة 1.2 مليار دولار.",
    "وقال محافظ وادي الريم، سليم الخطيب، في مؤتمر صحفي عقده في مقر المحافظة: «لن يبقى بيت واحد "
    "بلا ماء بحلول الصيف المقبل. هذا وعد نلتزم به أمام المواطنين».",
    "وأوضح الخطيب أن المحطة الجديدة ستنتج ٣٠٠ ألف متر مكعب من المياه يومياً، أي ما يكفي نحو "
    "٢٫٥ مليون نسمة، وأن المرحلة الأولى منها ستدخل الخدمة في أكتوبر/تشرين الأول 2025.",
    "ووفقاً لبيانات هيئة المياه في المحافظة، لا تتجاوز حصة الفرد في الأحياء الشرقية 60 لتراً في "
    "اليوم، في حين تبلغ 150 لتراً في وسط المدينة.",
    "وتفقد الشبكة القديمة نحو 35% من المياه بسبب التسرب، بحسب تقرير الهيئة لعام 2024.",
    "وصرح متحدث باسم هيئة المياه بأن الهيئة ستنشر كل شهر عدد ساعات الضخ في كل حي، وأن ٧٠ "
    "كيلومتراً من الأنابيب القديمة ستُستبدل قبل نهاية العام الجاري.",
    "ولا تملك الهيئة اليوم سوى ثلاث محطات ضخ تعمل بكامل طاقتها من أصل تسع.",
    "أكد ماركوس فيبر، المدير الإقليمي لشركة «هيدرو نورد» الألمانية التي فازت بعقد البناء، أن "
    "الأعمال بدأت فعلاً في موقع رأس الحمراء.",
    "وأضاف: “سنسلّم المرحلة الأولى في موعدها إذا وصلت الدفعات المالية في وقتها”.",
    "لكن المعارضة في مجلس المحافظة تشكك في الجدول الزمني.",
    "وتساءل النائب فراس العلي خلال جلسة المجلس يوم الثلاثاء: «من أين ستأتي الحكومة بالمال، "
    "والموازنة تعاني عجزاً يبلغ ٤٠٠ مليون دولار؟»",
    "ولم يرد المحافظ على السؤال.",
    "وفقاً لـ د. هالة منصور، أستاذة هندسة الموارد المائية في جامعة الواحة، احتاجت المحطات "
    "المماثلة في المنطقة إلى أربع سنوات في المتوسط حتى تعمل بكامل طاقتها.",
    "قالت منصور: «التحلية جزء من الحل. لكن إصلاح الشبكة القديمة أرخص وأسرع».",
    "وارتفعت فواتير المياه في المحافظة بنسبة ١٢٪ خلال العام الماضي، فيما يشتري سكان الأحياء "
    "الشرقية صهريج الماء بنحو 20 في المئة أكثر مما كان عليه قبل عامين.",
    "متطوعون يوزعون عبوات المياه على سكان حي النخيل يوم 14 فبراير/شباط 2025",
    "تصوير: وكالة الواحة للأنباء",
    "وكانت الحكومة السابقة قد أعلنت في يناير/كانون الثاني 2021 عن خطة مماثلة لإنشاء محطتين "
    "بطاقة ١٥٠ ألف متر مكعب لكل منهما، ولم تُنفذ أي منهما.",
    "هل تختلف الخطة هذه المرة؟",
    "يقول المحافظ إن التمويل مضمون بقرض من صندوق التنمية الإقليمي بقيمة 800 مليون دولار.",
    "ولم يرد ماركوس ويبر على سؤال حول الغرامات التي ستدفعها الشركة في حال التأخر عن موعد التسليم.",
]

EXPECTED = {SPANISH_ARTICLE.file: SPANISH_CLAIMS, ARABIC_ARTICLE.file: ARABIC_CLAIMS}
#: The photo credit lines, which stand on their own line under their caption.
CREDITS = {
    SPANISH_ARTICLE.file: "Foto: Agencia Meridiano",
    ARABIC_ARTICLE.file: "تصوير: وكالة الواحة للأنباء",
}


def claims_of(spec: DemoArticle) -> list[str]:
    body = normalise_body(article_text(spec))
    return [body[span.start : span.end] for span in segment(body, spec.language)]


def kinds_of(spec: DemoArticle) -> dict[str, set[str]]:
    body = normalise_body(article_text(spec))
    kinds: dict[str, set[str]] = {}
    for span in segment(body, spec.language):
        kinds.setdefault(body[span.start : span.end], set()).add(span.kind)
    return kinds


ARTICLES = pytest.mark.parametrize("spec", DEMO_ARTICLES, ids=lambda spec: spec.language)


# --- the texts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "low", "high", "traps"),
    [
        (
            SPANISH_ARTICLE,
            2_500,
            4_500,
            "Sr. |Sra. |EE. UU.|núm. 47|p. ej.|aprox. |1.234,5|12.000 |3,5 %|2.300 millones de "
            "euros|3 de marzo de 2025|«|»|“|”|afirmó|aseguró|señaló|Según|Foto: |Ibarrola|Ybarrola",
        ),
        (
            ARABIC_ARTICLE,
            2_000,
            4_000,
            "٣٠٠|2025|35%|١٢٪|مارس/آذار|«|»|“|”|قال|أكد|أضاف|وفقاً لـ|؟|تصوير: |فيبر|ويبر|د. ",
        ),
    ],
    ids=["es", "ar"],
)
def test_the_texts_are_the_right_size_and_hold_their_traps(
    spec: DemoArticle, low: int, high: int, traps: str
) -> None:
    body = normalise_body(article_text(spec))
    assert low <= len(body) <= high
    assert "\n\n" in body and "\r" not in body
    missing = [trap for trap in traps.split("|") if trap not in body]
    assert not missing


# --- segmentation --------------------------------------------------------------------------


@ARTICLES
def test_every_claim_starts_matches_exactly_one_claim(spec: DemoArticle) -> None:
    claims = claims_of(spec)
    for item in spec.annotations + spec.second_opinions:
        matches = [claim for claim in claims if claim.startswith(item.claim_starts)]
        assert len(matches) == 1, item.claim_starts


@ARTICLES
def test_every_sentence_boundary_is_right(spec: DemoArticle) -> None:
    claims = claims_of(spec)
    assert claims[:10] == EXPECTED[spec.file][:10]
    assert claims == EXPECTED[spec.file]


@ARTICLES
def test_captions_and_credits_stand_alone(spec: DemoArticle) -> None:
    kinds = kinds_of(spec)
    credit = CREDITS[spec.file]
    assert claims_of(spec).count(credit) == 2
    assert "sentence" not in kinds[credit]


@ARTICLES
def test_credit_lines_are_captions(spec: DemoArticle) -> None:
    assert kinds_of(spec)[CREDITS[spec.file]] == {"caption"}


# --- import, hints, annotations ------------------------------------------------------------


@pytest.fixture
def people(make_user: Callable[..., User]) -> tuple[User, User]:
    return make_user(Role.ANNOTATOR), make_user(Role.REVIEWER)


def load(db: Session, app: Flask, spec: DemoArticle, people: tuple[User, User]):
    annotator, reviewer = people
    return load_article_demo(
        db,
        spec,
        annotator=annotator,
        reviewer=reviewer,
        max_chars=app.config["MAX_ARTICLE_CHARS"],
    )


def claim(article: Article, starts: str) -> Claim:
    [found] = [c for c in article.claims if c.text.startswith(starts)]
    return found


HINTS = {
    SPANISH_ARTICLE.file: {
        "has_number": (
            "El Gobierno de la Comunidad de Valdemora prometió",
            "Según los datos de la propia consejería",
            "El decreto, publicado en el Boletín Oficial",
        ),
        "has_quote": (
            "«La vivienda es un derecho",
            "El portavoz de la oposición",
            "“En la anterior legislatura",
            "«Doce mil pisos",
        ),
        "has_attribution": (
            "«La vivienda es un derecho",
            "El portavoz de la oposición",
            "“En la anterior legislatura",
            "«Doce mil pisos",
            "Los registros de la propia Administración",
        ),
        "has_date": ("El Gobierno de la Comunidad de Valdemora prometió",),
    },
    ARABIC_ARTICLE.file: {
        # Arabic-Indic digits only in the last two.
        "has_number": ("تعهدت حكومة", "وتساءل النائب", "وصرح متحدث"),
        "has_quote": ("وقال محافظ", "أكد ماركوس فيبر", "وأضاف:", "وتساءل النائب", "قالت منصور"),
        "has_attribution": ("أكد ماركوس فيبر", "قالت منصور", "وتفقد الشبكة", "وصرح متحدث"),
        "has_date": ("تعهدت حكومة", "وكانت الحكومة السابقة"),
    },
}


@ARTICLES
def test_the_hints_find_numbers_quotes_and_attributions(
    db: Session, app: Flask, people: tuple[User, User], spec: DemoArticle
) -> None:
    article, _created, _annotations = load(db, app, spec, people)
    for hint, starts in HINTS[spec.file].items():
        for start in starts:
            assert getattr(claim(article, start), hint), (hint, start)
    # A sentence with none of them gets none.
    quiet = claim(article, "لكن المعارضة" if spec.language == "ar" else "El consejero de Hacienda")
    assert not (quiet.has_number or quiet.has_quote or quiet.has_attribution)


def test_the_hints_find_arabic_attribution_with_a_conjunction(
    db: Session, app: Flask, people: tuple[User, User]
) -> None:
    article, _created, _annotations = load(db, app, ARABIC_ARTICLE, people)
    for start in ("وقال محافظ", "وأضاف:", "وأوضح الخطيب"):
        assert claim(article, start).has_attribution, start


def totals(db: Session) -> tuple[int, ...]:
    db.expire_all()
    return tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (Article, Claim, Annotation, Review, AuditEvent)
    )


@ARTICLES
def test_loading_twice_changes_nothing_the_second_time(
    db: Session, app: Flask, people: tuple[User, User], spec: DemoArticle
) -> None:
    article, created, annotations = load(db, app, spec, people)
    assert created
    assert annotations == len(spec.annotations) + len(spec.second_opinions)
    assert article.language == spec.language
    assert (article.title, article.outlet) == (spec.title, spec.outlet)
    assert len(article.claims) == len(EXPECTED[spec.file])
    before = totals(db)
    again, created_again, annotations_again = load(db, app, spec, people)
    assert (again.id, created_again, annotations_again) == (article.id, False, 0)
    assert totals(db) == before


@ARTICLES
def test_the_annotations_are_in_every_state(
    db: Session, app: Flask, people: tuple[User, User], spec: DemoArticle
) -> None:
    annotator, reviewer = people
    article, _created, _annotations = load(db, app, spec, people)
    mine = db.scalars(
        select(Annotation)
        .join(Claim, Claim.id == Annotation.claim_id)
        .where(Claim.article_id == article.id, Annotation.annotator_id == annotator.id)
    ).all()
    by_state = {annotation.state: annotation for annotation in mine}
    assert len(by_state) == len(mine) == len(spec.annotations)
    assert set(by_state) == set(AnnotationState)
    # Each is on the claim its spec names, with its verdict.
    for item, annotation in zip(spec.annotations, sorted(mine, key=lambda a: a.id), strict=True):
        assert annotation.claim.text.startswith(item.claim_starts)
        assert annotation.verdict is not None and annotation.verdict.key == item.verdict
        assert annotation.claimant == item.claimant
    sent_back = by_state[AnnotationState.CHANGES_REQUESTED]
    review = db.scalar(select(Review).where(Review.annotation_id == sent_back.id))
    assert review is not None and review.decision is Decision.REQUEST_CHANGES
    assert review.reviewer_id == reviewer.id and review.comment.strip()
    # The reviewer's second opinions wait for review.
    theirs = db.scalars(
        select(Annotation.state)
        .join(Claim, Claim.id == Annotation.claim_id)
        .where(Claim.article_id == article.id, Annotation.annotator_id == reviewer.id)
    ).all()
    assert theirs == [AnnotationState.SUBMITTED] * len(spec.second_opinions)
