"""Number words in languages other than English (kb/model/english_numbers.py reads English).

Well-kept libraries where they exist, tables (data) where they do not:

- **text2num** (Allo-Media; Rust core, maintained) for French, Spanish, Portuguese,
  German, Italian, Dutch and Danish: "deux mille", "dos mil quinientos", "zweitausend";
- **number-parser** (Scrapinghub, from CLDR data) for Russian and Ukrainian, whose
  number words decline ("две тысячи", "около двух тысяч");
- the tables below for Arabic, Persian and Polish, which neither library reads: the
  words newsrooms write alone or after digits ("ألف", "هزار", "tysiąc"; "3 هزار").

Also per language: scale words after digits ("2 mil", "5 тыс.", "3 млн", "1,5 Mio.")
and fraction words ("deux tiers", "две трети", "la mitad"). Everything here is data
but the two calls into the libraries. Nothing raises: a word that is not a number
gives None.
"""
from __future__ import annotations

from decimal import Decimal

from number_parser import parse_number
from text_to_num import text2num

TEXT2NUM_LANGUAGES = frozenset({"fr", "es", "pt", "de", "it", "nl", "da"})
NUMBER_PARSER_LANGUAGES = frozenset({"ru", "uk"})

# words that are a number on their own, by language (Arabic, Persian, Polish)
WORDS: dict[str, dict[str, int]] = {
    "ar": {"ألف": 1000, "الف": 1000, "ألفا": 1000, "مئة": 100, "مائة": 100, "مليون": 10**6,
           "مليار": 10**9, "عشرة": 10, "عشرات": 10, "مئات": 100, "ألفين": 2000},
    "fa": {"هزار": 1000, "صد": 100, "یکصد": 100, "میلیون": 10**6, "میلیارد": 10**9, "ده": 10,
           "دو": 2, "سه": 3, "چهار": 4, "پنج": 5},
    "pl": {"tysiąc": 1000, "sto": 100, "milion": 10**6, "miliard": 10**9, "dwa": 2, "trzy": 3,
           "cztery": 4, "pięć": 5, "dziesięć": 10, "dwadzieścia": 20, "sto tysięcy": 100000,
           "dwa tysiące": 2000, "trzy tysiące": 3000, "pięć tysięcy": 5000},
}

# scale words written after a figure ("2 mil", "5 тыс.", "1,5 Mio."), by language
SCALES: dict[str, dict[str, int]] = {
    "pt": {"mil": 10**3, "milhão": 10**6, "milhões": 10**6, "mi": 10**6, "bilhão": 10**9,
           "bilhões": 10**9, "bi": 10**9},
    "es": {"mil": 10**3, "millón": 10**6, "millones": 10**6, "mil millones": 10**9},
    "fr": {"mille": 10**3, "million": 10**6, "millions": 10**6, "milliard": 10**9,
           "milliards": 10**9, "mds": 10**9, "md": 10**9},
    "de": {"tausend": 10**3, "million": 10**6, "millionen": 10**6, "mio.": 10**6, "mio": 10**6,
           "milliarde": 10**9, "milliarden": 10**9, "mrd.": 10**9, "mrd": 10**9},
    "it": {"mila": 10**3, "milioni": 10**6, "milione": 10**6, "miliardi": 10**9, "mln": 10**6},
    "ru": {"тыс.": 10**3, "тыс": 10**3, "тысяча": 10**3, "тысячи": 10**3, "тысяч": 10**3,
           "млн": 10**6, "млн.": 10**6, "миллион": 10**6, "миллиона": 10**6, "миллионов": 10**6,
           "млрд": 10**9, "млрд.": 10**9, "миллиард": 10**9, "миллиарда": 10**9,
           "миллиардов": 10**9},
    "uk": {"тис.": 10**3, "тис": 10**3, "тисяч": 10**3, "тисячі": 10**3, "млн": 10**6,
           "млрд": 10**9},
    "pl": {"tys.": 10**3, "tys": 10**3, "tysiąc": 10**3, "tysiące": 10**3, "tysięcy": 10**3,
           "mln": 10**6, "miliony": 10**6, "milionów": 10**6, "mld": 10**9, "miliardów": 10**9},
    "ar": {"ألف": 10**3, "آلاف": 10**3, "الف": 10**3, "مليون": 10**6, "ملايين": 10**6,
           "مليار": 10**9},
    "fa": {"هزار": 10**3, "میلیون": 10**6, "میلیارد": 10**9},
}

# fraction words: denominator words (singular and plural) by language
DENOMINATORS: dict[str, dict[str, int]] = {
    "fr": {"moitié": 2, "tiers": 3, "quart": 4, "quarts": 4, "cinquième": 5, "cinquièmes": 5},
    "es": {"mitad": 2, "tercio": 3, "tercios": 3, "cuarto": 4, "cuartos": 4},
    "pt": {"metade": 2, "terço": 3, "terços": 3, "quarto": 4, "quartos": 4},
    "de": {"hälfte": 2, "drittel": 3, "viertel": 4, "fünftel": 5},
    "ru": {"половина": 2, "половину": 2, "треть": 3, "трети": 3, "третей": 3, "четверть": 4,
           "четверти": 4},
    "pl": {"połowa": 2, "połowę": 2, "trzecia": 3, "trzecie": 3, "ćwierć": 4},
}
# the article before a lone fraction word ("la moitié", "die Hälfte", "une") means one
ONE_WORDS = frozenset({"la", "le", "une", "un", "die", "eine", "ein", "a", "o", "una", "uma"})


def primary(language: str | None) -> str | None:
    return language.split("-")[0].lower() if language else None


def value(words: list[str], language: str | None) -> Decimal | None:
    """The number the words spell in ``language``, or None."""
    lang = primary(language)
    if not lang or lang == "en" or not words:
        return None
    text = " ".join(words)
    if text in WORDS.get(lang, {}):
        return Decimal(WORDS[lang][text])
    if lang in TEXT2NUM_LANGUAGES:
        try:
            return Decimal(text2num(text, lang))
        except ValueError:
            return None
    if lang in NUMBER_PARSER_LANGUAGES:
        found = parse_number(text, language=lang)
        return Decimal(found) if isinstance(found, int) else None
    return None


def scale(word: str, language: str | None) -> int | None:
    """The scale of a word written after a figure ("mil" in pt = 1000), or None."""
    return SCALES.get(primary(language) or "", {}).get(word)


def fraction(words: list[str], language: str | None) -> Decimal | None:
    """A share in % for fraction words ("deux tiers" → 66.666667, "la moitié" → 50),
    or None."""
    lang = primary(language)
    table = DENOMINATORS.get(lang or "")
    if not table or not words or words[-1] not in table:
        return None
    head = words[:-1]
    if not head or (len(head) == 1 and head[0] in ONE_WORDS):
        numerator = Decimal(1)
    else:
        numerator = value(head, language)
        if numerator is None:
            return None
    # as kb/model/english_numbers.py does for English: the ratio kept to 6 places (2/3 → 66.6667%)
    return (numerator / Decimal(table[words[-1]])).quantize(Decimal("0.000001")) * 100


__all__ = ["value", "scale", "fraction", "WORDS", "SCALES", "DENOMINATORS"]
