"""Units: UN/CEFACT common codes (schema:unitCode), their dimension and scale.

Conversion within a dimension multiplies by ``factor`` to reach the dimension's base
unit (metre for length, 1 for ratio, item for count).
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.errors import InputError


@dataclass(frozen=True)
class Unit:
    code: str          # UN/CEFACT common code, the value of schema:unitCode
    symbol: str        # how we print it
    dimension: str     # length, ratio, count, duration, area, mass
    factor: float      # multiply to get the dimension's base unit
    low: float | None = None    # natural range of values (a share is 0..100%)
    high: float | None = None


UNITS: dict[str, Unit] = {u.code: u for u in [
    Unit("C62", "", "count", 1.0, low=0.0),
    Unit("P1", "%", "ratio", 0.01, low=0.0, high=100.0),
    Unit("MTR", "m", "length", 1.0, low=0.0),
    Unit("KMT", "km", "length", 1000.0, low=0.0),
    Unit("SMI", "mi", "length", 1609.344, low=0.0),
    Unit("KMK", "km²", "area", 1e6, low=0.0),
    Unit("MTK", "m²", "area", 1.0, low=0.0),
    Unit("KGM", "kg", "mass", 1.0, low=0.0),
    Unit("TNE", "t", "mass", 1000.0, low=0.0),
    Unit("HUR", "h", "duration", 3600.0, low=0.0),
    Unit("DAY", "days", "duration", 86400.0, low=0.0),
    Unit("WEE", "weeks", "duration", 604800.0, low=0.0),
    Unit("ANN", "years", "duration", 31557600.0, low=0.0),
    # money: ISO 4217 codes; each currency is a dimension of its own (no exchange
    # rates: $5 and €5 are not compared)
    *(Unit(code, symbol, f"money {code}", 1.0) for code, symbol in (
        ("USD", "$"), ("EUR", "€"), ("GBP", "£"), ("JPY", "¥"), ("CNY", "CN¥"), ("INR", "₹"),
        ("RUB", "₽"), ("CAD", "C$"), ("AUD", "A$"), ("HKD", "HK$"), ("NZD", "NZ$"),
        ("SGD", "S$"), ("CHF", "CHF"))),
]}

# dimensions whose figures add up over parts (a province's count is at most the
# country's); a share of a part is not bounded by the share of the whole
ADDITIVE_DIMENSIONS = frozenset({"count", "length", "area", "mass", "duration"})

# words and symbols as sources write them → unit code
ALIASES: dict[str, str] = {
    "%": "P1", "percent": "P1", "per cent": "P1", "per-cent": "P1", "pc": "P1", "pct": "P1",
    "m": "MTR", "metre": "MTR", "metres": "MTR", "meter": "MTR", "meters": "MTR",
    "km": "KMT", "kilometre": "KMT", "kilometres": "KMT", "kilometer": "KMT",
    "kilometers": "KMT", "kms": "KMT",
    "mi": "SMI", "mile": "SMI", "miles": "SMI",
    "km2": "KMK", "km²": "KMK", "square kilometres": "KMK", "square kilometers": "KMK",
    "sq km": "KMK",
    "m2": "MTK", "m²": "MTK", "square metres": "MTK", "square meters": "MTK",
    "kg": "KGM", "kilogram": "KGM", "kilograms": "KGM",
    "t": "TNE", "tonne": "TNE", "tonnes": "TNE", "ton": "TNE", "tons": "TNE",
    "h": "HUR", "hour": "HUR", "hours": "HUR",
    "day": "DAY", "days": "DAY", "week": "WEE", "weeks": "WEE",
    "year": "ANN", "years": "ANN",
    "dollar": "USD", "dollars": "USD", "us dollars": "USD", "euro": "EUR", "euros": "EUR",
    "yen": "JPY", "yuan": "CNY", "renminbi": "CNY", "rupee": "INR", "rupees": "INR",
    "rouble": "RUB", "roubles": "RUB", "ruble": "RUB", "rubles": "RUB",
    "swiss francs": "CHF", "pounds sterling": "GBP", "pound sterling": "GBP",
    **{code.lower(): code for code in ("USD", "EUR", "GBP", "JPY", "CNY", "INR", "RUB", "CAD",
                                       "AUD", "HKD", "NZD", "SGD", "CHF")},
}

# a currency written before the figure ("$1.2 billion", "US$500", "€30m"), longest
# first. "$" is the US dollar, as most English-language news writes it; other dollars
# carry their letters ("C$", "A$", "HK$"). After such a symbol "m" is million ("$3m").
CURRENCY_SYMBOLS: dict[str, str] = {
    "us$": "USD", "usd": "USD", "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD",
    "hk$": "HKD", "nz$": "NZD", "s$": "SGD", "$": "USD", "€": "EUR", "eur": "EUR",
    "£": "GBP", "gbp": "GBP", "cn¥": "CNY", "¥": "JPY", "₹": "INR", "rs.": "INR", "rs": "INR",
    "₽": "RUB", "jpy": "JPY", "cny": "CNY", "inr": "INR", "rub": "RUB", "cad": "CAD",
    "aud": "AUD", "hkd": "HKD", "nzd": "NZD", "sgd": "SGD", "chf": "CHF",
}


# units claimkb does not convert yet: after a figure they are an "unknown unit" error,
# never the noun of a count ("300 furlongs" is not 300 things called furlongs)
UNSUPPORTED: frozenset[str] = frozenset({
    "furlong", "furlongs", "parsec", "parsecs", "acre", "acres", "hectare", "hectares", "ha",
    "foot", "feet", "ft", "yard", "yards", "yd", "inch", "inches", "nautical mile",
    "nautical miles", "knot", "knots", "mph", "pound", "pounds", "lb", "lbs", "ounce",
    "ounces", "oz", "gallon", "gallons", "litre", "litres", "liter", "liters", "barrel",
    "barrels", "bbl", "degree", "degrees", "afghani", "afghanis", "somoni",
    "minute", "minutes", "second", "seconds", "month", "months",
})


def unit_for(text: str, where: str | None = None) -> Unit:
    """The Unit a word, symbol or code names ("" is a plain count).

    Raises InputError for an unknown unit.
    """
    key = " ".join(text.strip().lower().split())
    if key == "":
        return UNITS["C62"]
    if text.strip().upper() in UNITS:
        return UNITS[text.strip().upper()]
    code = ALIASES.get(key)
    if code is None:
        raise InputError(
            f"unknown unit {text.strip()!r} (known: {', '.join(sorted(ALIASES))}; "
            "counts of people or things take no unit)", where=where)
    return UNITS[code]
