"""A newsroom-sized corpus for benchmarks, written straight into a migrated, empty database.

``build_newsroom(connection, NewsroomSize())`` fills the database behind ``connection``
with users, articles, claims, assignments, annotations, sources and reviews: 100,000
articles and a million claims by default. Rows go in by bulk SQL (Core ``insert()`` with
lists of rows, thousands at a time) with their ids given, so nothing is read back while
building, and every row keeps the schema's rules: claim offsets slice the body,
``body_sha256`` is the body's hash, at most one approved annotation per claim, one
annotation per annotator and claim, review histories that the workflow allows (versions,
timestamps, comments where a decision needs one, never the author as reviewer). The
audit history is left empty: its events are hash-linked and written by the app only.

Text is news English: sentences built from templates (statistics, quotations in curly
quotes, attributions, comparisons) around Zipf-distributed words from
``newsroom_words.txt`` and a long tail of made-up names, with places, people,
organisations, numbers with units and dates, a few of them accented (Zoë, Gdańsk,
Müller, São Paulo). So full-text searches meet very common words ("the" in nearly every
claim), rare ones (of 59,000 distinct words in the default corpus, 10,000 are in one
article only), phrases ("per cent", "Home Office") and shared prefixes (hous-, vaccin-)
as in a real archive. The same size and seed always give the same rows.

Speed, default size, 2 cores: about 110 s on SQLite (650 MB), of which the app's own
``claim_hints`` takes a third, making the text another third, and the inserts the rest;
PostgreSQL takes about 1.5 times as long (the server inserts row by row).

Bench scripts import it as ``_newsroom`` (their own directory comes first on sys.path),
tests as ``bench._newsroom``. Run it to build a database:

    .venv/bin/python bench/_newsroom.py --url sqlite:////tmp/newsroom.sqlite --articles 1000
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
import time
import unicodedata
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":  # run as a script: make config, factcheck and _common importable
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import sqlalchemy  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from factcheck.annotations.models import Annotation, Source  # noqa: E402
from factcheck.annotations.tallies import recount as recount_tallies  # noqa: E402
from factcheck.articles.hints import claim_hints  # noqa: E402
from factcheck.articles.models import Article, Assignment, Claim  # noqa: E402
from factcheck.review.models import Review  # noqa: E402
from factcheck.review.tallies import recount_approvals  # noqa: E402
from factcheck.users.models import User  # noqa: E402
from factcheck.verdicts.models import Verdict  # noqa: E402

#: Every generated account's password, so that benchmarks can log in as anyone.
NEWSROOM_PASSWORD = "newsroom bench password"
#: The generated accounts' email domain.
EMAIL_DOMAIN = "newsroom.example.org"
#: The corpus's "now": articles are published in the year before it, work ends by it.
CORPUS_END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)

WORDS_FILE = Path(__file__).with_name("newsroom_words.txt")


@dataclass(frozen=True)
class NewsroomSize:
    """How much to generate. The defaults are the million-claim newsroom of issue 17."""

    articles: int = 100_000
    #: The average: articles vary in length, the total is ``articles * claims_per_article``.
    claims_per_article: int = 10
    #: Share of claims with at least one annotation (0.3: 300,000 claims of a million).
    annotated_share: float = 0.3
    #: Share of annotated claims that a second annotator annotated too.
    double_annotated_share: float = 0.08
    #: Annotators, reviewers and admins together (at least 3).
    users: int = 60
    seed: int = 20261129

    @property
    def claims(self) -> int:
        return self.articles * self.claims_per_article


@dataclass(frozen=True)
class NewsroomStats:
    """What :func:`build_newsroom` wrote."""

    #: Rows written per table.
    rows: dict[str, int]
    #: Annotations per state.
    annotation_states: dict[str, int]
    #: Wall-clock time of the whole build (sequences and ANALYZE included).
    seconds: float
    #: The first id of each table's rows.
    first_ids: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        rows = ", ".join(f"{table} {count:,}" for table, count in self.rows.items())
        states = ", ".join(f"{s} {n:,}" for s, n in self.annotation_states.items())
        return f"{rows}\nannotations by state: {states}\nbuilt in {self.seconds:.1f} s"


# --- words and names ---------------------------------------------------------------------


@cache
def _vocabulary() -> tuple[str, ...]:
    """The words of ``newsroom_words.txt`` in rank order, each once."""
    seen: dict[str, None] = {}
    for line in WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            seen.update(dict.fromkeys(line.split()))
    return tuple(seen)


#: Syllables of the made-up names in the vocabulary's long tail; a few accented.
ONSETS = "b br c cl cr d dr f fl g gl gr h j k kr l m n p pl pr qu r s sh sk st str t th tr v w z"
VOWELS = "a e i o u a e i o u a e i o ai ea ie ou oo ay é ö ü"
CODAS = "_ _ _ _ _ n r l s th ck nd rt m ng x sk ll"
ENDINGS = "_ _ _ _ _ _ _ _ ski son ova ez ington ham stadt berg ridge agh ane ey"
#: The long tail's weight beside the listed words (0.1: about 4% of generated words).
RARE_WEIGHT = 0.1


@cache
def _rare_words(count: int = 60_000) -> tuple[str, ...]:
    """Made-up names of minor people, places and firms: an archive's long tail.

    Real news has words that occur a handful of times or once (surnames, townlands,
    brand names), far more than a word list can hold; these are built from syllables,
    the same ones whatever the seed, so that a search benchmark can name them.
    """
    rng = Random(1729)
    syllables = [
        onset + vowel + coda.strip("_")
        for onset in ONSETS.split()
        for vowel in VOWELS.split()
        for coda in CODAS.split()
    ]
    endings = [ending.strip("_") for ending in ENDINGS.split()]
    known = {word.lower() for word in _vocabulary()}
    words: dict[str, None] = {}
    while len(words) < count:
        word = "".join(rng.choices(syllables, k=2 if rng.random() < 0.75 else 3))
        word += rng.choice(endings)
        if word not in known:
            words[word.capitalize()] = None
    return tuple(words)


FIRST_NAMES = (
    "John Mary Michael Sarah David Aoife Patrick Emma Seán Niamh James Claire Paul Laura "
    "Ciarán Siobhán Mark Orla Peter Fiona Brian Helen Declan Róisín Kevin Catherine Eoin "
    "Rachel Darragh Grace Thomas Hannah Daniel Louise Richard Sophie Andrew Nicola Simon "
    "Olivia Pádraig Saoirse Mícheál Fionnuala Cian Zoë José María João Inês François "
    "Amélie Hélène Jürgen Jörg Björn Søren Åsa Łukasz Małgorzata Agnieszka Piotr "
    "Katarzyna Tomasz Anna Marco Giulia Luca Chiara Sofia Elena Dimitris Nikos Ayşe Mehmet "
    "Olena Oleksandr Andrii Priya Rahul Aisha Fatima Mohammed Omar Wei Mei Hiroshi Yuki "
    "Chidi Amara Kwame Robert Elizabeth Margaret Gemma Susan Karen Joanne Matthew"
).split()

SURNAMES = [
    *(
        "Murphy Kelly O'Brien Byrne Ryan O'Sullivan Walsh Smith McCarthy O'Connor Doyle "
        "Gallagher Kennedy Lynch Murray Quinn Moore McLoughlin Jones Williams Taylor Brown "
        "Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker White "
        "Edwards Hughes Green Hall Lewis Harris Clarke Patel Khan Ali Ahmed Singh Shah Nowak "
        "Kowalski Wiśniewski Wójcik Kamiński Lewandowski Zieliński Dubois Lefèvre Moreau "
        "Girard Bonnet Fernández García Martínez López Sánchez Pérez Gómez Ruiz Núñez "
        "Gonçalves Conceição Araújo Ferreira Silva Santos Costa Oliveira Rossi Russo Ferrari "
        "Esposito Bianchi Romano Colombo Müller Schmidt Schneider Fischer Weber Meyer Wagner "
        "Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Jansen "
        "Bakker Visser Peeters Janssens Maes Jacobs Andersen Nielsen Hansen Pedersen "
        "Johansson Andersson Karlsson Nilsson Eriksson Larsen Korhonen Virtanen Mäkinen "
        "Nieminen Papadopoulos Georgiou Horváth Nagy Kovács Novák Dvořák Černý Popescu "
        "Ionescu Yılmaz Kaya Demir Şahin Çelik Kovalenko Shevchenko Bondarenko Nguyen Tanaka "
        "Kim Chen Wang Okafor Mensah Adeyemi Ndlovu"
    ).split(),
    "Ní Bhriain",
    "Ní Chonaill",
    "Mac Giolla Phádraig",
    "Ó Súilleabháin",
    "de Vries",
]

PLACES = (
    "Dublin|London|Brussels|Cork|Belfast|Paris|Berlin|Galway|Limerick|Manchester|"
    "Birmingham|Glasgow|Edinburgh|Cardiff|Leeds|Liverpool|Bristol|Waterford|Kilkenny|"
    "Sligo|Derry|Athlone|Madrid|Lisbon|Rome|Milan|Warsaw|Gdańsk|Kraków|Łódź|Wrocław|"
    "Prague|Vienna|Budapest|Zürich|Geneva|Amsterdam|Rotterdam|Antwerp|Luxembourg|"
    "Copenhagen|Malmö|Stockholm|Oslo|Helsinki|Reykjavík|Tallinn|Riga|Vilnius|Athens|"
    "Thessaloniki|Istanbul|Kyiv|Lviv|Odesa|Bucharest|Sofia|Zagreb|Ljubljana|Belgrade|"
    "São Paulo|Rio de Janeiro|Bogotá|Mexico City|Córdoba|Málaga|Seville|Bilbao|A Coruña|"
    "Porto|Nice|Lyon|Marseille|Montréal|Toronto|New York|Washington|Boston|Chicago|"
    "Sydney|Auckland|Nairobi|Lagos|Cape Town|Tokyo|Seoul|Beijing|Shanghai|Delhi|Mumbai|"
    "Düsseldorf|Cologne|Munich|Frankfurt|Hamburg|Brno|Tromsø|Ålesund|Drogheda|Dundalk|"
    "Letterkenny|Tralee|Ennis|Navan|Wexford|Castlebar|Mullingar|Portlaoise"
).split("|")

ORGANISATIONS = (
    "Home Office|Department of Health|Department of Finance|Department of Education|"
    "Department of Housing|Department for Transport|Department for Work and Pensions|"
    "Treasury|Ministry of Defence|Foreign Office|Central Statistics Office|"
    "Office for National Statistics|Health Service Executive|NHS England|"
    "European Commission|European Parliament|European Central Bank|Central Bank of Ireland|"
    "Bank of England|International Monetary Fund|OECD|Eurostat|World Health Organization|"
    "World Bank|United Nations|UNHCR|International Energy Agency|"
    "Environmental Protection Agency|Met Éireann|Met Office|"
    "Economic and Social Research Institute|Institute for Fiscal Studies|"
    "Resolution Foundation|Irish Fiscal Advisory Council|Office for Budget Responsibility|"
    "Competition and Markets Authority|Ofgem|Ofcom|Ofwat|Environment Agency|Housing Agency|"
    "Residential Tenancies Board|Irish Congress of Trade Unions|Trades Union Congress|"
    "Irish Farmers' Association|National Farmers' Union|Confederation of British Industry|"
    "Ibec|Road Safety Authority|Transport for London|Iarnród Éireann|Uisce Éireann|"
    "Sustainable Energy Authority|EirGrid|National Grid|Courts Service|Garda Síochána|"
    "Metropolitan Police|Police Service of Northern Ireland|Crown Prosecution Service|"
    "Irish Prison Service|Focus Ireland|Shelter|Simon Community|Barnardos|"
    "Save the Children|Oxfam|Amnesty International|Red Cross|Médecins Sans Frontières|"
    "Greenpeace|Friends of the Earth|An Taisce|Teagasc|Bord Bia|Enterprise Ireland|"
    "IDA Ireland|Fáilte Ireland|Eurocontrol|Frontex|Europol|Bundesbank|Destatis|INSEE"
).split("|")

TOPICS = (
    "house prices|rents|asylum applications|hospital waiting lists|carbon emissions|"
    "youth unemployment|inflation|childcare costs|energy bills|knife crime|road deaths|"
    "homelessness|net migration|the national debt|defence spending|teacher numbers|"
    "GP waiting times|broadband coverage|wind power output|water leakage|sewage spills|"
    "vaccination rates|obesity rates|drug deaths|prison numbers|garda numbers|"
    "bus punctuality|rail fares|student fees|pension costs|food prices|mortgage arrears|"
    "trolley numbers|ambulance response times|emergency department waits|"
    "property tax receipts|corporation tax receipts|tourism revenue|beef exports|"
    "dairy exports|fuel prices|electric car sales|housing completions|"
    "planning applications|vacant homes|social housing waiting lists|school class sizes|"
    "the minimum wage|average earnings|child poverty|fuel poverty|life expectancy|"
    "birth rates|suicide rates|cancer survival rates|rainfall|average temperatures|"
    "air pollution|plastic waste|recycling rates|broadband speeds|crime rates|burglaries|"
    "shoplifting offences|cyberattacks|fraud losses|welfare spending|foreign aid|"
    "military spending|refugee arrivals|Ukrainian arrivals|peat extraction|forest cover|"
    "farm incomes|fertiliser use|nitrate levels|bathing water quality|flood defences|"
    "coastal erosion|measles cases|hospital-acquired infections|mental health referrals|"
    "disability payments|public sector pay|the state pension age|interest rates|"
    "household savings|business insolvencies|bank profits|airport passenger numbers|"
    "cycle lane spending|speeding fines|shopping centre footfall|hotel prices|"
    "data centre electricity use|solar installations|heat pump grants|retrofit grants|"
    "apprenticeship numbers|third-level dropout rates|literacy scores|"
    "overcrowding in prisons|court waiting times|legal aid costs|emergency accommodation"
).split("|")

OUTLETS: tuple[tuple[str, str], ...] = (
    ("The Irish Times", "irishtimes.com"),
    ("Irish Independent", "independent.ie"),
    ("RTÉ News", "rte.ie"),
    ("TheJournal.ie", "thejournal.ie"),
    ("Irish Examiner", "irishexaminer.com"),
    ("The Guardian", "theguardian.com"),
    ("BBC News", "bbc.co.uk"),
    ("The Times", "thetimes.co.uk"),
    ("The Telegraph", "telegraph.co.uk"),
    ("Financial Times", "ft.com"),
    ("The Independent", "independent.co.uk"),
    ("Daily Mail", "dailymail.co.uk"),
    ("The Sun", "thesun.co.uk"),
    ("Daily Mirror", "mirror.co.uk"),
    ("Evening Standard", "standard.co.uk"),
    ("Sky News", "news.sky.com"),
    ("ITV News", "itv.com"),
    ("The Scotsman", "scotsman.com"),
    ("The Herald", "heraldscotland.com"),
    ("Belfast Telegraph", "belfasttelegraph.co.uk"),
    ("The Irish News", "irishnews.com"),
    ("Business Post", "businesspost.ie"),
    ("Sunday Independent", "sundayindependent.ie"),
    ("Politico Europe", "politico.eu"),
    ("Euronews", "euronews.com"),
    ("Reuters", "reuters.com"),
    ("Associated Press", "apnews.com"),
    ("Agence France-Presse", "afp.com"),
    ("Deutsche Welle", "dw.com"),
    ("Le Monde", "lemonde.fr"),
    ("Der Spiegel", "spiegel.de"),
    ("El País", "elpais.com"),
    ("Gazeta Wyborcza", "wyborcza.pl"),
    ("Público", "publico.pt"),
    ("Corriere della Sera", "corriere.it"),
    ("Süddeutsche Zeitung", "sueddeutsche.de"),
    ("The Economist", "economist.com"),
    ("New Statesman", "newstatesman.com"),
    ("Limerick Leader", "limerickleader.ie"),
    ("Connacht Tribune", "connachttribune.ie"),
)

#: Where annotators find evidence: (publisher, site).
PUBLISHERS: tuple[tuple[str, str], ...] = (
    ("Central Statistics Office", "www.cso.ie"),
    ("Office for National Statistics", "www.ons.gov.uk"),
    ("Eurostat", "ec.europa.eu/eurostat"),
    ("Home Office", "www.gov.uk/government/organisations/home-office"),
    ("Department of Health", "www.gov.ie/en/organisation/department-of-health"),
    ("Health Service Executive", "www.hse.ie"),
    ("OECD", "www.oecd.org"),
    ("International Monetary Fund", "www.imf.org"),
    ("World Health Organization", "www.who.int"),
    ("European Central Bank", "www.ecb.europa.eu"),
    ("Houses of the Oireachtas", "www.oireachtas.ie"),
    ("Hansard", "hansard.parliament.uk"),
    ("Met Éireann", "www.met.ie"),
    ("Environmental Protection Agency", "www.epa.ie"),
    ("Residential Tenancies Board", "www.rtb.ie"),
    ("Daft.ie", "www.daft.ie"),
    ("Institute for Fiscal Studies", "ifs.org.uk"),
    ("Economic and Social Research Institute", "www.esri.ie"),
    ("Our World in Data", "ourworldindata.org"),
    ("UNHCR", "www.unhcr.org"),
    ("Bank of England", "www.bankofengland.co.uk"),
    ("Office for Budget Responsibility", "obr.uk"),
    ("Irish Fiscal Advisory Council", "www.fiscalcouncil.ie"),
    ("Road Safety Authority", "www.rsa.ie"),
    ("Garda Síochána", "www.garda.ie"),
)

ROLES = (
    "the Minister for Health|the Minister for Housing|the Minister for Finance|"
    "the Minister for Justice|the Tánaiste|the Taoiseach|the Home Secretary|"
    "the Chancellor|the opposition's housing spokesperson|an opposition TD|a Labour MP|"
    "a Conservative MP|a Green Party councillor|a Sinn Féin TD|a Fianna Fáil senator|"
    "a Fine Gael TD|a Social Democrats TD|an Independent TD|a Liberal Democrat peer"
).split("|")
#: Organisations named without "the".
BARE_ORGANISATIONS = frozenset(
    (
        "Eurostat|Ofgem|Ofcom|Ofwat|Ibec|Teagasc|Bord Bia|Enterprise Ireland|IDA Ireland|"
        "Fáilte Ireland|Eurocontrol|Frontex|Europol|Destatis|INSEE|Met Éireann|Uisce Éireann|"
        "Iarnród Éireann|EirGrid|National Grid|NHS England|Shelter|Barnardos|Oxfam|"
        "Amnesty International|Greenpeace|Friends of the Earth|An Taisce|Save the Children|"
        "Focus Ireland|Médecins Sans Frontières|Transport for London|Garda Síochána"
    ).split("|")
)
ORG_ROLES = (
    "a spokeswoman for {}|a spokesman for {}|chief economist at {}|head of research at {}|"
    "chief executive of {}|director of {}|a senior official at {}|a press officer for {}|"
    "chair of {}"
).split("|")
PLACE_ROLES = (
    "the Lord Mayor of {}|a councillor in {}|an MEP for {}|a landlord in {}|"
    "a tenant in {}|a nurse in {}|a farmer near {}|a shop owner in {}|a teacher in {}|"
    "a GP in {}|a researcher at the University of {}"
).split("|")

TIMEFRAMES = (
    "last year|in 2025|since 2019|in the year to March|over the past decade|this month|"
    "in the first quarter|between 2020 and 2024|on Tuesday|in May|"
    "in the three months to September|since the pandemic|over the past five years|"
    "last month|in the second half of 2025|compared with 2015|this year|"
    "in the year to June|since 2010|over the summer|in January|by the end of 2026|"
    "in the past 12 months|last week|in 2024|since records began in 1990"
).split("|")

RISES = "rose|increased|climbed|jumped|grew|edged up|surged|went up".split("|")
FALLS = "fell|decreased|dropped|declined|edged down|slumped|went down|eased".split("|")
RISEN = "risen|increased|climbed|jumped|grown|edged up|surged|gone up".split("|")
FALLEN = "fallen|decreased|dropped|declined|edged down|slumped|gone down|eased".split("|")
COMPARED = (
    "ran higher|stayed lower|rose faster|fell further|were twice as high|were far lower|"
    "grew more slowly"
).split("|")
COUNTED = (
    "people|households|patients|homes|jobs|students|asylum seekers|vehicles|children|"
    "families|workers|pupils|prisoners|passengers|nurses|gardaí|beds|applications"
).split("|")
COUNT_VERBS = (
    "were recorded|were registered|were waiting|were affected|were built|were added|"
    "were lost|were counted|were turned away|were housed"
).split("|")
UNITS = (
    "kilometres|degrees|megawatts|hectares|minutes|tonnes|litres|hours|days|weeks|"
    "gigawatt hours|square metres"
).split("|")
SECTIONS = (
    "news|politics|business|health|environment|world|ireland|uk|europe|crime|education|"
    "economy|climate|technology|opinion"
).split("|")
SUBHEADINGS = (
    "What the figures show|A record year|The view from {place}|Pressure on {topic}|"
    "What happens next|How {place} compares|Questions over {topic}|The cost of {topic}|"
    "Behind the numbers|A longer view"
).split("|")
MONTHS = (
    "January February March April May June July August September October November December"
).split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
REPLIES = (
    "there was no reply|they pointed to a 2019 report|they did not respond by publication|"
    "a spokesperson referred us to a press release"
).split("|")
SOURCE_FOLDERS = ("statistics", "publications", "news", "data", "reports")

#: Verdict keys of the default scale and how often each is the finding; keys that an
#: admin added later get weight 1.
VERDICT_WEIGHTS = {
    "true": 14,
    "mostly_true": 12,
    "mixed": 10,
    "misleading": 15,
    "mostly_false": 12,
    "false": 20,
    "disputed": 4,
    "unverifiable": 8,
    "not_a_claim": 5,
}

#: (state, weight) of an annotation's final state: older and recent work differ.
STATE_MIX = (
    ("approved", 52),
    ("submitted", 16),
    ("draft", 12),
    ("changes_requested", 11),
    ("rejected", 9),
)
RECENT_STATE_MIX = (
    ("approved", 22),
    ("submitted", 36),
    ("draft", 26),
    ("changes_requested", 11),
    ("rejected", 5),
)
#: The second annotation of a claim whose first one is approved: anything but approved.
SECOND_STATE_MIX = (("submitted", 30), ("rejected", 30), ("draft", 20), ("changes_requested", 20))


class _Zipf:
    """Items drawn with Zipf-Mandelbrot weights: the first is the most frequent."""

    __slots__ = ("cum", "hi", "items", "total")

    def __init__(
        self,
        items: Sequence[Any],
        exponent: float = 1.0,
        offset: float = 2.7,
        *,
        tail: Sequence[Any] = (),
        tail_weight: float = 1.0,
    ) -> None:
        """``tail`` continues the ranks after ``items`` with each weight times ``tail_weight``."""
        self.items = [*items, *tail]
        weights = [1.0 / (rank + offset) ** exponent for rank in range(len(self.items))]
        for rank in range(len(items), len(self.items)):
            weights[rank] *= tail_weight
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]
        self.hi = len(self.items) - 1

    def pick(self, random: Callable[[], float]) -> Any:
        return self.items[bisect(self.cum, random() * self.total, 0, self.hi)]

    def sample(self, rng: Random, k: int) -> list[Any]:
        return rng.choices(self.items, cum_weights=self.cum, k=k)


class _Weighted:
    """Items drawn with the weights given beside them."""

    __slots__ = ("cum", "hi", "items", "total")

    def __init__(self, pairs: Sequence[tuple[Any, float]]) -> None:
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]
        self.hi = len(self.items) - 1

    def pick(self, random: Callable[[], float]) -> Any:
        return self.items[bisect(self.cum, random() * self.total, 0, self.hi)]


_STATES = _Weighted(STATE_MIX)
_RECENT_STATES = _Weighted(RECENT_STATE_MIX)
_SECOND_STATES = _Weighted(SECOND_STATE_MIX)


class _Clock:
    """Work times of one article, squeezed to end before CORPUS_END, order kept.

    Times are generated as gaps after the import; the last weeks' articles would run
    past the corpus's "now". ``start + span * (1 - exp(-elapsed / span))`` is strictly
    increasing, always before ``start + span``, and nearly the identity for work that is
    short beside the time left (a year-old article's ten days move by a few hours).
    """

    __slots__ = ("span", "start")

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.span = (CORPUS_END - start).total_seconds()

    def __call__(self, moment: datetime) -> datetime:
        elapsed = (moment - self.start).total_seconds()
        return self.start + timedelta(seconds=self.span * -math.expm1(-elapsed / self.span))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slug(text: str, words: int = 8) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]) or "article"


class _Writer:
    """News English: claim sentences, headlines, rationales, quotes and comments."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.random = rng.random
        self.vocabulary = _Zipf(_vocabulary(), tail=_rare_words(), tail_weight=RARE_WEIGHT)
        self.places = _Zipf(PLACES, exponent=1.1)
        self.organisations = _Zipf(
            [name if name in BARE_ORGANISATIONS else f"the {name}" for name in ORGANISATIONS],
            exponent=0.9,
        )
        self.topics = _Zipf(TOPICS, exponent=0.8)
        self.publishers = _Zipf(PUBLISHERS, exponent=0.9)
        self.outlets = _Zipf(OUTLETS, exponent=0.9)
        # A cast of public figures, each with one role: a few are quoted constantly.
        cast = []
        for _ in range(900):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            kind = rng.random()
            if kind < 0.3:
                role = rng.choice(ROLES)
            elif kind < 0.75:
                role = rng.choice(ORG_ROLES).format(self.organisations.pick(rng.random))
            else:
                role = rng.choice(PLACE_ROLES).format(self.places.pick(rng.random))
            cast.append((name, role))
        self.cast = _Zipf(cast, exponent=0.9, offset=5)
        self.templates = _Zipf(
            [
                self._statistic,
                self._says,
                self._quote,
                self._told,
                self._count,
                self._in_place,
                self._comparison,
                self._claimed,
                self._plain,
                self._money,
                self._quote_inside,
                self._single_quote,
                self._question,
            ],
            exponent=0.6,
            offset=1.5,
        )

    # -- pieces

    def words(self, low: int, high: int) -> str:
        return " ".join(self.vocabulary.sample(self.rng, self.rng.randint(low, high)))

    def clause(self, low: int = 6, high: int = 16) -> str:
        """Words with, often, a topic, place or figure among them."""
        words = self.vocabulary.sample(self.rng, self.rng.randint(low, high))
        extra = self.random()
        if extra < 0.25:
            words.insert(self.rng.randrange(len(words)), self.topics.pick(self.random))
        elif extra < 0.4:
            words.insert(self.rng.randrange(len(words)), f"in {self.places.pick(self.random)}")
        elif extra < 0.5:
            words.insert(self.rng.randrange(len(words)), self.amount())
        return " ".join(words)

    def person(self) -> tuple[str, str]:
        return self.cast.pick(self.random)

    def percent(self) -> str:
        value = self.random()
        number = round(0.1 + 60 * value * value, 1)
        style = self.random()
        if style < 0.55:
            return f"{number}%"
        if style < 0.85:
            return f"{number} per cent"
        return f"{round(number)} per cent"

    def money(self) -> str:
        currency = "€£$"[bisect((0.55, 0.9), self.random())]
        value = self.random()
        if value < 0.45:
            return f"{currency}{round(0.1 + 40 * value * value, 1)} billion"
        if value < 0.9:
            return f"{currency}{self.rng.randint(2, 950)} million"
        return f"{currency}{self.rng.randint(100, 99_999):,}"

    def amount(self) -> str:
        kind = self.random()
        if kind < 0.35:
            return self.percent()
        if kind < 0.6:
            return self.money()
        if kind < 0.85:
            return f"{self.rng.randint(12, 250_000):,} {self.rng.choice(COUNTED)}"
        return f"{round(self.random() * 400, 1)} {self.rng.choice(UNITS)}"

    def when(self) -> str:
        if self.random() < 0.2:
            return f"on {self.rng.randint(1, 28)} {self.rng.choice(MONTHS)}"
        return self.rng.choice(TIMEFRAMES)

    def move(self) -> str:
        return self.rng.choice(RISES if self.random() < 0.6 else FALLS)

    def moved(self) -> str:
        return self.rng.choice(RISEN if self.random() < 0.6 else FALLEN)

    # -- claim sentences: each returns (sentence, claimant or "", gist)

    def claim(self, topic: str) -> tuple[str, str, str]:
        if self.random() >= 0.4:
            topic = self.topics.pick(self.random)
        return self.templates.pick(self.random)(topic)

    def _statistic(self, topic: str) -> tuple[str, str, str]:
        organisation = self.organisations.pick(self.random)
        gist = f"{topic} {self.move()} by {self.percent()} {self.when()}"
        return (
            f"{gist[0].upper()}{gist[1:]}, according to figures from {organisation}.",
            _capital(organisation),
            gist,
        )

    def _plain(self, topic: str) -> tuple[str, str, str]:
        gist = self.clause(8, 22)
        return f"{gist[0].upper()}{gist[1:]}.", "", gist

    def _says(self, topic: str) -> tuple[str, str, str]:
        name, role = self.person()
        gist = self.clause()
        verb = self.rng.choice(("said", "said", "says", "argued", "warned", "insisted"))
        return f"{name}, {role}, {verb} {gist}.", name, gist

    def _quote(self, topic: str) -> tuple[str, str, str]:
        name, role = self.person()
        gist = self.clause(6, 18)
        return f"“{gist[0].upper()}{gist[1:]},” said {name}, {role}.", name, gist

    def _told(self, topic: str) -> tuple[str, str, str]:
        organisation = self.organisations.pick(self.random)
        gist = self.clause()
        outlet = self.outlets.pick(self.random)[0]
        claimant = _capital(organisation)
        return f"{claimant} told {outlet} that {gist}.", claimant, gist

    def _in_place(self, topic: str) -> tuple[str, str, str]:
        gist = f"{self.clause(5, 12)} in {self.places.pick(self.random)} {self.when()}"
        return f"{gist[0].upper()}{gist[1:]}.", "", gist

    def _comparison(self, topic: str) -> tuple[str, str, str]:
        place, other = self.places.pick(self.random), self.places.pick(self.random)
        gist = f"{topic} in {place} {self.rng.choice(COMPARED)} than in {other}"
        text = f"{gist[0].upper()}{gist[1:]}, at {self.amount()} {self.when()}."
        return text, "", gist

    def _count(self, topic: str) -> tuple[str, str, str]:
        organisation = self.organisations.pick(self.random)
        number = f"{self.rng.randint(12, 250_000):,} {self.rng.choice(COUNTED)}"
        gist = f"{number} {self.rng.choice(COUNT_VERBS)} in {self.places.pick(self.random)}"
        text = f"{gist} {self.when()}, figures from {organisation} show."
        return text, _capital(organisation), gist

    def _claimed(self, topic: str) -> tuple[str, str, str]:
        name, _ = self.person()
        gist = (
            f"{topic} had {self.moved()} by {self.percent()} since {self.rng.randint(2008, 2024)}"
        )
        return f"{name} claimed that {gist}.", name, gist

    def _money(self, topic: str) -> tuple[str, str, str]:
        name, _ = self.person()
        organisation = self.organisations.pick(self.random)
        gist = (
            f"{organisation} will spend {self.money()} on {topic} over the next "
            f"{self.rng.randint(2, 10)} years"
        )
        day = self.rng.choice(WEEKDAYS)
        return f"{gist[0].upper()}{gist[1:]}, {name} announced on {day}.", name, gist

    def _quote_inside(self, topic: str) -> tuple[str, str, str]:
        name, _ = self.person()
        quoted = self.words(3, 8)
        gist = f"the {topic} figures were “{quoted}” and {self.clause(4, 10)}"
        return f"{name} said {gist}.", name, gist

    def _single_quote(self, topic: str) -> tuple[str, str, str]:
        name, _ = self.person()
        gist = self.clause(5, 12)
        return (
            f"{gist[0].upper()}{gist[1:]}, said {name}, adding: ‘{self.words(4, 10)}’.",
            name,
            gist,
        )

    def _question(self, topic: str) -> tuple[str, str, str]:
        gist = self.clause(6, 14)
        return f"Is it true that {gist}?", "", gist

    # -- everything else

    def subheading(self, topic: str, place: str) -> str:
        heading = self.rng.choice(SUBHEADINGS).format(topic=topic, place=place)
        return heading[0].upper() + heading[1:]

    def headline(self, topic: str, place: str) -> str:
        kind = self.random()
        name, _ = self.person()
        surname = name.split(" ", 1)[1]
        organisation = self.organisations.pick(self.random).removeprefix("the ")
        if kind < 0.2:
            text = f"{topic} {self.move()} {self.percent()} in {place}, {organisation} figures show"
        elif kind < 0.35:
            text = f"{surname} defends {topic} record as critics question figures"
        elif kind < 0.45:
            text = f"{place} {topic}: what the numbers say"
        elif kind < 0.55:
            text = f"Fact check: the truth about {topic} in {place}"
        elif kind < 0.7:
            text = f"{organisation} warns over {topic} as {self.words(3, 7)}"
        elif kind < 0.8:
            text = f"“{_capital(self.words(3, 7))}”: {surname} on {topic}"
        else:
            text = f"{self.words(4, 9)} in {place}"
        return text[0].upper() + text[1:]

    def rationale(self, verdict: str | None, claimant: str) -> str:
        organisation = self.organisations.pick(self.random)
        sentences = []
        if verdict:
            sentences.append(f"The claim is {verdict.lower()}: {self.clause(6, 14)}.")
        topic = self.topics.pick(self.random)
        sentences.append(
            f"Figures from {organisation} show that {topic} {self.move()} by "
            f"{self.percent()} {self.when()}, not {self.percent()} as claimed."
        )
        if claimant and self.random() < 0.5:
            sentences.append(
                f"We asked {claimant} for the source of the figure; {self.rng.choice(REPLIES)}."
            )
        for _ in range(self.rng.randint(0, 2)):
            gist = self.clause(8, 20)
            sentences.append(f"{gist[0].upper()}{gist[1:]}.")
        return " ".join(sentences)

    def summary(self, gist: str) -> str:
        if self.random() < 0.15:  # optional on the form, and often left empty
            return ""
        return gist[0].upper() + gist[1:200]

    def comment(self, decision: str) -> str:
        topic = self.topics.pick(self.random)
        organisation = self.organisations.pick(self.random)
        if decision == "approve":
            if self.random() < 0.7:
                return ""
            return self.rng.choice(
                (
                    "Good, clear rationale.",
                    f"Approved; thanks for adding the figures from {organisation}.",
                    "Fine.",
                    "Well sourced.",
                )
            )
        if decision == "request_changes":
            return self.rng.choice(
                (
                    f"Please link the primary source for the {topic} figure, not a news report.",
                    f"Say which year the figures from {organisation} are for.",
                    f"Add {organisation}'s response before this goes out.",
                    f"Check the figure against the latest release from {organisation}: "
                    f"{self.clause(4, 10)}.",
                    f"The verdict seems too strong given {self.clause(4, 10)}.",
                )
            )
        return self.rng.choice(
            (
                f"Not a checkable claim: it is an opinion about {topic}.",
                "Duplicate: this claim was already checked in an earlier article.",
                f"The claim was misattributed; {self.clause(4, 10)}.",
                "Prediction, not a factual claim.",
            )
        )


# --- the build ---------------------------------------------------------------------------

TABLES = ("users", "articles", "claims", "assignments", "annotations", "sources", "reviews")
_MODELS = {
    "users": User,
    "articles": Article,
    "claims": Claim,
    "assignments": Assignment,
    "annotations": Annotation,
    "sources": Source,
    "reviews": Review,
}


class _People:
    """The accounts' ids by what they do."""

    def __init__(self, annotators: list[int], reviewers: list[int]) -> None:
        self.annotators = annotators
        #: Reviewers and admins: they review, assign and import.
        self.reviewers = reviewers
        # Who annotates, the busiest first: reviewers annotate too, but less.
        self.workload = _Zipf(annotators + reviewers, exponent=0.5, offset=3)


def _password_hash(password: str) -> str:
    """One hash for every account, by the app's own hasher when an app is at hand."""
    from flask import has_app_context

    if has_app_context():
        from factcheck.users.operations import hash_password

        return hash_password(password)
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password)


