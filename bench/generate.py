"""Synthetic claims for the benchmarks: ``generate(n_claims, n_sources, seed)``.

    python bench/generate.py --claims 100000 --sources 1000 --seed 1 --out claims.nq

returns (or writes as N-Quads) ``S`` articles and ``N`` claim records shaped like a
news-monitoring KB. Everything is drawn from one ``random.Random(seed)``: the same
arguments always give the same articles, records and quads (recording times are
derived from the publication dates, never from the clock).

The N-Quads file is built directly from ``kb.articles.article_quads`` and
``kb.model.claim_quads`` (the quads ``KnowledgeBase.write_claims`` would write), with
the shared declarations (entities, properties, people, publishers) written once.

Distribution
------------
*Facts.* ``F = max(8, N // 8)`` (subject, property) pairs, each with a hidden true
value and a day in 2021 (days spread uniformly over the year). Subjects come from a
pool of ``max(4, F // 3)`` synthetic entities of three classes (places, borders/rivers/
roads, organisations); each class has its own properties (population, area, length,
share controlled, refugees, casualties, troops, ... ; plus "controlled by" and
"headquarters" with entity values, a reopening/census date with date values and a
status with text values). About 85% of facts are quantities. Each fact has a
popularity weight ~ Pareto(1.2) (capped at 60), so claim groups are skewed: most
groups have a few claims, some have dozens. With the default ``F = N // 8`` the
mean group size is 8.

*Sources.* ``S`` articles published over 2021 (uniform), from ``max(3, min(60, S//15+2))``
publishers with Zipf-like weights (a few big outlets). 75% news, 10% report, 10%
opinion, 5% web page; 50% have one or two authors; 70% have a stored text (a title
line then paragraphs mixing the quoted claim sentences with filler sentences).
Every article carries at least one claim when ``N >= S``; the rest of the claims are
spread with log-normal(0, 0.8) weights, so claims per article vary several-fold.
Records come grouped by article, articles in publication order (a feed ingested
chronologically).

*Claims.* An article published on day P draws its claims from the facts of the
preceding three weeks (P-21 .. P; at least the 8 nearest facts), by popularity.
Each claim's value relative to the fact's true value is

- 55% AGREE: the same figure (surface varies: "1,344 km", "1344 kilometres",
  "exactly 1,344 km"; the same entity, date or text);
- 25% COMPATIBLE: a bound containing it ("more than 300" for 350, "at least",
  "less than", "up to", "about" within the 5% tolerance; a date given to the month)
  — entity and text values cannot be compatible without being equal, they AGREE;
- 20% CONFLICT: a disjoint figure (x0.2-0.75 or x1.3-3, or a bound excluding the true
  value; another entity, date or text).

4% of claims carry no structured content (a statement only, relation "none").
Modalities: 50% factual, 20% event, 18% reported speech (with a speaker from a pool
of ``max(5, N // 200)`` people), 6% opinion, 6% prediction. Time-about: 65% the fact's
day, 15% an interval of up to a week around it, 12% its month, 8% none
(predictions: a day 1-30 days after publication). 5% of claims have a scope (a
place). In articles with text, 85% of claims quote their sentence (anchored with
``kb.anchoring.locate``: TextQuote + TextPosition selectors); the others, and all
claims of text-less articles, carry a statement only.

``build()`` returns the same data plus ground truth (``labels``: claim IRI →
agree/compatible/conflict/none, ``fact_of``: claim IRI → fact index) for the
comparison benchmarks.
"""
from __future__ import annotations

import argparse
import bisect
import calendar
import datetime as dt
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

from rdflib import URIRef

from kb.model.anchoring import locate
from kb.model.article import ArticleData, article_quads, sha256_text
from kb.model.dates import PDate, TimeAbout
from kb.model.iris import META, Minter, short_hash, slugify
from kb.model.claim import ClaimRecord, DateValue, EntityValue, Named, TextValue, claim_quads
from kb.model.quantity import parse_quantity
from kb.model.vocab import MODALITIES

DEFAULT_BASE = "http://localhost:5000/"
YEAR = 2021
START = dt.date(YEAR, 1, 1)
SPAN_DAYS = 365
WINDOW_DAYS = 21
MONTHS = list(calendar.month_name)

# ----------------------------------------------------------------- vocabularies

_ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "kh", "sh", "ch", "br", "dr", "kr", "tr", "st"]
_VOWELS = ["a", "e", "i", "o", "u", "a", "o", "ai", "ou"]
_CODAS = ["", "", "n", "r", "l", "s", "k", "sh", "m", "z", "rd", "nd"]

CLASSES = {
    "place": ["province", "district", "city", "valley", "region", "oblast"],
    "line": ["border", "river", "highway", "pipeline", "railway", "corridor"],
    "body": ["Army", "Militia", "Relief Agency", "Border Guard", "Liberation Front",
             "Ministry of Health", "Red Crescent"],
}

_FILLER = [
    "Officials did not respond to requests for comment.",
    "The situation remained tense throughout the week.",
    "Local residents described long queues at the checkpoints.",
    "Independent verification of the figures was not possible.",
    "Aid groups have repeatedly called for safe access.",
    "The talks are expected to resume next month.",
    "Satellite images reviewed by analysts showed new construction.",
    "Several roads in the area were closed after heavy rain.",
    "The government has promised an inquiry.",
    "Markets reopened after a brief closure.",
    "Diplomats from neighbouring countries met on the sidelines of the summit.",
    "Observers warned that the numbers could change quickly.",
    "Electricity supplies were interrupted for several hours.",
    "The statement gave no further details.",
    "Journalists were not allowed into the area.",
    "Prices of basic goods have risen sharply.",
    "The report was based on interviews with officials and residents.",
    "A spokesperson declined to comment on the figures.",
]

_NO_CONTENT = [
    "The situation in {s} is deteriorating.",
    "The authorities in {s} appear to have lost control of events.",
    "The response to the crisis in {s} has been inadequate.",
    "Little has changed in {s} since the spring.",
]


@dataclass(frozen=True)
class PropSpec:
    key: str
    label: str
    kind: str                  # quantity | entity | date | text
    phrase: str                # "{s}", "{v}", "{be}"
    unit_forms: tuple = ("",)  # surface unit spellings (parse_quantity aliases)
    lo: float = 1
    hi: float = 1
    percent: bool = False
    values: tuple = ()         # text values / entity value class


PROPS = {
    "place": [
        PropSpec("population", "population", "quantity", "the population of {s} {be} {v}",
                 lo=5_000, hi=5_000_000),
        PropSpec("area", "area", "quantity", "the area of {s} {be} {v}",
                 ("km²", "square kilometres", "sq km"), 50, 200_000),
        PropSpec("share-controlled", "share of territory controlled by the government",
                 "quantity", "the government controlled {v} of {s}",
                 ("%", " percent", " per cent"), 3, 97, percent=True),
        PropSpec("refugees", "number of refugees", "quantity",
                 "the number of refugees in {s} {be} {v}", lo=100, hi=300_000),
        PropSpec("casualties", "number of casualties", "quantity",
                 "the number of casualties in {s} {be} {v}", lo=1, hi=3_000),
        PropSpec("unemployment", "unemployment rate", "quantity",
                 "the unemployment rate in {s} {be} {v}", ("%", " percent"), 2, 45, percent=True),
        PropSpec("vaccination", "share of adults vaccinated", "quantity",
                 "the share of adults vaccinated in {s} {be} {v}", ("%", " per cent"), 1, 90,
                 percent=True),
        PropSpec("districts-captured", "number of districts captured", "quantity",
                 "the number of districts captured in {s} {be} {v}", lo=1, hi=120),
        PropSpec("aid-delivered", "aid delivered", "quantity",
                 "the aid delivered to {s} {be} {v}", (" tonnes", " t"), 10, 50_000),
        PropSpec("controlled-by", "controlled by", "entity", "{s} {be} controlled by {v}",
                 values=("body",)),
        PropSpec("census-date", "date of the last census", "date",
                 "the last census in {s} {be} held on {v}"),
    ],
    "line": [
        PropSpec("length", "length", "quantity", "the {s} {be} {v} long",
                 (" km", " kilometres", " kms", " miles"), 10, 3_000),
        PropSpec("share-controlled", "share of territory controlled by the government",
                 "quantity", "the government controlled {v} of the {s}",
                 ("%", " percent", " per cent"), 3, 97, percent=True),
        PropSpec("crossings", "number of open crossings", "quantity",
                 "the number of open crossings on the {s} {be} {v}", lo=1, hi=40),
        PropSpec("troops", "number of troops deployed", "quantity",
                 "the number of troops deployed along the {s} {be} {v}", lo=50, hi=60_000),
        PropSpec("closure-days", "duration of the closure", "quantity",
                 "the closure of the {s} {be} expected to last {v}", (" days",), 1, 120),
        PropSpec("controlled-by", "controlled by", "entity", "the {s} {be} controlled by {v}",
                 values=("body",)),
        PropSpec("reopening-date", "date of reopening", "date",
                 "the {s} {be} reopened on {v}"),
        PropSpec("status", "status", "text", "the {s} {be} {v}",
                 values=("open", "closed", "partially open", "contested")),
    ],
    "body": [
        PropSpec("members", "number of members", "quantity",
                 "the {s} {be} said to have {v} members", lo=200, hi=400_000),
        PropSpec("detainees", "number of detainees", "quantity",
                 "the number of people detained by the {s} {be} {v}", lo=1, hi=5_000),
        PropSpec("soldiers-crossed", "number of soldiers who crossed the border", "quantity",
                 "the number of {s} soldiers who crossed the border {be} {v}", lo=5, hi=3_000),
        PropSpec("budget-share", "share of the national budget", "quantity",
                 "the {s} {be} allotted {v} of the national budget", ("%", " percent"), 1, 30,
                 percent=True),
        PropSpec("casualties", "number of casualties", "quantity",
                 "the number of casualties among the {s} {be} {v}", lo=1, hi=3_000),
        PropSpec("headquarters", "headquarters", "entity",
                 "the headquarters of the {s} {be} in {v}", values=("place",)),
    ],
}

