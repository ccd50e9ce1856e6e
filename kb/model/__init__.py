"""Pure values and rules, with no store: the claim and its quads, articles, quantities,
units, dates, anchoring, the comparison rules, annotations as graphs, the vocabulary and
the IRIs claimkb mints."""
