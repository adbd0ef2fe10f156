"""Check-worthiness hints: cheap signals that a sentence is worth checking.

English has the fullest word lists; the other languages the segmenter supports have
their own numbers with local separators (``1.234,5``, ``1 234,5``: digits either way),
quotation marks (« » with thin spaces, „ “, 「 」), month and day names, and the verbs
news copy uses to attribute a claim (said, sagte, a déclaré, afirmó...). A language
without a list of its own gets the parts that need no words: digits, quotation marks,
numeric dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

HINT_NAMES = ("number", "quote", "attribution", "comparison", "date")


def hint_names(flags: Iterable[bool]) -> list[str]:
    """The names of the hints whose flags (``has_<name>``, in :data:`HINT_NAMES`'
    order) are set, in that order."""
    return [name for name, has in zip(HINT_NAMES, flags, strict=True) if has]


# -- what needs no words ----------------------------------------------------------------

#: Quotations in any script: “…” ‘…’ "…", „…“ „…” (German, Polish), «…» and »…« (with or
#: without thin spaces), ‹…›, 「…」 『…』 (Chinese, Japanese), ״…״ is rare enough to skip.
_QUOTE = re.compile(
    r"[“„«‹][^”“«»]+[”“»›]"
    r"|»[^«»]+«"
    r"|\"[^\"]{2,}\""
    r"|‘[^’]{3,}’"
    r"|[「『][^」』]+[」』]"
)
#: Digits of any script (Arabic-Indic, Devanagari... are \d too) and numeric dates.
_DIGIT = re.compile(r"\d")
_NUMERIC_DATE = re.compile(
    r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{4}-\d{2}-\d{2}\b|\b(?:19|20)\d\d\b"
)

# -- English --------------------------------------------------------------------------

_EN_NUMBER = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|"
    r"per ?cent|percent|quarter|double|triple"
)
_EN_ATTRIBUTION = (
    r"said|says|say|told|tells|according to|claimed|claims|stated|states|announced|"
    r"insisted|argued|reported|wrote|tweeted|posted|warned|added|confirmed|denied|"
    r"admitted|suggested|revealed|spokes(?:man|woman|person)"
)
_EN_COMPARISON = (
    r"than|more|less|fewer|most|least|higher|lower|larger|smaller|bigger|greater|"
    r"biggest|largest|highest|lowest|worst|best|increase[ds]?|decrease[ds]?|rose|risen|"
    r"fell|fallen|doubled|tripled|halved|record|compared|versus|vs\.?"
)
_EN_DATE = (
    r"January|February|March|April|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow|tonight|ago|last "
    r"(?:week|month|year)|next (?:week|month|year)"
)
#: "May" is a month and a verb; count it only beside a day number or after "in".
_MAY = re.compile(r"\bMay\s+\d|\d\s+May\b|\b[Ii]n May\b")


#: Per language: (number words, attribution, comparison, dates), each an alternation of
#: words. Lower case: matched ignoring case (but English dates, see ``_patterns``).
_WORDS: dict[str, tuple[str, str, str, str]] = {
    "en": (_EN_NUMBER, _EN_ATTRIBUTION, _EN_COMPARISON, _EN_DATE),
    "de": (
        r"eins|zwei|drei|vier|fünf|zehn|zwanzig|hundert|tausend|million(?:en)?|"
        r"milliarde(?:n)?|prozent|hälfte|doppelt|dutzend",
        r"sagte|sagt|sagten|erklärte|erklärt|betonte|teilte mit|berichtete|behauptete|"
        r"warnte|kündigte an|bestätigte|dementierte|laut|zufolge|nach angaben|sprecher(?:in)?",
        r"mehr|weniger|höher|niedriger|größer|kleiner|meisten|höchste[nrs]?|niedrigste[nrs]?|"
        r"gestiegen|stieg|gesunken|sank|verdoppelt|halbiert|rekord|als|im vergleich",
        r"januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|"
        r"dezember|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|gestern|"
        r"heute|morgen|vorige[nr]? woche|letzte[nr]? (?:woche|monat|jahr)",
    ),
    "fr": (
        r"un|deux|trois|quatre|cinq|dix|vingt|cent|mille|millions?|milliards?|"
        r"pour ?cent|moitié|double|douzaine",
        r"a déclaré|a dit|dit|déclare|a affirmé|affirme|a annoncé|annonce|a assuré|assure|"
        r"a expliqué|a indiqué|a souligné|a averti|a confirmé|a démenti|selon|d'après|"
        r"porte-parole",
        r"plus|moins|davantage|supérieure?s?|inférieure?s?|hausse|baisse|augment\w*|"
        r"diminu\w*|doublé|record|par rapport",
        r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
        r"décembre|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|hier|aujourd'hui|"
        r"demain",
    ),
    "es": (
        r"uno|dos|tres|cuatro|cinco|diez|veinte|cien|mil|millones?|miles de millones|"
        r"por ?ciento|mitad|doble|docena",
        r"dijo|dice|afirmó|afirma|declaró|declara|aseguró|asegura|anunció|anuncia|"
        r"explicó|señaló|advirtió|confirmó|negó|según|portavoz",
        r"más|menos|mayor|menor|superior|inferior|aument\w*|disminu\w*|subió|bajó|cayó|"
        r"duplicó|récord|comparado|frente a",
        r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
        r"diciembre|lunes|martes|miércoles|jueves|viernes|sábado|domingo|ayer|hoy|mañana",
    ),
    "pt": (
        r"um|dois|três|quatro|cinco|dez|vinte|cem|mil|milhões|milhão|bilhões|por ?cento|"
        r"metade|dobro|dúzia",
        r"disse|diz|afirmou|afirma|declarou|assegurou|anunciou|explicou|alertou|"
        r"confirmou|negou|segundo|de acordo com|porta-voz",
        r"mais|menos|maior|menor|superior|inferior|aument\w*|diminu\w*|subiu|caiu|"
        r"dobrou|recorde|comparado",
        r"janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|"
        r"dezembro|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|sábado|"
        r"domingo|ontem|hoje|amanhã",
    ),
    "it": (
        r"uno|due|tre|quattro|cinque|dieci|venti|cento|mille|milioni|miliardi|per ?cento|"
        r"metà|doppio|dozzina",
        r"ha detto|dice|ha dichiarato|ha affermato|afferma|ha annunciato|ha spiegato|"
        r"ha sottolineato|ha avvertito|ha confermato|ha smentito|secondo|portavoce",
        r"più|meno|maggiore|minore|superiore|inferiore|aument\w*|diminu\w*|salito|sceso|"
        r"raddoppiato|record|rispetto a",
        r"gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|"
        r"novembre|dicembre|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica|ieri|"
        r"oggi|domani",
    ),
    "nl": (
        r"een|twee|drie|vier|vijf|tien|twintig|honderd|duizend|miljoen|miljard|procent|"
        r"helft|dubbel",
        r"zei|zegt|verklaarde|stelde|meldde|kondigde aan|waarschuwde|bevestigde|ontkende|"
        r"volgens|woordvoerder",
        r"meer|minder|hoger|lager|groter|kleiner|gestegen|steeg|gedaald|daalde|verdubbeld|"
        r"record|dan|vergeleken",
        r"januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|"
        r"december|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|gisteren|"
        r"vandaag|morgen",
    ),
    "pl": (
        r"jeden|dwa|trzy|cztery|pięć|dziesięć|sto|tysiąc\w*|milion\w*|miliard\w*|procent\w*|"
        r"połow\w*",
        r"powiedział[a]?|mówi|stwierdził[a]?|oświadczył[a]?|zapowiedział[a]?|ogłosił[a]?|"
        r"poinformował[a]?|ostrzegł[a]?|potwierdził[a]?|zaprzeczył[a]?|według|rzecznik\w*",
        r"więcej|mniej|wyższ\w*|niższ\w*|większ\w*|mniejsz\w*|wzrósł|wzrosła|spadł[a]?|"
        r"podwoił\w*|rekord\w*|niż",
        r"stycz\w*|lut\w*|mar\w*|kwie\w*|maj\w*|czerw\w*|lip\w*|sierp\w*|wrze\w*|"
        r"październik\w*|listopad\w*|grud\w*|poniedziałek|wtorek|środa|czwartek|piątek|"
        r"sobota|niedziela|wczoraj|dzisiaj|jutro",
    ),
    "ru": (
        r"один|два|три|пять|десять|сто|тысяч\w*|миллион\w*|миллиард\w*|процент\w*|"
        r"половин\w*|вдвое",
        r"сказал[аи]?|заявил[аи]?|сообщил[аи]?|отметил[аи]?|подчеркнул[аи]?|объявил[аи]?|"
        r"предупредил[аи]?|подтвердил[аи]?|опроверг\w*|по словам|по данным|согласно|"
        r"пресс-секретар\w*",
        r"больше|меньше|выше|ниже|вырос\w*|снизил\w*|упал\w*|удвоил\w*|рекорд\w*|чем|"
        r"по сравнению",
        r"январ\w*|феврал\w*|март\w*|апрел\w*|ма[йя]|июн\w*|июл\w*|август\w*|"
        r"сентябр\w*|октябр\w*|ноябр\w*|декабр\w*|понедельник|вторник|сред[ау]|четверг|"
        r"пятниц[ау]|суббот[ау]|воскресенье|вчера|сегодня|завтра",
    ),
    "uk": (
        r"один|два|три|п'ять|десять|сто|тисяч\w*|мільйон\w*|мільярд\w*|відсот\w*|"
        r"половин\w*",
        r"сказав|сказала|заявив|заявила|повідомив|повідомила|зазначив|зазначила|"
        r"наголосив|оголосив|попередив|підтвердив|заперечив|за словами|за даними|згідно з|"
        r"речни\w*",
        r"більше|менше|вище|нижче|зріс|зросла|знизи\w*|впав|впала|подвої\w*|рекорд\w*|ніж|"
        r"порівняно",
        r"січ\w*|лют\w*|берез\w*|квіт\w*|трав\w*|черв\w*|лип\w*|серп\w*|верес\w*|жовт\w*|"
        r"листопад\w*|груд\w*|понеділок|вівторок|середа|четвер|п'ятниця|субота|неділя|"
        r"вчора|сьогодні|завтра",
    ),
    "tr": (
        r"bir|iki|üç|beş|on|yüz|bin|milyon|milyar|yüzde|yarı|iki katı",
        r"dedi|söyledi|açıkladı|belirtti|vurguladı|duyurdu|uyardı|doğruladı|yalanladı|"
        r"göre|sözcüsü",
        r"daha|fazla|az|yüksek|düşük|arttı|azaldı|düştü|iki katına|rekor|kıyasla",
        r"ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık|"
        r"pazartesi|salı|çarşamba|perşembe|cuma|cumartesi|pazar|dün|bugün|yarın",
    ),
    "ar": (
        r"واحد|اثنان|ثلاثة|عشرة|مئة|مائة|ألف|آلاف|مليون|ملايين|مليار|بالمئة|في المئة|"
        r"بالمائة|نصف|ضعف",
        r"قال|قالت|يقول|تقول|صرح|صرحت|أعلن|أعلنت|أكد|أكدت|أوضح|أوضحت|أشار|أشارت|أضاف|"
        r"أضافت|ذكر|ذكرت|تساءل|تساءلت|حذر|حذرت|نفى|نفت|وفقا|وفقًا|بحسب|حسب|متحدث",
        r"أكثر|أقل|أعلى|أدنى|أكبر|أصغر|ارتفع|ارتفعت|انخفض|انخفضت|تضاعف|قياسي|مقارنة",
        r"يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر|"
        r"كانون|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين|الاثنين|الثلاثاء|"
        r"الأربعاء|الخميس|الجمعة|السبت|الأحد|أمس|اليوم|غدا",
    ),
    "hi": (
        r"एक|दो|तीन|दस|सौ|हज़ार|हजार|लाख|करोड़|प्रतिशत|फ़ीसदी|फीसदी|आधा|दोगुना",
        r"कहा|बताया|कहते|घोषणा|दावा|चेतावनी|पुष्टि|खंडन|अनुसार|प्रवक्ता",
        r"अधिक|ज़्यादा|ज्यादा|कम|बढ़|घट|रिकॉर्ड|तुलना",
        r"जनवरी|फ़रवरी|फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर|अक्टूबर|नवंबर|दिसंबर|"
        r"सोमवार|मंगलवार|बुधवार|गुरुवार|शुक्रवार|शनिवार|रविवार|कल|आज",
    ),
    "zh": (
        # Two numerals at least: a lone 一 is in countless words (一些, 统一).
        r"[〇一二两三四五六七八九十百千万亿]{2,}|百分之|一半|翻番|倍",
        r"说|表示|称|宣布|指出|强调|警告|证实|否认|据|根据|发言人",
        r"更多|更少|高于|低于|增加|增长|减少|下降|上升|翻倍|创纪录|相比|比",
        r"[一二三四五六七八九十\d]+月|星期[一二三四五六日天]|周[一二三四五六日]|昨天|今天|明天|去年|今年",
    ),
    "ja": (
        r"[一二三四五六七八九十百千万億]{2,}|パーセント|半分|倍",
        r"と述べた|と語った|と話した|と発表した|と説明した|と強調した|によると|によれば|"
        r"報道官|広報",
        r"より|以上|以下|増加|減少|上昇|低下|倍増|過去最高|過去最低|比べ",
        r"[一二三四五六七八九十\d]+月|[月火水木金土日]曜日?|昨日|今日|明日|去年|今年",
    ),
}
#: Scripts written without spaces: words are matched anywhere, not between boundaries.
_UNSPACED = frozenset({"zh", "ja"})
#: Conjunctions written joined to the next word: Arabic "و" (and) and "ف" (so) make
#: "وقال" and "فأكد" of "قال" and "أكد".
_CLITICS = {"ar": "[وف]?"}
#: Written in Devanagari.
_INDIC = frozenset({"hi", "mr"})


@cache
def _patterns(language: str) -> tuple[re.Pattern[str] | None, ...]:
    """(number, attribution, comparison, date, "May") word patterns of a language tag's
    primary subtag; all None for a language without word lists, "May" English only."""
    primary = (language or "en").split("-", 1)[0].lower()
    words = _WORDS.get(primary)
    if words is None:
        return (None,) * 5
    start = end = "" if primary in _UNSPACED else r"\b"
    if primary in _INDIC:
        # Devanagari's vowel signs are not word characters to ``re``: \b would find
        # word edges inside words (and none after "कहा"); look at the script instead.
        start, end = r"(?<![\u0900-\u097F\w])", r"(?![\u0900-\u097F\w])"
    if primary in _CLITICS:
        start += _CLITICS[primary]
    english = primary == "en"
    compiled = [
        # English dates keep their capitals: "March" is a month, "march" a walk.
        re.compile(
            f"{start}(?:{alternation}){end}",
            0 if english and position == 3 else re.IGNORECASE,
        )
        for position, alternation in enumerate(words)
    ]
    return (*compiled, _MAY if english else None)


def claim_hints(text: str, language: str = "en") -> dict[str, bool]:
    """Return ``{"has_number": bool, ...}`` for the claim text in ``language`` (a tag
    such as ``de`` or ``pt-BR``), keyed like Claim columns."""
    number, attribution, comparison, date, may = _patterns(language)
    return {
        "has_number": bool(_DIGIT.search(text) or (number and number.search(text))),
        "has_quote": bool(_QUOTE.search(text)),
        "has_attribution": bool(attribution and attribution.search(text)),
        "has_comparison": bool(comparison and comparison.search(text)),
        "has_date": bool(
            (date and date.search(text)) or _NUMERIC_DATE.search(text) or (may and may.search(text))
        ),
    }
