"""Options several commands share. Parser-only: importing this module loads no SDK."""

from __future__ import annotations

import argparse

from shared.contract.paths import valid_name

# Said once wherever a cost would show and no price is known (never "unknown/h").
NO_PRICE = "no price configured (--price, AI_UNIT_PRICE_PER_HOUR or `model-import local up --price`)"


def seconds(text: str) -> float:
    """An argparse type: a duration above 0 (`--interval 0` would poll without pause, -1 never)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def import_name(text: str) -> str:
    """An argparse type: a valid import name, so a bad one is a usage error (exit 2) before any look-up."""
    if not valid_name(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a valid import name: 1-63 of A-Z a-z 0-9 . _ -, starting with a letter or "
            "digit, no '..'"
        )
    return text


def add_bucket_options(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("bucket")
    g.add_argument("--bucket", "--bucket-name", dest="bucket", help="the watched bucket (env BUCKET_NAME)")
    g.add_argument(
        "--state-bucket",
        dest="state_bucket",
        help="the bucket of state documents and ledger; only the function writes it (env STATE_BUCKET_NAME)",
    )
    g.add_argument("--namespace", "--namespace-name", dest="namespace", help="Object Storage namespace")


def add_price_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--price",
        type=float,
        default=None,
        metavar="PER_AI_UNIT_HOUR",
        help="price of one AI unit per hour (env AI_UNIT_PRICE_PER_HOUR); unset shows no cost",
    )


def add_state_options(p: argparse.ArgumentParser, *, watch: bool = True) -> None:
    """The bucket, the stall threshold and (for commands that can follow an import) --watch timing."""
    add_bucket_options(p)
    p.add_argument(
        "--stall-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="an import not written for this long is stalled (default: the function's poll budget + 60 s)",
    )
    if not watch:
        return
    p.add_argument(
        "--interval", type=seconds, default=5.0, metavar="SECONDS", help="--watch: seconds between looks"
    )
    p.add_argument(
        "--timeout", type=seconds, default=None, metavar="SECONDS", help="--watch: give up after this"
    )


def help_with_default(action: argparse.Action) -> str:
    """An option's help with its default appended, unless the text already names one or there is none.

    Used by `--help` (cli.main) and by docs/cli.md (cli.docgen), so both say the same."""
    text = action.help or ""
    default = action.default
    if text == argparse.SUPPRESS or "default" in text or not action.option_strings:
        return text
    if default is None or default is False or default == [] or default == argparse.SUPPRESS:
        return text
    return f"{text} (default {default:g})" if isinstance(default, float) else f"{text} (default {default})"
