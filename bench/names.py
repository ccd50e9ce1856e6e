"""Names benchmark (issue #14): resolving a name in a KB of many entities, through the
names index (kb/derived/names_index.py, ``names.sqlite``) and the resolver
(kb/services/names.py), side by side with the raw engines in the same run.

    python bench/names.py --entities 100000 --json names-100k.json   # the documented run
    python bench/names.py --entities 10000
    python bench/names.py --entities 2000 --calls 50                  # seconds, smoke test

A fresh KB in a temporary directory gets ``--entities`` synthetic entities declared in
the metadata graph exactly as claimkb writes them (``kb.model.claim.named_quads``:
``<base>entities/<slug> a ckb:Entity ; rdfs:label "…"``, 30% with one
``skos:altLabel``, 10% with ``owl:sameAs wd:Q…``), plus 25 properties, ``N // 100``
people and 50 publishers, loaded straight into the store as N-Quads
(``kb.store.load``). The names index is then rebuilt from the store (timed).

*Labels.* Place- and organisation-like names of 1–5 words ("Province of Kunduz",
"National Bank of Hérat", "Kunduz–Takhār Corridor", "Ministry of Défense of Balkh"):
class words (Province, Ministry, …), adjectives and topics from fixed lists, and proper
names from a list of real ones plus ``max(300, N // 15)`` made-up ones (syllables with
accents: é, ü, ā, ø, ł …), so that a proper name recurs in ~20 labels at any size. One
label in five (and every one that would otherwise repeat a name) ends in a number
("Ministry of Défense 221", "Kunduz River-3487"). Every label, alias and key is unique
after ``kb.model.names.normalise``, so no lookup is ambiguous. Aliases are the other
form of the name ("Kunduz Province" for "Province of Kunduz") or a transliteration of
its proper name ("Qunduz"). 1% of the entities are planted near-duplicates of another
one (a one-letter typo in a word of 5+ letters, or -isation/-ization): dedupe should
propose them.

*Cases,* each ``--calls`` calls (``--slow-calls`` for the near-duplicate searches) on
different names, after ``--warmup`` calls; p50 / p95 / max in ms, wall clock:

* ``Entities.find("entities", text)``: an existing label written another way (other
  case, dashes for spaces, en dashes for hyphens, accents dropped): the resolver's
  exact path (normalise, then an index lookup).
* ``Names.candidates("entities", text)`` for an existing label written another way, for
  an alias, and for a new label one letter off an existing one (the near-duplicate
  search over every name of the kind, rapidfuzz). Its first call after a write (the
  list of all names reloaded from SQLite) is timed apart, "cold".
* ``kb.resolve_names([record])``: one ClaimRecord whose subject is an existing entity
  (by its key/label; by an alias) or a new one (one letter off), property "length".
* the raw engines: the same lookup as one SQLite SELECT on ``names.sqlite`` (its own
  connection), ``normalise`` alone, and the old exact-label SPARQL query of the web
  form (``named_by_label.rq`` through ``kb.select``, and the rendered text straight to
  the store), given the label exactly as stored (it cannot match another spelling).
* ``Entities.listing("entities", query="kunduz")``, the first page without a query, and
  what the claim form's autocomplete (``/names/suggest``) asks for as a name is typed:
  the first 3–8 letters of a label, 10 results.
* ``Entities.dedupe("entities")`` once, in a worker process after the KB is closed
  (``--dedupe-timeout``, default 600 s; ``--skip-dedupe``), with how many planted
  near-duplicates it proposed.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from rdflib import Literal, URIRef  # noqa: E402

from kb.model.claim import ClaimRecord, Named, named_quads  # noqa: E402
from kb.model.iris import Minter, slugify  # noqa: E402
from kb.model.names import NEAR_DUPLICATE, closeness, normalise  # noqa: E402
from kb.model.vocab import CKB, SCHEMA  # noqa: E402
from runinfo import RESULT, loadavg, machine, worker_result  # noqa: E402

DEFAULT_BASE = "http://localhost:5000/"
SUGGESTIONS = 10    # the claim form's autocomplete (web/views/edit.py, /names/suggest)

# ----------------------------------------------------------------- vocabularies

CLASSES = ["Province", "District", "City", "Region", "Valley", "River", "Border", "Corridor",
           "Ministry", "Agency", "Council", "Bank", "University", "Hospital", "Front", "Army",
           "Militia", "Committee", "Commission", "Authority", "Directorate", "Department",
           "Institute", "Court", "Port", "Airport", "Railway", "Highway", "Camp", "Crossing",
           "Dam", "Lake", "Mountains", "Pass", "Oblast", "Governorate", "Municipality",
           "Prefecture", "Republic", "Federation", "Union", "Party", "Movement", "Alliance",
           "Brigade", "Police", "Service", "Guard", "Fund", "Organisation"]
ADJECTIVES = ["National", "Northern", "Southern", "Eastern", "Western", "Central", "Upper",
              "Lower", "Greater", "New", "Old", "Grand", "Independent", "Popular",
              "Democratic", "United", "Federal", "Provincial", "Regional", "Royal", "Free",
              "Autonomous", "Supreme", "Interim"]
TOPICS = ["Défense", "Health", "Finance", "Interior", "Education", "Agriculture", "Énergie",
          "Foreign Affairs", "Justice", "Transport", "Water", "Mines", "Refugees", "Labour",
          "Trade", "Culture", "Public Works", "Telecommunications", "Environment",
          "Reconstruction", "Women’s Affairs", "Économie", "Santé Publique", "Irrigation"]
PROPER = ["Kunduz", "Hérat", "Balkh", "Takhār", "Badakhshān", "Panjshir", "Kandahār",
          "Helmand", "Zürich", "Łódź", "Kraków", "Málaga", "Niš", "Brașov", "Gdańsk",
          "Tromsø", "Düsseldorf", "Québec", "Córdoba", "Mazār", "Khujand", "Dushanbe",
          "Kabul", "Kulob", "Termez", "Qurghonteppa", "Rasht", "Vakhsh", "Pyanj", "Fayzabad",
          "Jalālābād", "Ghazni", "Bāmiyān", "Sāri Pul", "Nangarhār", "Kōln", "São Tomé",
          "Ōsaka", "Thessaloníki", "Plovdiv"]
_ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "kh", "sh", "ch", "br", "dr", "kr", "tr", "st", "gh", "q"]
_VOWELS = ["a", "e", "i", "o", "u", "a", "o", "ai", "ou", "é", "ā", "ü", "ö", "á", "ī", "ø"]
_CODAS = ["", "", "n", "r", "l", "s", "k", "sh", "m", "z", "rd", "nd", "ł", "ç"]
FIRST = ["Amina", "José", "Zoë", "Farīd", "Ömer", "Łucja", "Renée", "Tariq", "Nadia", "Søren",
         "Ahmad", "Élodie", "Jürgen", "Malika", "Rustam", "Gulnora", "Ines", "Karim", "Lena",
         "Dmitrī"]
LAST = ["Rahimi", "García", "Nazarov", "Müller", "Kowalska", "Haidari", "Dubois", "Sørensen",
        "Karimova", "Ōta", "Popescu", "Novák", "Safi", "Yusufzai", "Ibragimov", "Lindqvist"]
PROPERTIES = ["length", "population", "area", "number of refugees", "number of casualties",
              "unemployment rate", "share of adults vaccinated", "number of districts captured",
              "aid delivered", "controlled by", "date of the last census", "date of reopening",
              "status", "number of members", "number of detainees", "budget",
              "number of troops deployed", "number of open crossings", "duration of the closure",
              "share of territory controlled by the government",
              "inflation rate", "number of schools open", "number of displaced people",
              "water level", "number of polling stations"]
_TRANSLIT = [("k", "q"), ("u", "ou"), ("i", "ee"), ("sh", "ch"), ("z", "s"), ("é", "e"),
             ("ā", "aa"), ("o", "u"), ("a", "e")]


@dataclass
class Synthetic:
    """The generated names: entities (each a Named), which were planted as
    near-duplicates of which, and the other kinds."""

    entities: list[Named]
    planted: list[tuple[str, str]] = field(default_factory=list)   # (duplicate IRI, original IRI)
    properties: list[Named] = field(default_factory=list)
    people: list[Named] = field(default_factory=list)
    publishers: list[Named] = field(default_factory=list)


def _proper_names(rng: random.Random, count: int) -> list[str]:
    names = list(PROPER)
    seen = {normalise(n) for n in names}
    while len(names) < count:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS)
                       for _ in range(rng.choice((2, 2, 3)))) + rng.choice(_CODAS)
        word = word[:1].upper() + word[1:]
        if normalise(word) not in seen and len(word) >= 4:
            seen.add(normalise(word))
            names.append(word)
    return names


def _label(rng: random.Random, propers: list[str]) -> tuple[str, str, str]:
    """A label, its template ("PC" and "CofP" have another form: "Kunduz Province",
    "Province of Kunduz") and its proper name."""
    p, c = rng.choice(propers), rng.choice(CLASSES)
    roll = rng.random()
    if roll < 0.10:
        return p, "P", p
    if roll < 0.30:
        return f"{p} {c}", "PC", p
    if roll < 0.50:
        return f"{c} of {p}", "CofP", p
    if roll < 0.65:
        return f"{rng.choice(ADJECTIVES)} {c} of {p}", "ACofP", p
    if roll < 0.75:
        dash = rng.choice(("-", "-", "\u2013"))
        return f"{p}{dash}{rng.choice(propers)} {c}", "P-P C", p
    if roll < 0.85:
        topic = rng.choice(TOPICS)
        body = rng.choice(('Ministry', 'Directorate', 'Department', 'Commission'))
        return (f"{body} of {topic}" + ("" if " " in topic else f" of {p}"), "CofT", p)
    return f"{rng.choice(ADJECTIVES)} {p} {c}", "APC", p


def _numbered(rng: random.Random, label: str, dash: bool = False) -> str:
    """The label with a number ("Kunduz River 12", "Kunduz River-3487")."""
    return f"{label}{'-' if dash else rng.choice((' ', '-'))}{rng.randint(1, 9999)}"


def _transliterate(rng: random.Random, text: str) -> str:
    for old, new in rng.sample(_TRANSLIT, len(_TRANSLIT)):
        lowered = text.lower()
        at = lowered.find(old)
        if at > 0:
            return text[:at] + new + text[at + len(old):]
    return text + "a"


def _alias(rng: random.Random, label: str, template: str, proper: str) -> str:
    number = ""
    if label[-1].isdigit():
        stem, _, digits = label.replace("-", " ").rpartition(" ")
        if digits.isdigit() and template != "P-P C":
            label, number = label[:-(len(digits) + 1)], " " + digits
    if template == "PC" and " " in label:
        p, _, c = label.rpartition(" ")
        return f"{c} of {p}{number}"
    if template == "CofP":
        c, _, p = label.partition(" of ")
        return f"{p} {c}{number}"
    return label.replace(proper, _transliterate(rng, proper), 1) + number


def typo(rng: random.Random, label: str) -> str | None:
    """``label`` one letter off (substituted, dropped, doubled or two swapped) in one of
    its words of five or more letters, or -isation / -ization swapped; None when it has
    no such word."""
    if "isation" in label or "ization" in label:
        return label.replace("isation", "ization") if "isation" in label \
            else label.replace("ization", "isation")
    words = label.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    at = rng.randrange(1, len(w) - 1)
    how = rng.choice(("sub", "drop", "double", "swap"))
    if how == "sub":
        letter = rng.choice([x for x in "aeioulnrst" if x != w[at].lower()])
        w = w[:at] + letter + w[at + 1:]
    elif how == "drop":
        w = w[:at] + w[at + 1:]
    elif how == "double":
        w = w[:at] + w[at] + w[at:]
    else:
        if w[at] != w[at + 1]:
            w = w[:at] + w[at + 1] + w[at] + w[at + 2:]
        else:
            w = w[:at] + "e" + w[at + 1:]
    words[i] = w
    return " ".join(words)


def written_another_way(rng: random.Random, label: str) -> str:
    """The same name as a user may type it: other case, a space as a dash or a dash as
    an en dash, accents dropped; ``normalise`` maps it back to the label's form."""
    text = label
    if rng.random() < 0.5:
        text = "".join(c for c in unicodedata.normalize("NFKD", text)
                       if not unicodedata.combining(c))
    if "-" in text:
        text = text.replace("-", "–", 1)
    elif " " in text and rng.random() < 0.6:
        spaces = [i for i, c in enumerate(text) if c == " "]
        at = rng.choice(spaces)
        text = text[:at] + "-" + text[at + 1:]
    text = rng.choice((str.upper, str.lower, str.swapcase))(text)
    return text


