"""Asking before a command spends or destroys: a yes/no question on a terminal, a refusal elsewhere.

The question goes to stderr and the answer is read from stdin, so `--json` output on stdout stays
clean. Without a terminal nobody can answer: the command refuses with exit 2 (a missing option) and
names `--yes`, the option every asking command takes, as `apt` and `rm -i` do. Answering no is no
usage error: exit 1, and the same words everywhere ("you answered no: ...").
"""

from __future__ import annotations

import sys

from cli.output import CliError


def ask(question: str) -> bool | None:
    """The answer of the person at the terminal; None when stdin is not a terminal."""
    if not sys.stdin.isatty():
        return None
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def confirm(question: str, *, yes: bool, refusal: str, declined: str = "nothing was changed") -> None:
    """Return when `yes` was given or the person says yes; else exit 2 with `refusal` (no terminal)
    or exit 1 with `declined` (the person said no)."""
    if yes:
        return
    answer = ask(question)
    if answer:
        return
    if answer is None:
        raise CliError(refusal, exit_code=2)
    raise CliError(f"you answered no: {declined}", exit_code=1)
