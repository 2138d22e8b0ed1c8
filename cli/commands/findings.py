"""`model-import findings`: the findings catalogue, as a table or JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.output import print_json, print_table
from shared.findings import CATALOGUE

PROG = "model-import"


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("findings", parents=[common], help="list every finding code and its remedy")
    p.add_argument("code", nargs="?", help="show one code")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    rules = [r for r in CATALOGUE.values() if args.code in (None, r.code)]
    if not rules:
        from cli.output import CliError

        raise CliError(f"unknown finding code {args.code!r}; run `model-import findings` for the list", 2)
    if args.output == "json":
        print_json(
            [
                {
                    "code": r.code,
                    "severity": r.severity.value,
                    "meaning": r.meaning,
                    "remedy": r.remedy,
                    "group": r.group,
                }
                for r in rules
            ]
        )
    elif args.code:
        rule = rules[0]  # one code: everything about it, the remedy above all
        for key, value in (
            ("code", rule.code),
            ("severity", rule.severity.value),
            ("group", rule.group),
            ("meaning", rule.meaning),
            ("remedy", rule.remedy),
        ):
            print(f"{key:<8}  {value}")
    else:
        print_table(["code", "severity", "meaning"], [(r.code, r.severity.value, r.meaning) for r in rules])
        print(f"`{PROG} findings CODE` shows a code's remedy", file=sys.stderr)
    return 0