def build(entities: int, seed: int = 1, base: str = DEFAULT_BASE) -> Synthetic:
    """``entities`` entities (1% planted near-duplicates) and the other kinds, the same
    for the same arguments."""
    rng = random.Random(seed)
    iris = Minter(base)
    propers = _proper_names(rng, max(300, entities // 15))
    used: set[str] = set()       # normalised names and keys in use

    def free(*texts: str) -> bool:
        return all(normalise(t) and normalise(t) not in used for t in texts)

    out: list[Named] = []
    planted: list[tuple[str, str]] = []
    planted_iris: set[str] = set()
    plant_every = 100
    qid = 100_000
    while len(out) < entities:
        if out and len(out) % plant_every == plant_every - 1:
            original = out[rng.randrange(len(out))]
            if str(original.iri) in planted_iris:
                continue
            label = typo(rng, original.label)
            if label and free(label, slugify(label)) and len(slugify(label)) >= 3 and \
                    closeness(normalise(label), normalise(original.label))[0] >= NEAR_DUPLICATE:
                named = Named(iris.entity(label), label)
                used.update({normalise(label), normalise(slugify(label))})
                out.append(named)
                planted.append((str(named.iri), str(original.iri)))
                planted_iris.add(str(named.iri))
            continue
        label, template, proper = _label(rng, propers)
        if rng.random() < 0.2 or not free(label, slugify(label)):
            label = _numbered(rng, label, dash=len(label.split()) >= 5)
            if not free(label, slugify(label)):
                continue
        used.update({normalise(label), normalise(slugify(label))})
        aliases: tuple[str, ...] = ()
        if rng.random() < 0.3:
            alias = _alias(rng, label, template, proper)
            if free(alias):
                used.add(normalise(alias))
                aliases = (alias,)
        wikidata = None
        if rng.random() < 0.1:
            qid += rng.randint(1, 50)
            wikidata = f"Q{qid}"
        out.append(Named(iris.entity(label), label, wikidata=wikidata, aliases=aliases))
    properties = [Named(iris.property(p), p) for p in PROPERTIES]
    people, seen = [], set()
    while len(people) < max(50, entities // 100):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name in seen:
            name = f"{name} {len(people)}"
        seen.add(name)
        people.append(Named(iris.person(name), name))
    publishers = [Named(iris.publisher(f"The {p} {kind}"), f"The {p} {kind}")
                  for p in PROPER[:10]
                  for kind in ("Times", "Herald", "Post", "Gazette", "Courier")]
    return Synthetic(out, planted, properties, people, publishers)


def quads(syn: Synthetic) -> list[tuple]:
    """Every quad of the names, as claimkb writes them (kb.model.claim.named_quads)."""
    found = []
    for items, rdf_type in ((syn.entities, CKB.Entity), (syn.properties, CKB.ClaimProperty),
                            (syn.people, SCHEMA.Person), (syn.publishers, SCHEMA.Organization)):
        for named in items:
            found += named_quads(named, rdf_type)
    return found


def nquads(syn: Synthetic) -> bytes:
    """The names as one N-Quads document (UTF-8)."""
    return "".join(f"{s.n3()} {p.n3()} {o.n3()} {g.n3()} .\n"
                   for s, p, o, g in quads(syn)).encode("utf-8")


# ----------------------------------------------------------------- measuring

def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, -(-len(ordered) * pct // 100) - 1))] \
        if ordered else float("nan")


def timed(fn, inputs: list, warmup: int) -> dict:
    """``fn`` called on each input, the first ``warmup`` ones untimed: ms per call
    (wall clock, and the process's CPU time), p50 / p95 / max / mean."""
    for x in inputs[:warmup]:
        fn(x)
    ms, cpu = [], []
    for x in inputs[warmup:]:
        c, t = time.process_time(), time.perf_counter()
        fn(x)
        ms.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return {"calls": len(ms), "p50": statistics.median(ms), "p95": percentile(ms, 95),
            "max": max(ms), "mean": statistics.fmean(ms), "cpu_p50": statistics.median(cpu),
            "cpu_p95": percentile(cpu, 95)}


def open_kb(data_dir: Path):
    from kb import KnowledgeBase, load_settings

    return KnowledgeBase.open(load_settings(env={}, data_dir=data_dir))


def load(kb, syn: Synthetic) -> dict:
    """Put the names into ``kb``'s store and rebuild the names index; the timings."""
    t0 = time.perf_counter()
    data = nquads(syn)
    t1, c1 = time.perf_counter(), time.process_time()
    count = kb.store.load(data, "nquads")
    t2, c2 = time.perf_counter(), time.process_time()
    indexed = kb.indexes.names_index.rebuild()
    t3, c3 = time.perf_counter(), time.process_time()
    path = kb.indexes.names_index.path
    return {"quads": count, "nquads_mb": len(data) / 1e6, "serialise_s": t1 - t0,
            "store_load_s": t2 - t1, "store_load_cpu_s": c2 - c1, "index_rebuild_s": t3 - t2,
            "index_rebuild_cpu_s": c3 - c2, "indexed": indexed,
            "names_sqlite_mb": path.stat().st_size / 1e6}


def measure(kb, syn: Synthetic, *, calls: int = 300, slow_calls: int = 50,
            warmup: int = 20, seed: int = 1) -> tuple[list[dict], dict]:
    """Every per-call case (see the module docstring) on a KB holding ``syn``; the rows
    of the table and a few checks (hit counts)."""
    from kb.model.quantity import parse_quantity
    from kb.store import sparql

    rng = random.Random(seed + 1)
    planted = {a for a, _ in syn.planted}
    plain = [e for e in syn.entities if str(e.iri) not in planted]
    sample = [rng.choice(plain) for _ in range(calls + warmup)]
    variants = [written_another_way(rng, e.label) for e in sample]
    with_alias = [e for e in plain if e.aliases]
    alias_sample = [rng.choice(with_alias) for _ in range(calls + warmup)]
    long_ones = [e for e in plain if len(e.label) >= 14]
    norms = {normalise(e.label) for e in syn.entities} | {
        normalise(a) for e in syn.entities for a in e.aliases}
    typos: list[tuple[str, str]] = []      # (new label, the entity it is one letter off)
    while len(typos) < slow_calls + min(warmup, 5):
        e = rng.choice(long_ones)
        t = typo(rng, e.label)
        if t and normalise(t) not in norms and \
                closeness(normalise(t), normalise(e.label))[0] >= NEAR_DUPLICATE:
            typos.append((t, str(e.iri)))
    checks: dict = {}
    rows: list[dict] = []
    index = kb.indexes.names_index
    names = kb.names

    def row(case: str, engine: str, result: dict, note: str = "") -> None:
        rows.append({"case": case, "engine": engine, "note": note, **result})

    # (a) the resolver's exact path
    hits = [0]

    def find(text):
        if kb.entities.find("entities", text) is not None:
            hits[0] += 1

    row("find: existing label written another way", "Entities.find", timed(find, variants, warmup))
    checks["find_hits"] = f"{hits[0]}/{len(variants)}"

    # (d) raw engines on the same lookup
    db = sqlite3.connect(f"file:{index.path}?mode=ro", uri=True)
    sql = ("SELECT r.iri FROM names n JOIN resources r ON r.id = n.resource "
           "WHERE n.norm = ? AND r.kind = ?")
    pre = [normalise(v) for v in variants]
    row("same lookup, engine only", "SQLite SELECT … WHERE norm = ?",
        timed(lambda norm: db.execute(sql, (norm, "entities")).fetchall(), pre, warmup))
    checks["sqlite_hits"] = sum(1 for n in pre if db.execute(sql, (n, "entities")).fetchall())
    row("normalise(text) alone", "kb.model.names.normalise", timed(normalise, variants, warmup))
    labels = [e.label for e in sample]
    row("old web form: exact label, as stored", "SPARQL named_by_label.rq (kb.select)",
        timed(lambda label: kb.select("named_by_label.rq", label=Literal(label), type=CKB.Entity,
                                      limit=1), labels, warmup))
    rendered = [sparql.render("named_by_label.rq", label=Literal(x), type=CKB.Entity, limit=1)
                for x in labels]
    row("old web form: exact label, as stored", "Oxigraph query only (text rendered)",
        timed(kb.store.query, rendered, warmup))
    checks["sparql_hits_exact"] = sum(
        1 for x in labels[:50] if kb.select("named_by_label.rq", label=Literal(x),
                                            type=CKB.Entity, limit=1))
    checks["sparql_hits_written_another_way"] = sum(
        1 for x in variants[:50] if kb.select("named_by_label.rq", label=Literal(x),
                                              type=CKB.Entity, limit=1))
    checks["sparql_checked"] = len(labels[:50])

    # (b) candidates: an existing name, an alias, a new near name
    row("candidates: existing label written another way", "Names.candidates",
        timed(lambda t: names.candidates("entities", t), variants, warmup))
    row("candidates: an alias", "Names.candidates",
        timed(lambda e: names.candidates("entities", e.aliases[0]), alias_sample, warmup))
    warm = min(warmup, 5)

    def cold(text):
        index._cache = {}       # as after a write: the list of all names is reloaded
        return names.candidates("entities", text)

    cold_result = timed(cold, [t for t, _ in typos[:warm]], 0)
    first = names.candidates("entities", typos[0][0])
    t = time.perf_counter()
    index.all_names("entities")
    cached_all = (time.perf_counter() - t) * 1000
    reload = timed(lambda _: (setattr(index, "_cache", {}), index.all_names("entities")),
                   range(warm), 0)
    known = index.all_names("entities")
    choices = known.names
    found = [0, 0]

    def near_dup(pair):
        text, original = pair
        existing, cands = names.candidates("entities", text)
        if any(c.iri == original for c in cands):
            found[0] += 1
        elif existing is not None and existing.iri == original:
            # not new after all: its key (slugify drops ø, ł …) is the original's key
            found[1] += 1

    result = timed(near_dup, typos[warm:], 0)
    found_in_timed = found[0]
    row("candidates: new label one letter off (near-duplicate search)", "Names.candidates",
        result, f"{len(choices):,} names searched")
    row("  the same, first call after a write (cold)", "Names.candidates", cold_result,
        f"all_names reload p50 {reload['p50']:.0f} ms")
    checks["near_found"] = f"{found_in_timed}/{len(typos) - warm}"
    checks["near_resolved_by_same_key"] = found[1]
    checks["first_near_candidates"] = len(first[1])
    checks["all_names"] = len(choices)
    checks["all_names_reload_ms"] = round(reload["p50"], 1)
    checks["all_names_cached_ms"] = round(cached_all, 3)

    # the near-duplicate search itself, without the resolver around it
    row("  NameSet.near() alone, one query over all names", "rapidfuzz + word index",
        timed(lambda pair: known.near(normalise(pair[0])), typos[warm:], 0))

    # (c) resolve_names for one record
    length = Named(kb.iris.property("length"), "length")
    value = parse_quantity("3 km", None, "bench")
    source = URIRef(DEFAULT_BASE + "articles/bench")

    def record(i: int, subject: Named) -> ClaimRecord:
        return ClaimRecord(iri=kb.iris.claim(f"bench-{i}"), modality=CKB.Factual, source=source,
                           statement="s", subject=subject, predicate=length, value=value)

    by_key = [record(i, Named(e.iri, e.label)) for i, e in enumerate(sample)]
    by_alias = [record(i, Named(kb.iris.entity(e.aliases[0]), e.aliases[0]))
                for i, e in enumerate(alias_sample)]
    new = [record(i, Named(kb.iris.entity(t), t)) for i, (t, _) in enumerate(typos)]
    row("resolve_names: 1 record, subject by key/label", "kb.resolve_names",
        timed(lambda r: kb.resolve_names([r]), by_key, warmup))
    row("resolve_names: 1 record, subject by alias", "kb.resolve_names",
        timed(lambda r: kb.resolve_names([r]), by_alias, warmup))
    row("resolve_names: 1 record, new subject one letter off", "kb.resolve_names",
        timed(lambda r: kb.resolve_names([r]), new[warm:], 0), "near-duplicate warning")
    checks["resolve_alias_resolved"] = sum(
        1 for r, e in zip(by_alias[:50], alias_sample)
        if kb.resolve_names([r]).records[0].subject.iri == e.iri)
    outcomes = [kb.resolve_names([r]) for r in new[warm:warm + 20]]
    checks["resolve_new_warned"] = f"{sum(1 for o in outcomes if o.warnings)}/{len(outcomes)}"
    checks["resolve_new_resolved_by_same_key"] = sum(
        1 for o in outcomes if not o.warnings
        and index.get(str(o.records[0].subject.iri), "entities") is not None)

    # (e) listing
    pages = min(calls, 20) + 3
    row("listing: query \"kunduz\" (first page of 50)", "Entities.listing",
        timed(lambda q: kb.entities.listing("entities", query=q), ["kunduz"] * pages, 3))
    row("listing: no query (first page of 50)", "Entities.listing",
        timed(lambda q: kb.entities.listing("entities", query=q), [None] * pages, 3))
    typed = [normalise(e.label)[:rng.randint(3, 8)] for e in sample[:min(calls, 50) + 3]]
    row(f"listing as /names/suggest: 3-8 letters typed, limit {SUGGESTIONS}", "Entities.listing",
        timed(lambda q: kb.entities.listing("entities", query=q, limit=SUGGESTIONS), typed, 3))
    checks["listing_kunduz_items"] = len(kb.entities.listing("entities", query="kunduz")["items"])
    db.close()
    return rows, checks


# ----------------------------------------------------------------- dedupe (own process)

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_dedupe(args) -> None:
    kb = open_kb(Path(args.store))
    planted = {tuple(p) for p in json.loads(Path(args.planted).read_text())}
    c0, t0 = time.process_time(), time.perf_counter()
    proposals = kb.entities.dedupe("entities")
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    pairs = {tuple(sorted((p.survivor.iri, p.other.iri))) for p in proposals}
    found = sum(1 for a, b in planted if tuple(sorted((a, b))) in pairs)
    kb.close()
    print(RESULT + json.dumps({"seconds": seconds, "cpu_s": cpu_s, "proposals": len(proposals),
                               "planted": len(planted), "planted_found": found,
                               "peak_rss_mb": round(peak_rss_mb(), 1)}), flush=True)


def run_dedupe(store: Path, planted: Path, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "dedupe",
           "--store", str(store), "--planted", str(planted)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"stopped": True, "seconds": time.perf_counter() - t0, "timeout": timeout}
    return worker_result(proc, "dedupe worker")


# ----------------------------------------------------------------- report

def _ms(x: float) -> str:
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 100 else f"{x:,.0f}"


def table(rows: list[dict]) -> str:
    head = ["case", "engine", "calls", "p50 ms", "p95 ms", "max ms", "CPU p50 / p95 ms", "note"]
    body = [[r["case"], r["engine"], str(r["calls"]), _ms(r["p50"]), _ms(r["p95"]),
             _ms(r["max"]), f"{_ms(r['cpu_p50'])} / {_ms(r['cpu_p95'])}", r.get("note", "")]
            for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    numeric = range(2, 7)

    def fmt(cells):
        return "| " + " | ".join(c.rjust(w) if i in numeric else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    sep = "|" + "|".join("-" * (w + 1) + (":" if i in numeric else "-")
                         for i, w in enumerate(widths)) + "|"
    return "\n".join([fmt(head), sep] + [fmt(b) for b in body])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="claimkb names benchmark (issue #14)")
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--calls", type=int, default=300, help="calls per cheap case")
    parser.add_argument("--slow-calls", type=int, default=50,
                        help="calls per near-duplicate search case")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--skip-dedupe", action="store_true")
    parser.add_argument("--dedupe-timeout", type=float, default=600,
                        help="stop dedupe after this many seconds (reported as stopped)")
    parser.add_argument("--workdir", type=Path, help="where the KB goes (default: a new "
                        "temporary directory, removed afterwards)")
    parser.add_argument("--keep", action="store_true", help="keep the workdir")
    parser.add_argument("--json", type=Path, help="also write all results as JSON here")
    parser.add_argument("--worker", choices=("dedupe",), help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--planted", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker_dedupe(args)
        return 0

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="claimkb-names-"))
    workdir.mkdir(parents=True, exist_ok=True)
    info = machine("pyoxigraph", "rapidfuzz")
    print(f"claimkb names benchmark: {args.entities:,} entities, seed {args.seed}")
    print(f"machine: {info['nproc']} cores, {info['cpu']}; Python {info['python']}, "
          f"pyoxigraph {info['pyoxigraph']}, SQLite {info['sqlite']}, rapidfuzz "
          f"{info['rapidfuzz']}")
    print(f"workdir: {workdir}; load average {loadavg()}", flush=True)
    try:
        t = time.perf_counter()
        syn = build(args.entities, args.seed)
        build_s = time.perf_counter() - t
        aliases = sum(1 for e in syn.entities if e.aliases)
        linked = sum(1 for e in syn.entities if e.wikidata)
        store = workdir / "kb"
        kb = open_kb(store)
        try:
            loaded = load(kb, syn)
            loaded["build_s"] = build_s
            print(f"data: {len(syn.entities):,} entities ({aliases:,} with an alias, {linked:,} "
                  f"with a Wikidata id, {len(syn.planted):,} planted near-duplicates), "
                  f"{len(syn.properties)} properties, {len(syn.people):,} people, "
                  f"{len(syn.publishers)} publishers: {loaded['quads']:,} quads")
            print(f"generate {build_s:.1f} s, N-Quads {loaded['serialise_s']:.1f} s "
                  f"({loaded['nquads_mb']:.1f} MB), kb.store.load {loaded['store_load_s']:.1f} s "
                  f"(CPU {loaded['store_load_cpu_s']:.1f} s), names index rebuild "
                  f"{loaded['index_rebuild_s']:.1f} s (CPU {loaded['index_rebuild_cpu_s']:.1f} s; "
                  f"{loaded['indexed']:,} resources, "
                  f"names.sqlite {loaded['names_sqlite_mb']:.1f} MB)",
                  flush=True)
            rows, checks = measure(kb, syn, calls=args.calls, slow_calls=args.slow_calls,
                                   warmup=args.warmup, seed=args.seed)
        finally:
            kb.close()
        dedupe = None
        if not args.skip_dedupe:
            planted = workdir / "planted.json"
            planted.write_text(json.dumps(syn.planted))
            print(f"dedupe (worker, timeout {args.dedupe_timeout:.0f} s) …", flush=True)
            dedupe = run_dedupe(store, planted, args.dedupe_timeout)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(f"load average at the end: {loadavg()}")
    print(table(rows))
    print()
    print("checks: " + ", ".join(f"{k} {v}" for k, v in checks.items()))
    if dedupe is None:
        print("dedupe: skipped (--skip-dedupe)")
    elif dedupe.get("stopped"):
        print(f"dedupe: STOPPED after {dedupe['seconds']:.0f} s (--dedupe-timeout)")
    else:
        print(f"dedupe: {dedupe['seconds']:.1f} s (CPU {dedupe['cpu_s']:.1f} s), "
              f"{dedupe['proposals']:,} proposals, planted near-duplicates proposed "
              f"{dedupe['planted_found']}/{dedupe['planted']}, "
              f"peak RSS {dedupe['peak_rss_mb']:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "args": vars(args) | {
            "workdir": str(workdir), "json": str(args.json)}, "data": loaded, "rows": rows,
            "checks": checks, "dedupe": dedupe}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
