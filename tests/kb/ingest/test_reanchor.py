"""Re-anchoring quotes in a new text version (kb/ingest/reanchor.py): realistic edits, then
properties over many random edits."""
from __future__ import annotations

import random

import pytest

from kb.ingest.reanchor import FUZZY_THRESHOLD, Reanchored, reanchor

from tests.conftest import SEED_ARTICLE

ARTICLE = SEED_ARTICLE.read_text(encoding="utf-8")
QUOTE = "Today the Taliban controls over 70% of the 1,344 km long Afghan-Tajik border."


def selectors(text: str, quote: str, occurrence: int = 0) -> dict:
    """The selectors kb.anchoring would have stored for ``quote`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    end = start + len(quote)
    return {"exact": quote, "prefix": text[max(0, start - 32):start],
            "suffix": text[end:end + 32], "start": start, "end": end}


def check(result: Reanchored | None, new: str) -> Reanchored:
    assert result is not None
    assert 0 <= result.start <= result.end <= len(new)
    assert result.exact == new[result.start:result.end]
    assert result.prefix == new[max(0, result.start - 32):result.start]
    assert result.suffix == new[result.end:result.end + 32]
    assert 0.0 <= result.score <= 1.0
    return result


# ---------------------------------------------------------------------- realistic edits

def test_unchanged_text_keeps_the_position():
    sel = selectors(ARTICLE, QUOTE)
    result = check(reanchor(ARTICLE, ARTICLE, **sel), ARTICLE)
    assert (result.start, result.end, result.method, result.score) == \
        (sel["start"], sel["end"], "position", 1.0)


def test_paragraph_inserted_before_moves_the_quote():
    new = "Editor's note: this article was updated on 12 July.\n\n" + ARTICLE
    result = check(reanchor(ARTICLE, new, **selectors(ARTICLE, QUOTE)), new)
    assert result.method == "quote"
    assert result.start == new.index(QUOTE) and result.exact == QUOTE


def test_typo_fixed_inside_the_quote():
    typo = QUOTE.replace("controls", "contorls").replace("Afghan", "Afgan")
    old = ARTICLE.replace(QUOTE, typo)
    new = "Update.\n\n" + ARTICLE
    result = check(reanchor(old, new, **selectors(old, typo)), new)
    assert result.method == "fuzzy"
    assert result.exact == QUOTE and result.start == new.index(QUOTE)
    assert FUZZY_THRESHOLD <= result.score < 1.0


def test_sentence_reworded_slightly():
    reworded = "Today the Taliban control more than 70% of the 1,344-km Afghan–Tajik border."
    new = ARTICLE.replace(QUOTE, reworded)
    result = check(reanchor(ARTICLE, new, **selectors(ARTICLE, QUOTE)), new)
    assert result.method == "fuzzy"
    assert (result.start, result.exact) == (new.index(reworded), reworded)


def test_deleted_quote_is_an_orphan():
    new = ARTICLE.replace(QUOTE, "")
    assert reanchor(ARTICLE, new, **selectors(ARTICLE, QUOTE)) is None


def test_rewritten_sentence_is_an_orphan():
    new = ARTICLE.replace(QUOTE, "By now most of the frontier with Tajikistan is held by "
                                 "the insurgents, officials in Dushanbe say.")
    assert reanchor(ARTICLE, new, **selectors(ARTICLE, QUOTE)) is None


def test_empty_quote_or_text_is_none():
    assert reanchor("abc", "abc", exact="") is None
    assert reanchor("abc", "abc", exact="   ") is None
    assert reanchor("abc", "", exact="abc") is None


REPEATED = ("The minister spoke in Kabul. The border was closed on Monday, he said. "
            "Traders waited for days.\n\n"
            "In Dushanbe the mood was calmer. The border was closed on Monday, he said. "
            "Nobody expected it to reopen soon.")
PHRASE = "The border was closed on Monday, he said."


@pytest.mark.parametrize("occurrence", [0, 1])
def test_repeated_phrase_is_disambiguated_by_context(occurrence):
    sel = selectors(REPEATED, PHRASE, occurrence)
    # a long paragraph inserted at the top: the old positions now point elsewhere
    new = "A new introduction. " * 20 + "\n\n" + REPEATED
    result = check(reanchor(REPEATED, new, **sel), new)
    assert result.method == "context"
    shift = len(new) - len(REPEATED)
    assert result.start == sel["start"] + shift


def test_context_wins_over_position():
    # the second occurrence's context, but an old position near the first one
    sel = selectors(REPEATED, PHRASE, 1)
    sel.update(start=0, end=len(PHRASE))
    result = check(reanchor(REPEATED, "X" + REPEATED, **sel), "X" + REPEATED)
    assert result.start == selectors(REPEATED, PHRASE, 1)["start"] + 1


def test_repeated_phrase_with_same_context_is_chosen_by_scaled_position():
    # the same sentence, in the same surroundings, in three paragraphs far apart
    filler = "Other words fill this paragraph. " * 30
    old = "".join(f"{filler}\n\nSame words here.\n\n" for _ in range(3)) + filler
    quote = "Same words here."
    second = old.index(quote, old.index(quote) + 1)
    sel = {"exact": quote, "start": second, "end": second + len(quote)}
    new = "A longer introduction than there was before. " * 3 + old[:-200]
    result = check(reanchor(old, new, **sel), new)
    assert result.method == "context"
    assert result.start == new.index(quote, new.index(quote) + 1)


def test_ambiguous_quote_without_any_context_is_an_orphan():
    assert reanchor(None, "a cat and a cat", exact="a cat") is None


def test_unicode_positions_are_code_points():
    quote = "the 🇹🇯 border — 1 344 km — is long"
    old = "Préface 😀 café naïve. " + quote + " Fin."
    sel = selectors(old, quote)
    assert old[sel["start"]:sel["end"]] == quote
    new = "🚀🚀 nouveau 👩‍👩‍👧 " + old
    result = check(reanchor(old, new, **sel), new)
    assert result.method == "quote" and result.start == new.index(quote)
    # fuzzy: an emoji inside the quote changed
    new2 = new.replace("🇹🇯", "🇦🇫")
    result = check(reanchor(old, new2, **sel), new2)
    assert result.method == "fuzzy"
    assert result.exact == quote.replace("🇹🇯", "🇦🇫")
    assert result.start == new2.index("the 🇦🇫")


def test_whitespace_changes():
    rewrapped = QUOTE.replace(" over ", "\n  over ").replace(" km ", "  km\n")
    new = ARTICLE.replace(QUOTE, rewrapped)
    result = check(reanchor(ARTICLE, new, **selectors(ARTICLE, QUOTE)), new)
    assert result.method == "quote" and result.exact == rewrapped
    # whitespace and a typo: fuzzy, on whitespace-normalised text
    both = rewrapped.replace("Taliban", "Talliban")
    new = ARTICLE.replace(QUOTE, both)
    result = check(reanchor(ARTICLE, new, **selectors(ARTICLE, QUOTE)), new)
    assert result.method == "fuzzy" and result.exact == both


def test_without_old_text_or_position():
    new = "Update.\n\n" + ARTICLE.replace("controls", "controlled")
    result = check(reanchor(None, new, exact=QUOTE), new)
    assert result.method == "fuzzy" and result.exact.startswith("Today the Taliban controlled")


def test_short_quote():
    result = check(reanchor("a 70% share", "x a 70% share", exact="70%", start=2, end=5),
                   "x a 70% share")
    assert (result.start, result.method) == (4, "quote")


def test_result_is_frozen():
    result = reanchor(ARTICLE, ARTICLE, **selectors(ARTICLE, QUOTE))
    with pytest.raises(AttributeError):
        result.start = 3


# ---------------------------------------------------------------------- random edits

WORDS = ("the border Taliban control percent soldiers fled river valley province said "
         "government forces 1,344 km 70% over more than thousand July Dushanbe Kabul "
         "café naïve 😀 🇹🇯 — « » a of and in to was is").split()


def random_text(rng: random.Random, words: int) -> str:
    out = []
    for i in range(words):
        out.append(rng.choice(WORDS))
        if rng.random() < 0.08:
            out.append(".\n\n" if rng.random() < 0.3 else ".")
    return " ".join(out)


def random_edit(rng: random.Random, text: str) -> str:
    kind = rng.choice(("insert", "delete", "replace", "paragraph", "whitespace", "swap"))
    i = rng.randrange(len(text) + 1)
    j = min(len(text), i + rng.randint(1, 40))
    if kind == "insert":
        return text[:i] + random_text(rng, rng.randint(1, 5)) + text[i:]
    if kind == "delete":
        return text[:i] + text[j:]
    if kind == "replace":
        return text[:i] + random_text(rng, rng.randint(1, 4)) + text[j:]
    if kind == "paragraph":
        return random_text(rng, 60) + "\n\n" + text if rng.random() < 0.5 else text + "\n\n" + random_text(rng, 60)
    if kind == "whitespace":
        return text[:i] + text[i:j].replace(" ", rng.choice(("\n", "  ", "\t "))) + text[j:]
    k = rng.randrange(max(1, len(text) - 1))
    return text[:k] + text[k + 1:k + 2] + text[k:k + 1] + text[k + 2:]


def test_random_edits_never_crash_and_results_are_consistent():
    rng = random.Random(20261124)
    methods = {"position": 0, "quote": 0, "context": 0, "fuzzy": 0, None: 0}
    for _ in range(400):
        old = random_text(rng, rng.randint(20, 400))
        a = rng.randrange(len(old))
        b = min(len(old), a + rng.randint(1, 120))
        sel = {"exact": old[a:b], "prefix": old[max(0, a - 32):a], "suffix": old[b:b + 32],
               "start": a, "end": b}
        new = old
        for _ in range(rng.randint(1, 5)):
            new = random_edit(rng, new)
        if not new:
            continue
        result = reanchor(old, new, **sel)
        methods[result.method if result else None] += 1
        if result is None:
            continue
        check(result, new)
        if result.method == "fuzzy":
            assert result.score >= FUZZY_THRESHOLD
        if result.method in ("position", "quote", "context"):
            assert " ".join(result.exact.split()) == " ".join(sel["exact"].split())
    # every strategy is exercised by the random edits
    assert all(methods[m] for m in ("position", "quote", "context", "fuzzy")), methods


def test_edits_outside_a_unique_quote_keep_it_found_where_it_moved():
    rng = random.Random(7)
    checked = 0
    for _ in range(300):
        old = random_text(rng, rng.randint(50, 300))
        a = rng.randrange(len(old) - 30)
        b = a + rng.randint(25, 30)
        quote = old[a:b]
        if old.count(quote) != 1 or not quote.strip():
            continue
        before, after = old[:a], old[b:]
        for _ in range(rng.randint(1, 4)):
            if rng.random() < 0.5 and before:
                before = random_edit(rng, before)
            elif after:
                after = random_edit(rng, after)
        new = before + quote + after
        if new.count(quote) != 1:
            continue
        sel = {"exact": quote, "prefix": old[max(0, a - 32):a], "suffix": old[b:b + 32],
               "start": a, "end": b}
        result = check(reanchor(old, new, **sel), new)
        assert result.start == len(before) and result.exact == quote
        checked += 1
    assert checked > 100


def _scatter(rng: random.Random, quote: str, edits: int) -> str:
    chars = list(quote)
    for i in rng.sample(range(len(chars)), edits):
        chars[i] = rng.choice("xqzjkv")
    return "".join(chars)


def test_quotes_with_few_scattered_edits_are_found_and_heavily_changed_ones_are_not():
    rng = random.Random(11)
    found = orphans = 0
    for _ in range(100):
        text = random_text(rng, 300)
        a = rng.randrange(len(text) - 100)
        b = a + rng.randint(40, 100)
        quote = text[a:b]
        light = _scatter(rng, quote, max(1, len(quote) // 12))   # ~8% of characters
        new = text[:a] + light + text[b:]
        result = reanchor(text, new, exact=quote, start=a, end=b,
                          prefix=text[max(0, a - 32):a], suffix=text[b:b + 32])
        check(result, new)
        # the match overlaps the edited span (its ends may shift by an edit or two)
        assert result.start < a + len(light) and result.end > a
        found += abs(result.start - a) <= 3
        heavy = _scatter(rng, quote, len(quote) * 6 // 10)        # 60% of characters
        new = text[:a] + heavy + text[b:]
        result = reanchor(text, new, exact=quote)
        orphans += result is None or result.score >= FUZZY_THRESHOLD and result.start != a
    assert found >= 95
    assert orphans == 100
