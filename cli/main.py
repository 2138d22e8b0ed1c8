"""Entry point of `model-import`.

Options follow OCI CLI habits (`--profile`, `--config-file`, `--region`,
`--compartment-id`, `--auth`, `--output table|json`, `--json`). Exit codes:
0 success, 1 rejected or failed, 2 usage error. Errors are one line with what to
do; `--debug` adds the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from cli.errors import explain
from cli.output import CliError

# Each module registers its subcommands with `register(subparsers, common)`.
COMMAND_MODULES: tuple[str, ...] = (
    "cli.commands.findings",
    "cli.commands.inspect",
    "cli.commands.local",
    "cli.commands.upload",
    "cli.commands.status",
    "cli.commands.steer",
    "cli.commands.sweep",
    "cli.commands.models",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def common_options() -> argparse.ArgumentParser:
    """Options every command accepts, after the subcommand as the OCI CLI allows."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("OCI options")
    g.add_argument(
        "--profile", default=os.environ.get("OCI_CLI_PROFILE"), help="profile in the OCI config file"
    )
    g.add_argument("--config-file", default=os.environ.get("OCI_CLI_CONFIG_FILE"), help="OCI config file")
    g.add_argument("--region", default=os.environ.get("OCI_CLI_REGION"), help="region, e.g. us-chicago-1")
    g.add_argument(
        "--compartment-id",
        default=os.environ.get("OCI_CLI_COMPARTMENT_ID") or os.environ.get("COMPARTMENT_ID"),
        help="compartment OCID",
    )
    g.add_argument(
        "--auth",
        choices=["api_key", "instance_principal", "resource_principal", "security_token"],
        default=os.environ.get("OCI_CLI_AUTH"),
        help="authentication (default api_key, or what the local cloud says)",
    )
    g.add_argument("--output", choices=["table", "json"], default="table", help="output format")
    g.add_argument("--json", dest="output", action="store_const", const="json", help="same as --output json")
    g.add_argument("--debug", action="store_true", help="show tracebacks and SDK detail")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="model-import",
        description="Bring open models into OCI Generative AI: inspect, upload, import, host, serve.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = common_options()
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a command not built yet
                continue
            raise
        module.register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the one place that turns surprises into one readable line
        if args.debug:
            traceback.print_exc()
        known = explain(exc)
        if known is not None:
            print(f"error: {known}", file=sys.stderr)
        else:
            print(f"error: {type(exc).__name__}: {exc} (run again with --debug for detail)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