MODALITY_WEIGHTS = [("factual", 50), ("event", 20), ("reported-speech", 18),
                    ("opinion", 6), ("prediction", 6)]
RELATION_WEIGHTS = [("agree", 55), ("compatible", 25), ("conflict", 20)]
KIND_WEIGHTS = [("news", 75), ("report", 10), ("opinion", 10), ("webpage", 5)]
_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six",
                 7: "seven", 8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve",
                 15: "fifteen", 20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}
_FORMS = {  # bound qualifier → surface forms used (all parsed by kb.quantity)
    "exact": ("exactly", "precisely"),
    "about": ("about", "around", "some", "approximately", "roughly", "an estimated"),
    "more": ("more than", "over", "above", "upwards of", "in excess of"),
    "atleast": ("at least", "no less than", "a minimum of"),
    "less": ("less than", "under", "below"),
    "atmost": ("at most", "up to", "no more than", "a maximum of"),
}


# ----------------------------------------------------------------- data classes

@dataclass
class Fact:
    index: int
    subject: Named
    subject_class: str
    prop: PropSpec
    named_prop: Named
    truth: object              # Decimal, Named, PDate or str
    day: int                   # day index in the year
    weight: float


@dataclass
class Synthetic:
    """Generated data plus ground truth."""

    articles: list[ArticleData]
    records: list[ClaimRecord]
    facts: list[Fact]
    labels: dict[URIRef, str] = field(default_factory=dict)   # agree/compatible/conflict/none
    fact_of: dict[URIRef, int] = field(default_factory=dict)
    base_iri: str = DEFAULT_BASE

    def article_now(self, data: ArticleData) -> dt.datetime:
        """The deterministic 'recorded' time of an article's text version."""
        return _noon(data.published)


def _noon(day: PDate) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=dt.UTC)


# ----------------------------------------------------------------- helpers

def _name(rng: random.Random, syllables: int) -> str:
    parts = [rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(syllables)]
    return ("".join(parts) + rng.choice(_CODAS)).capitalize()


def _unique(rng: random.Random, make, taken: dict) -> str:
    for _ in range(1000):
        label = make()
        key = slugify(label)
        if key not in taken:
            taken[key] = True
            return label
    raise RuntimeError("name space exhausted")  # pragma: no cover


def _day(index: int) -> dt.date:
    return START + dt.timedelta(days=index)


def _pdate(day: dt.date) -> PDate:
    return PDate(day.year, day.month, day.day)


def _say_day(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month]} {day.year}"


def _say_interval(a: dt.date, b: dt.date) -> str:
    if a.month == b.month:
        return f"between {a.day} and {b.day} {MONTHS[a.month]} {a.year}"
    return f"between {a.day} {MONTHS[a.month]} and {_say_day(b)}"


