"""How two claims' values relate, whatever their time and scope (docs/comparison.md,
step 4): the same figure (after the rounding rule), overlapping intervals, one place
within another (dcterms:isPartOf), a subset of a set, sets that share members,
disjoint — or not comparable (unknown or different units, free text). kb.model.verdicts
reads the relation in the light of the pair's scope and time.

Quantities are compared as intervals (the bound qualifier's rule: "over 70%" is
(70, 100]%) in one unit (converted with kb.model.units); an entity value is the set of
its members (one, or several), read across owl:sameAs; a date value is the span its
precision covers ("2021" is the whole year).

**Rounding rule** (``agree_after_rounding``): two figures stated as exact agree when
the more precise one, rounded to the precision the less precise one was written to,
equals it (2,640 m and 2,640.3 m; "60.3 million" and 60,345,999; not 8.0 % and 8.1 %).
Whole numbers in digits are taken at face value: trailing zeros are not read as
rounding (1,400 km vs 1,344 km is a conflict, of moderate severity), because a reader
cannot tell "1,400" from "about 1,400" unless the source says so; sources that round say
"about", "some", "nearly", and those qualifiers widen the interval.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kb.errors import InputError
from kb.model.claim_facts import ClaimFacts, Identity, short_name
from kb.model.dates import parse_date
from kb.model.units import UNITS
from kb.model.vocab import CKB

EXACT = str(CKB.Exact)
APPROXIMATE = {str(CKB.About), str(CKB.Nearly)}      # qualifiers that say "rounded"

# how two values relate, whatever their time and scope (``relate``)
SAME, OVERLAP, WIDER, SUBSET, INTERSECT, DISJOINT, INCOMPARABLE = (
    "same", "overlap", "wider", "subset", "intersect", "disjoint", "incomparable")


@dataclass
class Relation:
    """How two values relate. ``exclusive``: disjoint values cannot both hold (a
    quantity, or a single-valued property). For quantities: ``ia``/``ib`` the two
    intervals in a's unit, ``gap`` between them, ``rounded`` when they agree only after
    rounding or an approximate figure covers an exact one."""

    relation: str
    reason: str
    exclusive: bool = True
    rounded: bool = False
    ia: tuple | None = None
    ib: tuple | None = None
    gap: Decimal | None = None
    symbol: str = ""
    magnitude: Decimal | None = None
    ia_claim: str | None = None     # the claim whose interval is ia


def relate(a: ClaimFacts, b: ClaimFacts, identity: Identity) -> Relation:
    """How the values of two claims of one kind relate (quantities, entity sets, dates,
    free text), whatever their time and scope."""
    if a.kind == "quantity":
        return _relate_quantities(a, b)
    single = identity.is_single_valued(a.property)
    if a.kind == "entity":
        ma = {identity.key(m) for m in a.members}
        mb = {identity.key(m) for m in b.members}
        names_a, names_b = _names(a.members), _names(b.members)
        if ma == mb:
            return Relation(SAME, f"both name {names_a}")
        if len(ma) == 1 and len(mb) == 1:
            (x,), (y,) = ma, mb
            if identity.contains(x, y) or identity.contains(y, x):
                wide, narrow = (names_a, names_b) if identity.contains(x, y) else (names_b, names_a)
                return Relation(WIDER, f"{narrow} is within {wide}: the narrower is more precise")
        elif ma & mb:
            if ma < mb or mb < ma:
                small, big = (names_a, names_b) if ma < mb else (names_b, names_a)
                return Relation(SUBSET, f"{small} is part of {big}")
            return Relation(INTERSECT, f"{names_a} and {names_b} share "
                                       f"{_names(sorted(ma & mb))}")
        if single:
            return Relation(DISJOINT, f"{short_name(a.property)} has one value, but they name "
                                      f"{names_a} and {names_b}")
        return Relation(DISJOINT, f"{names_a} and {names_b} can both hold: "
                                  f"{short_name(a.property)} may have several values", exclusive=False)
    if a.kind == "date":
        da, db = _date_span(a.object), _date_span(b.object)
        if a.object == b.object:
            return Relation(SAME, f"both give {a.object}")
        if da and db and da[0] <= db[1] and db[0] <= da[1]:
            return Relation(OVERLAP, f"{a.object} and {b.object} overlap at their precision")
        if single:
            return Relation(DISJOINT, f"{short_name(a.property)} has one value, but they give "
                                      f"{a.object} and {b.object}")
        return Relation(DISJOINT, f"{a.object} and {b.object} can both hold: "
                                  f"{short_name(a.property)} may have several values", exclusive=False)
    if " ".join(a.object.lower().split()) == " ".join(b.object.lower().split()):
        return Relation(SAME, f"both say {a.object!r}")
    return Relation(INCOMPARABLE, "free-text values are not compared")


def _names(members) -> str:
    names = [short_name(m) for m in members]
    return names[0] if len(names) == 1 else "{" + ", ".join(names) + "}"


def _date_span(text: str) -> tuple[dt.date, dt.date] | None:
    try:
        d = parse_date(text)
    except InputError:
        return None
    return d.earliest, d.latest


_FACTORS = {code: (u.dimension, Decimal(str(u.factor))) for code, u in UNITS.items()}
_ONE = Decimal(1)


def _factor(unit: str | None) -> tuple[str, Decimal] | None:
    return _FACTORS.get(unit or "")


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def agree_after_rounding(a: Decimal, da: int, b: Decimal, db: int) -> bool:
    """The rounding rule: equal at the precision of the less precise figure."""
    places = min(da, db)
    return _round(a, places) == _round(b, places)


def _fmt_interval(low, low_ex, high, high_ex, unit_symbol: str) -> str:
    left = "(" if low is None or low_ex else "["
    right = ")" if high is None or high_ex else "]"
    lo = "-∞" if low is None else plain_number(low)
    hi = "∞" if high is None else plain_number(high)
    return f"{left}{lo}, {hi}{right}{unit_symbol}"


def _interval_text(c: ClaimFacts, factor: Decimal, symbol: str) -> str:
    """``c``'s interval in words, in the unit ``factor`` converts it to; kept on the
    claim for the next pair (a claim is compared with many)."""
    cache = c.__dict__.setdefault("_texts", {})
    text = cache.get((factor, symbol))
    if text is None:
        low = None if c.low is None else c.low * factor
        high = None if c.high is None else c.high * factor
        text = cache[(factor, symbol)] = _fmt_interval(low, c.low_ex, high, c.high_ex, symbol)
    return text


def plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value else str(value)
    return text


def _relate_quantities(a: ClaimFacts, b: ClaimFacts) -> Relation:
    fa, fb = _factor(a.unit), _factor(b.unit)
    if fa is None or fb is None or a.value is None or b.value is None:
        return Relation(INCOMPARABLE, f"unknown unit ({a.unit}, {b.unit})")
    if fa[0] != fb[0]:
        return Relation(INCOMPARABLE, f"different unit dimensions: {fa[0]} ({a.surface}) vs "
                                      f"{fb[0]} ({b.surface})")
    same_unit = a.unit == b.unit
    if same_unit:
        to_a, bv, blow, bhigh = _ONE, b.value, b.low, b.high
    else:
        to_a = fb[1] / fa[1]        # multiply b's numbers by this to express them in a's unit
        bv = b.value * to_a
        blow = None if b.low is None else b.low * to_a
        bhigh = None if b.high is None else b.high * to_a
    # the same figure (the common case: checked before building intervals and words)
    if a.bound == EXACT and b.bound == EXACT:
        if (same_unit and agree_after_rounding(a.value, a.decimals, b.value, b.decimals)) or \
           (not same_unit and (_round(bv, a.decimals) == a.value
                               or _round(a.value / to_a, b.decimals) == b.value)):
            rounded = a.value != bv
            return Relation(SAME, f"{a.surface} and {b.surface} are the same figure"
                            + (" after rounding" if rounded else ""), rounded=rounded)
    elif a.bound == b.bound and a.value == bv and a.low == blow and a.high == bhigh:
        return Relation(SAME, f"{a.surface} and {b.surface} say the same")
    symbol = UNITS[a.unit].symbol
    symbol = f" {symbol}" if symbol and symbol != "%" else symbol
    ia = (a.low, a.low_ex, a.high, a.high_ex)
    ib = (blow, b.low_ex, bhigh, b.high_ex)
    gap = _gap(ia, ib)
    text_a = _interval_text(a, _ONE, symbol)
    text_b = _interval_text(b, to_a, symbol)
    if gap is None:
        rounded = {a.bound, b.bound} & APPROXIMATE and EXACT in (a.bound, b.bound)
        return Relation(OVERLAP, f"{a.surface} means {text_a} and {b.surface} means {text_b}: "
                                 "they overlap", rounded=bool(rounded))
    return Relation(DISJOINT, f"{a.surface} ({text_a}) and {b.surface} ({text_b})", gap=gap,
                    ia=ia, ib=ib, symbol=symbol, magnitude=max(abs(a.value), abs(bv)),
                    ia_claim=a.claim)


def _gap(ia, ib) -> Decimal | None:
    """Distance between two intervals, or None when they overlap."""
    alow, alow_ex, ahigh, ahigh_ex = ia
    blow, blow_ex, bhigh, bhigh_ex = ib
    # a entirely below b?
    if ahigh is not None and blow is not None:
        if ahigh < blow or (ahigh == blow and (ahigh_ex or blow_ex)):
            return blow - ahigh
    if bhigh is not None and alow is not None:
        if bhigh < alow or (bhigh == alow and (bhigh_ex or alow_ex)):
            return alow - bhigh
    return None


def above(c: ClaimFacts, rel: Relation) -> bool:
    """Whether ``c``'s interval lies wholly above the other's (the gap is on its side)."""
    if rel.gap is None:
        return False
    mine, other = (rel.ia, rel.ib) if rel.ia_claim == c.claim else (rel.ib, rel.ia)
    return mine[0] is not None and other[2] is not None and mine[0] >= other[2]
