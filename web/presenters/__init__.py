"""Presenters: the data a page shows, shaped from what the view read from the kb — the
dicts the templates render and the JSON twins serialise (claim rows, a claim's page,
chart series, annotation cards…).

A presenter never queries: the view reads, the presenter shapes. Where shaping has to
follow a link (the replies of an annotation, the parent a reply is on) the view hands
it the service to follow it with, explicitly. Presenters build URLs (``url_for``) and
short ids (web/params.py ``short``), which need the app, not the store.
"""
