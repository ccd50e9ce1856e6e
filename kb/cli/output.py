"""Printing helpers shared by the commands: aligned tables, CSV, clipped cells."""
from __future__ import annotations

import csv
import io

import click

from kb.model.text_normalisation import clip

__all__ = ["FORMATS_OUT", "clip", "echo_csv", "echo_table"]

FORMATS_OUT = ("table", "json", "csv")


def echo_table(headers, rows) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [min(60, max([len(h)] + [len(r[i]) for r in cells])) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(clip(v, w).ljust(w) for v, w in zip(row, widths)).rstrip())


def echo_csv(headers, rows) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in r] for r in rows])
    click.echo(out.getvalue(), nl=False)
