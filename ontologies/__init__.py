"""claimkb vocabulary and SHACL shapes (Turtle files shipped as package data)."""
from importlib.resources import files

VOCABULARY = files(__name__) / "claimkb.ttl"
SHAPES = files(__name__) / "shapes.ttl"

CLAIMREVIEW_SHAPES = files(__name__) / "claimreview-shapes.ttl"
