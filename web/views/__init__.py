"""The blueprints: one module per feature, each owning its URLs.

A view parses the request (web/params.py, web/forms/), calls the knowledge base
(``get_kb()``: the KnowledgeBase facade's public methods and attributes), shapes what
it got with a presenter (web/presenters/) and answers through web/render.py's
``respond()`` (HTML or a data twin); kb errors it lets through become HTTP errors in
web/errors.py. Templates get everything they show from the view: they never call the kb.

A view module imports no private (``_``) name of another web module
(tests/web/test_layout.py). Modules are registered in ``BLUEPRINTS`` order; one with an
``init_app(app)`` sets itself up (hooks, Jinja globals), the others are registered as
their ``bp``.
"""

BLUEPRINTS = ("home", "claims", "articles", "entities", "names", "compare", "facts", "sparql", "auth",
              "edit", "history", "annotate", "reliability", "annotations_api", "admin",
              "wikidata", "suggestions", "feeds", "fact_checks", "imports")