def _round_sig(v: Decimal, sig: int, rounding) -> Decimal:
    if v == 0:
        return v
    exp = v.adjusted() - sig + 1
    r = v.quantize(Decimal(1).scaleb(exp), rounding=rounding)
    return Decimal(int(r)) if exp >= 0 else r.normalize()


def _fmt(v: Decimal, rng: random.Random, allow_words: bool) -> str:
    if v != v.to_integral_value():
        return f"{v.normalize():f}"
    n = int(v)
    roll = rng.random()
    if allow_words and n in _NUMBER_WORDS and roll < 0.3:
        return _NUMBER_WORDS[n]
    if n >= 1_000_000 and n % 100_000 == 0 and roll < 0.6:
        return f"{(Decimal(n) / 10**6).normalize():f} million"
    if n >= 1000 and roll < 0.8:
        return f"{n:,}"
    return str(n)


def _surface(prefix: str, v: Decimal, unit: str, rng: random.Random) -> str:
    number = _fmt(v, rng, allow_words=not unit.strip())
    text = f"{prefix} {number}{unit}" if prefix else f"{number}{unit}"
    return " ".join(text.split()) if unit.startswith(" ") or prefix else text


def _true_quantity(spec: PropSpec, rng: random.Random) -> Decimal:
    if spec.percent:
        value = Decimal(str(round(rng.uniform(spec.lo, spec.hi), 1 if rng.random() < 0.3 else 0)))
        return value.normalize() if value != value.to_integral_value() else Decimal(int(value))
    value = math.exp(rng.uniform(math.log(spec.lo), math.log(spec.hi)))
    sig = rng.choice([2, 3, 4])
    return max(Decimal(1), _round_sig(Decimal(int(value) or 1), sig, ROUND_HALF_UP))


def _quantity_claim(v: Decimal, spec: PropSpec, relation: str, rng: random.Random):
    """(surface text, relation actually produced) for a claim about true value v."""
    unit = rng.choice(spec.unit_forms)
    top = Decimal(100) if spec.percent else None
    step = Decimal("0.1") if v != v.to_integral_value() else Decimal(1)
    if relation == "agree":
        prefix = rng.choice(_FORMS["exact"]) if rng.random() < 0.05 else ""
        return _surface(prefix, v, unit, rng), "agree"
    if relation == "compatible":
        options = []
        down = _round_sig(v, 2, ROUND_FLOOR)
        if down >= v:
            down = v - step
        up = _round_sig(v, 2, ROUND_CEILING)
        if up <= v:
            up = v + step
        if down > 0:
            options += [("more", down), ("atleast", down)]
        if top is None or up < top:
            options += [("less", up), ("atmost", up)]
        elif top is not None:
            options.append(("atmost", top))
        near = _round_sig(v, 2, ROUND_HALF_UP)
        if near > 0 and abs(near - v) <= near * Decimal("0.05"):
            options.append(("about", near))
        form, x = rng.choice(options)
        return _surface(rng.choice(_FORMS[form]), x, unit, rng), "compatible"
    # conflict: a figure or bound that excludes v
    options = []
    high = _round_sig(v * Decimal(str(rng.uniform(1.3, 3.0))), 2, ROUND_CEILING)
    low = _round_sig(v * Decimal(str(rng.uniform(0.2, 0.75))), 2, ROUND_FLOOR)
    if top is None or high < top:
        options += [("", high), ("more", high), ("about", high)]
    if low > 0 and low < v * Decimal("0.9"):
        options += [("", low), ("less", low)]
    if not options:  # pragma: no cover - tiny shares near 100%
        options = [("less", max(v / 2, Decimal("0.1")))]
    form, x = rng.choice(options)
    prefix = rng.choice(_FORMS[form]) if form else ""
    return _surface(prefix, x, unit, rng), "conflict"


