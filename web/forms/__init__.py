"""Reading a write's fields: an HTML form, or the same fields as a JSON object (API
clients). One reader for every form of the app (claims, annotations, ratings, users).

The modules of this package turn what a form says into what the kb takes:
selection.py (a quote's selectors, checked against the stored text), claim.py (the
claim form ↔ a ClaimRecord), annotation.py (the annotation form → a W3C Web
Annotation), sparql.py (a SPARQL Protocol request; the gallery's parameterised
queries)."""
from __future__ import annotations

from flask import request

from kb.errors import InputError


def read_form(fields: tuple[str, ...], *, numbers: bool = False) -> dict:
    """The request's values of ``fields`` as text (JSON whole numbers kept as numbers when
    ``numbers``); absent fields are left out. Raises InputError (→ 400) for a JSON body
    that is not an object, an unknown field, or a value that is not text (or not
    valid Unicode)."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise InputError(f"the body must be a JSON object of the form's fields "
                             f"({', '.join(fields)})")
        unknown = set(data) - set(fields)
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(sorted(unknown))} "
                             f"(allowed: {', '.join(fields)})")
        source = data
    else:
        source = request.form
    form = {}
    for key in fields:
        value = source.get(key)
        if value is None:
            continue
        if isinstance(value, (dict, list, bool)):
            raise InputError(f"{key} must be text")
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:      # a lone surrogate ("\ud800") from a JSON body
                raise InputError(f"{key} is not valid text (a lone UTF-16 surrogate)") from None
        form[key] = value if numbers and isinstance(value, int) else str(value)
    return form
