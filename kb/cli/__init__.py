"""The ``claimkb`` command line. Every command has --help; errors print one line
``error: <where>: <message>`` and exit with the error's code (see kb/errors.py).

kb/cli/app.py holds the group (`main`) and its `Context`; the modules beside it hold
the commands, and this package adds them to the group, so `kb.cli.main` is the whole
command line (web/cli.py adds ``serve``)."""
from kb.cli import (accounts, annotations, claims, compare, entities, fact_checks, reliability,
                    suggest)
from kb.cli.app import Context, KBGroup, main

__all__ = ["Context", "KBGroup", "main"]

for _module in (claims, compare, entities, accounts, reliability, fact_checks, annotations,
                suggest):
    for _command in _module.COMMANDS:
        main.add_command(_command)