def _date_surface(day: dt.date, rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:
        return _say_day(day)
    if style == 1:
        return day.isoformat()
    return f"{MONTHS[day.month]} {day.day}, {day.year}"


# ----------------------------------------------------------------- generation

def build(n_claims: int, n_sources: int, seed: int, base_iri: str = DEFAULT_BASE) -> Synthetic:
    """Articles, claim records and ground truth; deterministic for the arguments."""
    if n_claims < 1 or n_sources < 1:
        raise ValueError("need at least one claim and one source")
    rng = random.Random(seed)
    iris = Minter(base_iri)
    taken: dict = {}

    # entities by class
    n_facts = max(8, n_claims // 8)
    n_subjects = max(4, n_facts // 3)
    entities: dict[str, list[Named]] = {c: [] for c in CLASSES}
    class_names = list(CLASSES)
    for i in range(n_subjects):
        cls = class_names[i % 3] if i < 3 else rng.choices(class_names, [5, 3, 2])[0]
        kind = rng.choice(CLASSES[cls])
        if cls == "body" and kind.startswith("Ministry"):
            label = _unique(rng, lambda kind=kind: f"{kind} of {_name(rng, 2)}", taken)
        elif cls == "body":
            label = _unique(rng, lambda kind=kind: f"{_name(rng, 2)} {kind}", taken)
        elif cls == "line":
            label = _unique(rng, lambda kind=kind: f"{_name(rng, 2)}–{_name(rng, 2)} {kind}"
                            if kind == "border" else f"{_name(rng, 2)} {kind}", taken)
        else:
            label = _unique(rng, lambda kind=kind: f"{_name(rng, rng.choice([2, 3]))} {kind}",
                            taken)
        entities[cls].append(Named(iris.entity(label), label))

    people_taken: dict = {}
    speakers = [Named(iris.person(n), n) for n in
                (_unique(rng, lambda: f"{_name(rng, 2)} {_name(rng, 3)}", people_taken)
                 for _ in range(max(5, n_claims // 200)))]
    journalists = [_unique(rng, lambda: f"{_name(rng, 2)} {_name(rng, 2)}", people_taken)
                   for _ in range(max(5, n_sources // 10))]
    pub_taken: dict = {}
    publishers = [_unique(rng, lambda: rng.choice(["The {} Herald", "{} Daily", "Radio {}",
                                                   "{} News Agency", "The {} Observer",
                                                   "{} Times", "{} Wire"]).format(_name(rng, 2)),
                          pub_taken)
                  for _ in range(max(3, min(60, n_sources // 15 + 2)))]
    pub_weights = [1 / (i + 1) for i in range(len(publishers))]

    # facts: unique (subject, property) pairs
    prop_named = {}
    for cls, specs in PROPS.items():
        for spec in specs:
            prop_named.setdefault(spec.key, Named(iris.property(spec.key), spec.label))
    facts: list[Fact] = []
    subjects = [(cls, e) for cls in class_names for e in entities[cls]]
    rng.shuffle(subjects)
    used: dict = {}
    cursor = 0
    while len(facts) < n_facts:
        cls, subject = subjects[cursor % len(subjects)]
        cursor += 1
        free = [p for p in PROPS[cls] if (subject.iri, p.key) not in used]
        if not free:
            if cursor > len(subjects) * 40:  # pragma: no cover - pools exhausted
                break
            continue
        spec = rng.choice(free)
        used[(subject.iri, spec.key)] = True
        if spec.kind == "quantity":
            truth = _true_quantity(spec, rng)
        elif spec.kind == "entity":
            pool = entities[spec.values[0]] or entities["place"]
            truth = rng.choice(pool)
        elif spec.kind == "date":
            truth = _day(rng.randrange(SPAN_DAYS))
        else:
            truth = rng.choice(spec.values)
        facts.append(Fact(len(facts), subject, cls, spec, prop_named[spec.key], truth,
                          rng.randrange(SPAN_DAYS), min(60.0, rng.paretovariate(1.2))))
    facts.sort(key=lambda f: (f.day, f.index))
    fact_days = [f.day for f in facts]

    # sources and how many claims each carries
    pub_days = sorted(rng.randrange(SPAN_DAYS) for _ in range(n_sources))
    weights = [rng.lognormvariate(0, 0.8) for _ in range(n_sources)]
    counts = [1 if n_claims >= n_sources else 0] * n_sources
    rest = n_claims - sum(counts)
    for i in rng.choices(range(n_sources), weights, k=rest):
        counts[i] += 1

    syn = Synthetic([], [], facts, base_iri=base_iri)
    claim_no = 0
    for a_index in range(n_sources):
        if counts[a_index] == 0:
            continue
        p_day = pub_days[a_index]
        published = _day(p_day)
        publisher = rng.choices(publishers, pub_weights)[0]
        kind = rng.choices([k for k, _ in KIND_WEIGHTS], [w for _, w in KIND_WEIGHTS])[0]
        authors = rng.sample(journalists, rng.choice([1, 2])) if rng.random() < 0.5 else []
        has_text = rng.random() < 0.70

        lo = bisect.bisect_left(fact_days, p_day - WINDOW_DAYS)
        hi = bisect.bisect_right(fact_days, p_day)
        if hi - lo < 8:
            lo = max(0, min(lo, hi - 8))
            hi = min(len(facts), max(hi, lo + 8))
        window = facts[lo:hi]
        chosen = rng.choices(window, [f.weight for f in window], k=counts[a_index])

        drafts = []  # (sentence, fields for the record)
        for fact in chosen:
            drafts.append(_draft(rng, fact, published, speakers, entities))
        title = (f"{chosen[0].subject.label}: "
                 f"{rng.choice(['new figures on', 'the', 'questions over', 'update on'])} "
                 f"{chosen[0].named_prop.label}")
        slug = slugify(title, 50)
        url = (f"https://{slugify(publisher, 30)}.example.org/{published.year}/"
               f"{published.month:02d}/{published.day:02d}/{slug}-{a_index}")
        data = ArticleData(title=title, url=url, publisher=publisher, authors=authors,
                           published=_pdate(published), language="en", kind=kind)
        article = iris.article_for(url)

        quoted = [has_text and rng.random() < 0.85 for _ in drafts]
        version = None
        anchors = {}
        if has_text:
            text, offsets = _article_text(rng, title, [d[0] for d, q in zip(drafts, quoted) if q])
            data.text = text
            version = iris.version(article, sha256_text(text))
            for sentence, start in offsets.items():
                prefix = text[max(0, start - 32):start]
                anchor = locate(text, sentence, prefix=prefix, where=url)
                assert anchor.start == start, (sentence, start, anchor.start)
                anchors[sentence] = anchor
        syn.articles.append(data)

        for j, ((sentence, fields, relation), fact, quote) in enumerate(
                zip(drafts, chosen, quoted)):
            iri = iris.claim(short_hash("claimkb-bench", str(seed), str(claim_no)))
            claim_no += 1
            anchor = anchors[sentence] if quote else None
            rec = ClaimRecord(
                iri=iri, source=article, statement=anchor.exact if anchor else sentence,
                source_version=version if anchor else None, anchor=anchor,
                published=_pdate(published),
                recorded=_noon(_pdate(published)) + dt.timedelta(hours=6, seconds=j),
                **fields)
            if not quote and version is not None:
                rec.source_version = version   # derived from the stored text, not quoted
            syn.records.append(rec)
            syn.labels[iri] = relation
            if relation != "none":
                syn.fact_of[iri] = fact.index
    return syn


def _draft(rng: random.Random, fact: Fact, published: dt.date, speakers, entities):
    """(sentence, ClaimRecord fields, relation) for one claim about ``fact``."""
    modality = rng.choices([m for m, _ in MODALITY_WEIGHTS], [w for _, w in MODALITY_WEIGHTS])[0]
    speaker = rng.choice(speakers) if modality == "reported-speech" or (
        modality == "prediction" and rng.random() < 0.5) else None
    if rng.random() < 0.04:
        sentence = rng.choice(_NO_CONTENT).format(s=fact.subject.label)
        if speaker is not None:
            sentence = f"{speaker.label} said that {sentence[0].lower()}{sentence[1:]}"
        return sentence, {"modality": MODALITIES[modality], "speaker": speaker,
                          "about": None}, "none"

    # time about
    f_day = _day(fact.day)
    roll = rng.random()
    if modality == "prediction":
        target = published + dt.timedelta(days=rng.randint(1, 30))
        about, when = TimeAbout(_pdate(target)), f" by {_say_day(target)}"
    elif roll < 0.65:
        about, when = TimeAbout(_pdate(f_day)), f" on {_say_day(f_day)}"
    elif roll < 0.80:
        a = f_day - dt.timedelta(days=rng.randint(0, 3))
        b = f_day + dt.timedelta(days=rng.randint(1, 3))
        about, when = TimeAbout(_pdate(a), _pdate(b)), f" {_say_interval(a, b)}"
    elif roll < 0.92:
        about = TimeAbout(PDate(f_day.year, f_day.month))
        when = f" in {MONTHS[f_day.month]} {f_day.year}"
    else:
        about, when = None, ""
    if fact.prop.kind == "date":
        when = ""   # the value is the date; the time-about stays in the record

    relation = rng.choices([r for r, _ in RELATION_WEIGHTS], [w for _, w in RELATION_WEIGHTS])[0]
    spec = fact.prop
    if spec.kind == "quantity":
        surface, relation = _quantity_claim(fact.truth, spec, relation, rng)
        value, said = parse_quantity(surface), surface
    elif spec.kind == "entity":
        relation = "conflict" if relation == "conflict" else "agree"
        pool = entities[spec.values[0]] or entities["place"]
        entity = fact.truth
        if relation == "conflict":
            others = [e for e in rng.sample(pool, min(len(pool), 4)) if e != fact.truth]
            if others:
                entity = others[0]
            else:
                relation = "agree"
        value, said = EntityValue(entity), entity.label
    elif spec.kind == "date":
        day = fact.truth
        if relation == "conflict":
            day = day + dt.timedelta(days=rng.choice([-1, 1]) * rng.randint(40, 200))
            said = _date_surface(day, rng)
            value = DateValue(_pdate(day), said)
        elif relation == "compatible":
            said = f"{MONTHS[day.month]} {day.year}"
            value = DateValue(PDate(day.year, day.month), said)
        else:
            said = _date_surface(day, rng)
            value = DateValue(_pdate(day), said)
    else:
        text = fact.truth
        if relation == "conflict":
            text = rng.choice([v for v in spec.values if v != fact.truth])
        else:
            relation = "agree"
        value, said = TextValue(text), text

    be = "will be" if modality == "prediction" else "was"
    phrase = spec.phrase.format(s=fact.subject.label, v=said, be=be)
    if modality == "prediction" and "{be}" not in spec.phrase:
        phrase = f"it is expected that {phrase}"
    scope = None
    if rng.random() < 0.05 and entities["place"]:
        scope = rng.choice(entities["place"])
        phrase += f" across {scope.label}"
    if modality == "reported-speech":
        sentence = (f"{speaker.label} said that {phrase}{when}." if rng.random() < 0.6
                    else f"According to {speaker.label}, {phrase}{when}.")
    elif modality == "opinion":
        sentence = rng.choice(["In our view, ", "It seems likely that ", "We believe "]) + f"{phrase}{when}."
    elif modality == "prediction":
        who = speaker.label if speaker else "Analysts"
        sentence = f"{who} {'expects' if speaker else 'expect'} that {phrase}{when}."
    elif modality == "event" and about is not None and when.startswith(" on "):
        sentence = f"On {when[4:]}, {phrase}."
    else:
        sentence = f"{phrase}{when}."
    sentence = sentence[0].upper() + sentence[1:]
    fields = {"modality": MODALITIES[modality], "speaker": speaker, "about": about,
              "subject": fact.subject, "predicate": fact.named_prop, "value": value,
              "scope": scope}
    return sentence, fields, relation


def _article_text(rng: random.Random, title: str, sentences: list[str]) -> tuple[str, dict]:
    """A title line and paragraphs: each quoted sentence once, amid filler sentences.

    Returns the text and, for each distinct sentence, its start offset.
    """
    parts = [title, "\n\n"]
    pos = len(title) + 2
    offsets: dict[str, int] = {}
    in_paragraph = 0
    for sentence in sentences:
        if sentence in offsets:
            continue
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            filler = rng.choice(_FILLER)
            parts += [filler, " "]
            pos += len(filler) + 1
        offsets[sentence] = pos
        parts += [sentence, " "]
        pos += len(sentence) + 1
        in_paragraph += 1
        if in_paragraph >= rng.choice([2, 3, 4]):
            parts[-1] = "\n\n"
            pos += 1
            in_paragraph = 0
    text = "".join(parts).rstrip() + "\n"
    return text, offsets


def generate(n_claims: int, n_sources: int, seed: int,
             base_iri: str = DEFAULT_BASE) -> tuple[list[ArticleData], list[ClaimRecord]]:
    """``n_sources`` articles and ``n_claims`` claim records, deterministic for ``seed``."""
    syn = build(n_claims, n_sources, seed, base_iri)
    return syn.articles, syn.records


# ----------------------------------------------------------------- quads and N-Quads

_SHARED_KINDS = ("entities/", "properties/", "people/", "publishers/")


def iter_quads(articles: Iterable[ArticleData], records: Iterable[ClaimRecord],
               base_iri: str = DEFAULT_BASE) -> Iterator[tuple]:
    """The quads of the articles and claims (rdflib terms), shared declarations once.

    An article text version's recording time is its publication day at noon UTC.
    """
    iris = Minter(base_iri)
    shared = tuple(base_iri + k for k in _SHARED_KINDS)
    seen: set = set()

    def once(quads):
        for q in quads:
            if q[3] == META and str(q[0]).startswith(shared):
                if q in seen:
                    continue
                seen.add(q)
            yield q

    for data in articles:
        quads, _, _ = article_quads(iris, data, iris.article_for(data.identity), None,
                                    _noon(data.published))
        yield from once(quads)
    for rec in records:
        yield from once(claim_quads(rec))


def cached_nquads(claims: int, sources: int, seed: int, cache_dir: Path, log=print) -> Path:
    """The N-Quads file of ``generate(claims, sources, seed)`` in ``cache_dir``
    (``claims-N-S-SEED.nq``), generated when missing; the benchmarks share it. Exits
    when a ``.part`` file shows another process is writing it."""
    path = Path(cache_dir) / f"claims-{claims}-{sources}-{seed}.nq"
    if path.exists():
        return path
    tmp = path.with_suffix(".part")
    if tmp.exists():
        sys.exit(f"{tmp} exists: another process is generating this data set; wait until "
                 "it is renamed to .nq")
    path.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    articles, records = generate(claims, sources, seed)
    count = write_nquads(articles, records, tmp)
    tmp.replace(path)
    log(f"generated {claims} claims, {count} quads in {time.perf_counter() - t:.1f} s → {path}")
    return path


def bulk_load(nq: Path, data_dir: Path) -> float:
    """Load ``nq`` into a new embedded store ``data_dir/store`` with pyoxigraph's bulk
    loader, then optimize it; returns the seconds taken."""
    import pyoxigraph as ox

    t = time.perf_counter()
    (Path(data_dir) / "store").mkdir(parents=True)
    raw = ox.Store(str(Path(data_dir) / "store"))
    raw.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    raw.optimize()
    del raw
    return time.perf_counter() - t


def write_nquads(articles, records, out, base_iri: str = DEFAULT_BASE) -> int:
    """Write the quads to ``out`` (a path or binary file) as N-Quads; returns the count
    (kb.store.convert.write_nquads, as claimkb's bulk writes do)."""
    from kb.store.convert import write_nquads as write

    if isinstance(out, (str, Path)):
        with open(out, "wb") as fh:
            return write(iter_quads(articles, records, base_iri), fh)
    return write(iter_quads(articles, records, base_iri), out)


def summary(syn: Synthetic) -> dict:
    """Counts that describe the generated data (printed by the CLI, used by the docs)."""
    groups = Counter((r.subject.iri, r.predicate.iri) for r in syn.records if r.has_content)
    sizes = sorted(groups.values())
    return {
        "claims": len(syn.records),
        "articles": len(syn.articles),
        "articles_with_text": sum(1 for a in syn.articles if a.text),
        "quoted_claims": sum(1 for r in syn.records if r.anchor is not None),
        "groups": len(groups),
        "groups_with_2_or_more": sum(1 for n in sizes if n >= 2),
        "largest_group": sizes[-1] if sizes else 0,
        "relations": dict(sorted(Counter(syn.labels.values()).items())),
        "modalities": dict(sorted(Counter(str(r.modality).rsplit("#", 1)[1]
                                          for r in syn.records).items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--base-iri", default=DEFAULT_BASE)
    parser.add_argument("--out", type=Path, required=True, help="N-Quads file to write")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    syn = build(args.claims, args.sources, args.seed, args.base_iri)
    t1 = time.perf_counter()
    count = write_nquads(syn.articles, syn.records, args.out, args.base_iri)
    t2 = time.perf_counter()
    info = summary(syn)
    print(f"generated {info['claims']} claims from {info['articles']} articles in "
          f"{t1 - t0:.1f} s; wrote {count} quads to {args.out} in {t2 - t1:.1f} s "
          f"({args.out.stat().st_size / 1e6:.1f} MB)")
    for key, value in info.items():
        print(f"  {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