def _email(name: str, taken: set[str]) -> str:
    base = _slug(name, 4).replace("-", ".")
    email, number = f"{base}@{EMAIL_DOMAIN}", 1
    while email in taken:
        number += 1
        email = f"{base}{number}@{EMAIL_DOMAIN}"
    taken.add(email)
    return email


class _Builder:
    def __init__(
        self,
        connection: sqlalchemy.Connection,
        size: NewsroomSize,
        progress: Callable[[str, int, int], None] | None,
        password: str,
    ) -> None:
        self.connection = connection
        self.size = size
        self.progress = progress
        self.password = password
        self.rng = Random(size.seed)
        self.writer = _Writer(self.rng)
        self.rows: Counter[str] = Counter()
        self.states: Counter[str] = Counter()
        self.next_id = {
            table: (connection.scalar(select(func.max(_MODELS[table].id))) or 0) + 1
            for table in TABLES
        }
        self.first_ids = dict(self.next_id)
        verdicts = connection.execute(
            select(Verdict.id, Verdict.key, Verdict.label).where(Verdict.active)
        ).all()
        if not verdicts:
            raise ValueError("no active verdicts: is the database migrated?")
        self.verdicts = _Weighted(
            [((row.id, row.label), VERDICT_WEIGHTS.get(row.key, 1)) for row in verdicts]
        )
        self.hashes: set[str] = set()
        #: The current article's clock, see work().
        self.clock = _Clock(CORPUS_END - timedelta(days=365))

    def take_ids(self, table: str, count: int) -> int:
        first = self.next_id[table]
        self.next_id[table] = first + count
        return first

    def write(self, table: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(_MODELS[table].__table__), rows)
            self.rows[table] += len(rows)

    # -- users

    def users(self) -> None:
        count = self.size.users
        roles = ["admin"] * max(1, round(count * 0.05))
        roles += ["reviewer"] * max(1, round(count * 0.2))
        roles += ["annotator"] * (count - len(roles))
        password_hash = _password_hash(self.password)
        first = self.take_ids("users", count)
        taken: set[str] = set()
        rows, annotators, reviewers = [], [], []
        start = CORPUS_END - timedelta(days=420)
        for offset, role in enumerate(roles):
            user_id = first + offset
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"
            created = start + timedelta(minutes=self.rng.randint(0, 60 * 24 * 40))
            # A few annotators left before the corpus starts: accounts without work.
            active = role != "annotator" or not annotators or self.rng.random() > 0.05
            last_login = CORPUS_END - timedelta(minutes=self.rng.randint(5, 20_000))
            rows.append(
                {
                    "id": user_id,
                    "email": _email(name, taken),
                    "name": name,
                    "password_hash": password_hash,
                    "role": role,
                    "active": active,
                    "created_at": created,
                    "last_login_at": last_login if active else created + timedelta(days=20),
                    "password_changed_at": created,
                }
            )
            if active:
                (annotators if role == "annotator" else reviewers).append(user_id)
        self.write("users", rows)
        self.people = _People(annotators, reviewers)
        self.journalists = {
            outlet: [
                f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}" for _ in range(8)
            ]
            for outlet, _ in OUTLETS
        }

    # -- articles and everything on them

    def article_lengths(self) -> list[int]:
        """Claims per article: varied, in pairs that add up to twice the average."""
        mean, lengths = self.size.claims_per_article, []
        spread = mean // 2
        for _ in range(self.size.articles // 2):
            delta = self.rng.randint(-spread, spread)
            lengths += [mean + delta, mean - delta]
        if self.size.articles % 2:
            lengths.append(mean)
        return lengths

    def publication_days(self) -> list[int]:
        """Days before CORPUS_END, oldest first (ids follow import order), fewer at weekends."""
        days = []
        randint, random = self.rng.randint, self.rng.random
        while len(days) < self.size.articles:
            day = randint(1, 365)
            weekday = (CORPUS_END.date() - timedelta(days=day)).weekday()
            if weekday < 5 or random() < 0.45:
                days.append(day)
        days.sort(reverse=True)
        return days

    def build(self) -> None:
        size = self.size
        if size.articles < 1 or size.claims_per_article < 1 or size.users < 3:
            raise ValueError("a newsroom needs an article, a claim per article and 3 users")
        if not 0 <= size.annotated_share <= 1 or not 0 <= size.double_annotated_share <= 1:
            raise ValueError("shares are between 0 and 1")
        self.users()
        lengths = self.article_lengths()
        days = self.publication_days()
        # Worked articles have most of their claims annotated; the rest none.
        self.worked_share = min(1.0, size.annotated_share / 0.8)
        self.claim_share = size.annotated_share / self.worked_share if self.worked_share else 0
        # Second annotators work on a quarter of the claims of the articles they are given,
        # or on more where more are asked for.
        self.double_articles = min(1.0, size.double_annotated_share * 4)
        self.double_claims = (
            size.double_annotated_share / self.double_articles if self.double_articles else 0
        )
        # About 20,000 claims a batch, with their articles, annotations and the rest.
        step = max(1, 20_000 // size.claims_per_article)
        for start in range(0, size.articles, step):
            self.batch(lengths[start : start + step], days[start : start + step])
            if self.progress:
                self.progress("articles", min(start + step, size.articles), size.articles)

    def batch(self, lengths: list[int], days: list[int]) -> None:
        """Write the next ``len(lengths)`` articles and everything on them."""
        rng, writer, random = self.rng, self.writer, self.rng.random
        tables: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLES[1:]}
        article_id = self.take_ids("articles", len(lengths))
        for length, day in zip(lengths, days, strict=True):
            self.article(article_id, length, day, tables, rng, writer, random)
            article_id += 1
        for table in TABLES[1:]:
            self.write(table, tables[table])

    def article(
        self,
        article_id: int,
        length: int,
        day: int,
        tables: dict[str, list[dict[str, Any]]],
        rng: Random,
        writer: _Writer,
        random: Callable[[], float],
    ) -> None:
        topic = writer.topics.pick(random)
        place = writer.places.pick(random)
        outlet, domain = writer.outlets.pick(random)
        published = CORPUS_END.date() - timedelta(days=day)
        midnight = datetime(published.year, published.month, published.day, tzinfo=UTC)
        latest = min(60 * 24 * 3, int((CORPUS_END - midnight).total_seconds() // 60) - 60)
        imported_at = midnight + timedelta(minutes=rng.randint(6 * 60, latest))
        heading_at = rng.randint(3, length - 2) if length >= 6 and random() < 0.15 else -1
        while True:
            body, spans = self.body(length, heading_at, topic, place, rng, writer, random)
            digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
            if digest not in self.hashes:  # the column is unique: never the same text twice
                self.hashes.add(digest)
                break
        title = writer.headline(topic, place)
        byline_kind = random()
        journalists = self.journalists[outlet]
        if byline_kind < 0.1:
            byline = None
        elif byline_kind < 0.85:
            byline = f"By {rng.choice(journalists)}"
        else:
            byline = f"By {rng.choice(journalists)} and {rng.choice(journalists)}"
        tables["articles"].append(
            {
                "id": article_id,
                "title": title,
                "outlet": outlet,
                "url": (
                    f"https://www.{domain}/{rng.choice(SECTIONS)}/{published:%Y/%m/%d}/"
                    f"{_slug(title)}-{article_id}"
                ),
                "byline": byline,
                "published_on": published,
                "language": "en",
                "body": body,
                "body_sha256": digest,
                # Mostly the desk (reviewers, admins); anyone may import.
                "imported_by_id": (
                    self.people.workload.pick(random)
                    if random() < 0.2
                    else rng.choice(self.people.reviewers)
                ),
                "imported_at": imported_at,
            }
        )
        first_claim = self.take_ids("claims", length)
        claims = tables["claims"]
        checkworthy = []
        for position, (start, end, kind, claimant, gist) in enumerate(spans):
            hints = claim_hints(body[start:end])
            claims.append(
                {
                    "id": first_claim + position,
                    "article_id": article_id,
                    "position": position,
                    "start": start,
                    "end": end,
                    "kind": kind,
                    **hints,
                }
            )
            worth = 1 + hints["has_number"] + hints["has_quote"] + hints["has_attribution"]
            checkworthy.append((worth * random(), position, claimant, gist))
        self.work(article_id, first_claim, imported_at, checkworthy, tables, rng, random)

    def body(
        self,
        length: int,
        heading_at: int,
        topic: str,
        place: str,
        rng: Random,
        writer: _Writer,
        random: Callable[[], float],
    ) -> tuple[str, list[tuple[int, int, str, str, str]]]:
        """The article text and its claims' (start, end, kind, claimant, gist)."""
        parts: list[str] = []
        spans = []
        cursor = 0
        for position in range(length):
            if position == heading_at:
                text, kind, claimant, gist = writer.subheading(topic, place), "heading", "", ""
            else:
                text, claimant, gist = writer.claim(topic)
                kind = "sentence"
            if position:
                # A heading stands on its own line; sentences form paragraphs.
                breaks = heading_at in (position, position - 1) or random() < 0.35
                separator = "\n\n" if breaks else " "
                parts.append(separator)
                cursor += len(separator)
            spans.append((cursor, cursor + len(text), kind, claimant, gist or text))
            parts.append(text)
            cursor += len(text)
        return "".join(parts), spans

    # -- annotation work

    def work(
        self,
        article_id: int,
        first_claim: int,
        imported_at: datetime,
        checkworthy: list[tuple[float, int, str, str]],
        tables: dict[str, list[dict[str, Any]]],
        rng: Random,
        random: Callable[[], float],
    ) -> None:
        people = self.people
        self.clock = _Clock(imported_at)
        # Work on an article takes days; the last two days' articles are still waiting.
        if random() >= self.worked_share or CORPUS_END - imported_at < timedelta(days=2):
            if random() < 0.04:  # given out, not started yet
                self.assign(article_id, people.workload.pick(random), imported_at, tables)
            return
        length = len(checkworthy)
        count = round(length * self.claim_share + rng.gauss(0, 0.8))
        count = min(length, max(1, count))
        checkworthy.sort(reverse=True)
        chosen = sorted(checkworthy[:count], key=lambda item: item[1])
        first = second = people.workload.pick(random)
        while second == first:
            second = people.workload.pick(random)
        double = random() < self.double_articles
        assigned_at = self.assign(article_id, first, imported_at, tables)
        # Each annotator starts some time after being given the article, then goes through
        # the claims in order.
        started = later = assigned_at + timedelta(minutes=rng.randint(20, 60 * 48))
        if double:
            second_assigned = self.assign(article_id, second, assigned_at, tables)
            later = second_assigned + timedelta(minutes=rng.randint(20, 60 * 48))
        recent = (CORPUS_END - imported_at).days < 30
        mix = _RECENT_STATES if recent else _STATES
        for _, position, claimant, gist in chosen:
            claim_id = first_claim + position
            started += timedelta(minutes=rng.randint(3, 40))
            state = mix.pick(random)
            verdict = self.annotate(claim_id, first, state, started, claimant, gist, None, tables)
            if double and random() < self.double_claims:
                other = (_SECOND_STATES if state == "approved" else mix).pick(random)
                later += timedelta(minutes=rng.randint(3, 40))
                self.annotate(claim_id, second, other, later, claimant, gist, verdict, tables)

    def assign(
        self,
        article_id: int,
        annotator_id: int,
        after: datetime,
        tables: dict[str, list[dict[str, Any]]],
    ) -> datetime:
        assigned_at = after + timedelta(minutes=self.rng.randint(5, 60 * 24))
        tables["assignments"].append(
            {
                "id": self.take_ids("assignments", 1),
                "article_id": article_id,
                "annotator_id": annotator_id,
                "assigned_by_id": self.rng.choice(self.people.reviewers),
                "assigned_at": self.clock(assigned_at),
            }
        )
        return assigned_at

    def annotate(
        self,
        claim_id: int,
        annotator_id: int,
        state: str,
        created_at: datetime,
        claimant: str,
        gist: str,
        agree_with: tuple[int, str] | None,
        tables: dict[str, list[dict[str, Any]]],
    ) -> tuple[int, str] | None:
        """One annotation with its sources and the reviews its state needs.

        Versions follow the app: 1 when created, +1 for every save and every state change
        (submit, and each review's decision); a review records the version it saw.
        """
        rng, random, writer = self.rng, self.rng.random, self.writer
        annotation_id = self.take_ids("annotations", 1)
        if state == "draft" and random() < 0.3:
            verdict = None
        elif agree_with and random() < 0.7:
            verdict = agree_with
        else:
            verdict = self.verdicts.pick(random)
        version, moment = 1, created_at
        for _ in range(rng.randint(0, 2)):  # saves before submitting
            version += 1
            moment += timedelta(minutes=rng.randint(1, 90))
        submitted_at = None
        if state != "draft":
            reviews = tables["reviews"]
            reviewer = rng.choice(self.people.reviewers)
            while reviewer == annotator_id:
                reviewer = rng.choice(self.people.reviewers)
            version, moment = version + 1, moment + timedelta(minutes=rng.randint(1, 60))
            submitted_at = moment
            rounds = rng.choices((0, 1, 2), (75, 20, 5))[0]
            decisions = ["request_changes"] * rounds
            final = {
                "approved": "approve",
                "rejected": "reject",
                "changes_requested": "request_changes",
            }.get(state)
            if final:
                decisions.append(final)
            for number, decision in enumerate(decisions):
                moment += timedelta(minutes=rng.randint(30, 60 * 36))
                reviews.append(
                    {
                        "id": self.take_ids("reviews", 1),
                        "annotation_id": annotation_id,
                        "reviewer_id": reviewer,
                        "annotator_id": annotator_id,
                        "decision": decision,
                        "comment": writer.comment(decision),
                        "annotation_version": version,
                        "created_at": self.clock(moment),
                    }
                )
                version += 1  # the decision's state change
                if number < rounds and (number + 1 < len(decisions) or state == "submitted"):
                    # Sent back and fixed: saves, then submitted again.
                    for _ in range(rng.randint(1, 2)):
                        version, moment = (
                            version + 1,
                            moment + timedelta(minutes=rng.randint(5, 600)),
                        )
                    version, moment = version + 1, moment + timedelta(minutes=rng.randint(1, 30))
                    submitted_at = moment
        self.states[state] += 1
        created = self.clock(created_at)
        verdict_id, verdict_label = verdict if verdict else (None, None)
        tables["annotations"].append(
            {
                "id": annotation_id,
                "claim_id": claim_id,
                "annotator_id": annotator_id,
                "verdict_id": verdict_id,
                "claimant": claimant[:300],
                "claim_summary": writer.summary(gist),
                "rationale": writer.rationale(verdict_label, claimant),
                "state": state,
                "version": version,
                "created_at": created,
                "updated_at": self.clock(moment),
                "submitted_at": submitted_at and self.clock(submitted_at),
            }
        )
        self.sources(annotation_id, verdict_label, created, tables["sources"])
        return verdict

    def sources(
        self,
        annotation_id: int,
        verdict_label: str | None,
        created_at: datetime,
        rows: list[dict[str, Any]],
    ) -> None:
        rng, random, writer = self.rng, self.rng.random, self.writer
        label = (verdict_label or "").lower()
        if "true" in label and "false" not in label:
            stances = ("supports", "supports", "context")
        elif "false" in label or "misleading" in label:
            stances = ("refutes", "refutes", "context")
        else:
            stances = ("disputes", "context", "supports", "refutes")
        accessed = (created_at - timedelta(hours=rng.randint(0, 72))).date()
        count = rng.choices((1, 2, 3), (40, 40, 20))[0]
        first = self.take_ids("sources", count)
        for position in range(count):
            publisher, site = writer.publishers.pick(random)
            topic = writer.topics.pick(random)
            if random() < 0.07:  # a phone call: no URL, the quote is the evidence
                name, role = writer.person()
                url = archive = None
                title = f"Telephone interview with {name}"
                publisher = role[:200]
                quote = f"“{writer.clause(8, 20)}”"
            else:
                year = accessed.year - rng.randint(0, 3)
                title = rng.choice(
                    (
                        f"{topic[0].upper()}{topic[1:]}, {year}",
                        f"Statistical release: {topic}",
                        f"Annual report {year}",
                        f"Written answer to parliamentary question {rng.randint(1000, 99999)}",
                        f"Press release: {writer.words(4, 9)}",
                    )
                )
                folder = rng.choice(SOURCE_FOLDERS)
                url = f"https://{site}/{folder}/{_slug(title, 6)}-{rng.randint(10, 9999)}"
                archive = (
                    f"https://web.archive.org/web/{accessed:%Y%m%d}120000/{url}"
                    if random() < 0.2
                    else None
                )
                quote = ""
                if random() >= 0.1:  # a link alone is evidence enough now and then
                    quote = (
                        f"{topic} {writer.move()} by {writer.percent()} {writer.when()}; "
                        f"{writer.clause(5, 14)}."
                    )
            rows.append(
                {
                    "id": first + position,
                    "annotation_id": annotation_id,
                    "position": position,
                    "url": url,
                    "title": title,
                    "publisher": publisher,
                    "quote": quote,
                    "stance": rng.choice(stances),
                    "accessed_on": accessed,
                    "archive_url": archive,
                }
            )


def _reset_sequences(connection: sqlalchemy.Connection) -> None:
    """PostgreSQL: ids were given, so move each table's sequence past the largest."""
    for table in TABLES:
        connection.exec_driver_sql(
            # The table names are this module's constants, not input.
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
        )


def _sqlite_tuning(connection: sqlalchemy.Connection) -> Callable[[], None]:
    """Build-time pragmas on the raw connection (no transaction may be open for them);
    returns what restores the connection's own settings, as it goes back to the pool."""
    raw = connection.connection.driver_connection
    synchronous = raw.execute("PRAGMA synchronous").fetchone()[0]
    cache_size = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute("PRAGMA journal_mode=WAL")
    # Nothing here is worth an fsync: a crash mid-build means building again anyway.
    raw.execute("PRAGMA synchronous=OFF")
    # Index pages of the claims and annotations tables stay in memory (256 MB).
    raw.execute("PRAGMA cache_size=-262144")

    def restore() -> None:
        raw.execute(f"PRAGMA synchronous={int(synchronous)}")
        raw.execute(f"PRAGMA cache_size={int(cache_size)}")

    return restore


def build_newsroom(
    connection: sqlalchemy.Connection,
    size: NewsroomSize = NewsroomSize(),
    *,
    progress: Callable[[str, int, int], None] | None = None,
    password: str = NEWSROOM_PASSWORD,
    analyze: bool = True,
) -> NewsroomStats:
    """Fill the migrated, empty database behind ``connection`` with a newsroom of ``size``.

    If the connection is outside a transaction, the build runs in one and commits it
    (on SQLite with build-time pragmas: WAL, no fsync, a large page cache), then runs
    ANALYZE; inside the caller's transaction (tests), it only writes, and the caller
    commits or rolls back.

    :param progress: called as ``progress("articles", done, total)`` after each batch.
    :param password: every account's password (hashed once, by the app's hasher when
        an app context is active).
    :param analyze: refresh the planner's statistics afterwards, as autovacuum or a
        maintenance job would have by the time a newsroom is this big.
    :raises ValueError: a size that makes no newsroom, or no active verdict to give.
    """
    started = time.perf_counter()
    owned = not connection.in_transaction()
    dialect = connection.dialect.name
    restore = _sqlite_tuning(connection) if owned and dialect == "sqlite" else None
    try:
        builder = _Builder(connection, size, progress, password)
        builder.build()
        # The annotations went in past the ORM: count them into the dashboard's tallies.
        recount_tallies(connection)
        recount_approvals(connection)
        if dialect == "postgresql":
            _reset_sequences(connection)
        if owned:
            connection.commit()
        if analyze:
            connection.exec_driver_sql("ANALYZE")
            if owned:
                connection.commit()
    except BaseException:
        if owned:
            connection.rollback()
        raise
    finally:
        if restore:
            restore()
    return NewsroomStats(
        rows={table: builder.rows[table] for table in TABLES},
        annotation_states={state: builder.states[state] for state, _ in STATE_MIX},
        seconds=time.perf_counter() - started,
        first_ids=builder.first_ids,
    )


def main(argv: list[str] | None = None) -> None:
    from _common import bench_app

    defaults = NewsroomSize()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (migrated first)")
    parser.add_argument("--articles", type=int, default=defaults.articles)
    parser.add_argument("--claims-per-article", type=int, default=defaults.claims_per_article)
    parser.add_argument("--annotated-share", type=float, default=defaults.annotated_share)
    parser.add_argument("--users", type=int, default=defaults.users)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--no-analyze", action="store_true")
    args = parser.parse_args(argv)
    size = NewsroomSize(
        articles=args.articles,
        claims_per_article=args.claims_per_article,
        annotated_share=args.annotated_share,
        users=args.users,
        seed=args.seed,
    )
    started = time.perf_counter()
    app = bench_app(args.url)
    print(f"migrated in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    def report(phase: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        print(f"\r{phase}: {done:,}/{total:,} ({elapsed:.0f} s)", end="", file=sys.stderr)

    engine = app.extensions["factcheck.engine"]
    with app.app_context(), engine.connect() as connection:
        stats = build_newsroom(connection, size, progress=report, analyze=not args.no_analyze)
    engine.dispose()
    print(file=sys.stderr)
    print(stats)


if __name__ == "__main__":
    main()
