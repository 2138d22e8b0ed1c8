"""Entry point of `model-import`.

Options follow OCI CLI habits (`--profile`, `--config-file`, `--region`,
`--compartment-id`, `--auth`, `--output table|json`, `--json`), before or after the command;
`--genai-region` names Generative AI's region when it is not the bucket's (Object Storage stays
in `--region`).
Exit codes: 0 success, 1 rejected or failed, 2 usage error. Errors are one line with what to
do; `--debug` adds the traceback.

Start-up is kept short: only the module of the command being run is imported (see
cli/commands/__init__.py), and nothing here loads the OCI SDK, so `--help` and the commands
that need no cloud answer at the speed of a bare interpreter (bench/cli_startup.py).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
import traceback
from collections.abc import Iterable, Sequence
from typing import Any

from cli.commands import COMMANDS
from cli.options import help_with_default
from cli.output import CliError

PROG = "model-import"


class _Formatter(argparse.HelpFormatter):
    def _get_help_string(self, action: argparse.Action) -> str:
        return help_with_default(action).replace("%", "%%")


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        """A usage error is one line naming the command, and where its usage is, exit 2."""
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(2)


class _VersionAction(argparse.Action):
    """`--version`, looked up only when asked (reading the installed metadata costs start-up time)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            text = version("oci-model-import")
        except PackageNotFoundError:
            text = "unknown (not installed: run `pip install -e .`)"
        print(f"{PROG} {text}")
        parser.exit()


def _add_global_options(p: argparse.ArgumentParser, *, defaults: bool) -> None:
    """The OCI CLI's options. With `defaults` False (on each command) an option left out keeps what
    was given before the command, so `model-import --json status` and `status --json` agree."""

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    env = os.environ
    g = p.add_argument_group("OCI options")
    g.add_argument(
        "--profile",
        metavar="NAME",
        default=default(env.get("OCI_CLI_PROFILE")),
        help="profile in the OCI config file (env OCI_CLI_PROFILE; default DEFAULT)",
    )
    g.add_argument(
        "--config-file",
        metavar="PATH",
        default=default(env.get("OCI_CLI_CONFIG_FILE")),
        help="OCI config file (env OCI_CLI_CONFIG_FILE; default ~/.oci/config)",
    )
    g.add_argument(
        "--region",
        metavar="REGION",
        default=default(env.get("OCI_CLI_REGION")),
        help="region, e.g. us-chicago-1 (env OCI_CLI_REGION; default the profile's)",
    )
    g.add_argument(
        "--genai-region",
        metavar="REGION",
        default=default(env.get("MODEL_IMPORT_GENAI_REGION")),
        help="region of Generative AI when not the bucket's, as the function's REGION, e.g. eu-frankfurt-1 "
        "(env MODEL_IMPORT_GENAI_REGION; default the local cloud's, else --region)",
    )
    g.add_argument(
        "--compartment-id",
        metavar="OCID",
        default=default(env.get("OCI_CLI_COMPARTMENT_ID") or env.get("COMPARTMENT_ID")),
        help="compartment OCID (env OCI_CLI_COMPARTMENT_ID or COMPARTMENT_ID)",
    )
    g.add_argument(
        "--auth",
        choices=["api_key", "instance_principal", "resource_principal", "security_token"],
        metavar="MODE",
        default=default(env.get("OCI_CLI_AUTH")),
        help="api_key, instance_principal, resource_principal or security_token "
        "(env OCI_CLI_AUTH; default api_key, or what the local cloud says)",
    )
    g.add_argument(
        "--output", choices=["table", "json"], default=default("table"), help="output format (default table)"
    )
    g.add_argument(
        "--json", dest="output", action="store_const", const="json", default=default("table"),
        help="same as --output json",
    )  # fmt: skip
    g.add_argument(
        "--debug", action="store_true", default=default(False), help="show tracebacks and SDK detail"
    )


def common_options() -> argparse.ArgumentParser:
    """Options every command accepts after its name, as the OCI CLI allows."""
    p = argparse.ArgumentParser(add_help=False)
    _add_global_options(p, defaults=False)
    return p


def command_in(argv: Sequence[str]) -> str | None:
    """The command argv names: its first word that is not an option or an option's value."""
    top = _top_parser()
    takes_value = {o for a in top._actions if a.nargs != 0 for o in a.option_strings}
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return argv[i + 1] if i + 1 < len(argv) else None
        if not word.startswith("-") or word == "-":
            return word
        i += 2 if word in takes_value else 1
    return None


def _top_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        usage=f"{PROG} [--version] [OCI options] COMMAND [options]",
        description="Bring open models into OCI Generative AI: inspect, upload, import, host, serve.",
        epilog=f"Run `{PROG} COMMAND --help` for a command's options. Reference: docs/cli.md.",
        allow_abbrev=False,  # a global option is found before the command without argparse's help
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    _add_global_options(parser, defaults=True)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, each module imported (for docs/cli.md and the tests)."""
    return _parser_of(dict.fromkeys(c.module for c in COMMANDS.values()))


def parser_for(command: str | None) -> argparse.ArgumentParser:
    """The parser main needs for `command`: only its module is imported, the other commands are
    listed by their one-line help (none at all for `--help` or no command)."""
    return _parser_of([COMMANDS[command].module] if command in COMMANDS else [])


def _parser_of(modules: Iterable[str]) -> argparse.ArgumentParser:
    parser = _top_parser()
    # prog: a command's usage reads `model-import status [...]`, not the top usage line before it.
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, prog=PROG)
    common = common_options()
    for module in modules:
        importlib.import_module(module).register(subparsers, common)
    for name, command in COMMANDS.items():
        if name not in subparsers.choices:
            subparsers.add_parser(name, help=command.help, add_help=False)
    order = list(COMMANDS)
    subparsers._choices_actions.sort(key=lambda a: order.index(a.dest) if a.dest in order else len(order))
    return parser


def _command_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the (sub)command `args` ran, e.g. `local up`; `parser` itself without one."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = getattr(args, action.dest, None)
            if chosen in action.choices:
                return _command_parser(action.choices[chosen], args)
    return parser


def _unknown_command(word: str) -> int:
    near = difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=0.6)
    hint = f"did you mean `{PROG} {near[0]}`?" if near else f"`{PROG} --help` lists the commands"
    print(f"{PROG}: error: unknown command {word!r}; {hint}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = command_in(argv)
    if command is not None and command not in COMMANDS:
        return _unknown_command(command)
    parser = parser_for(command)
    args, extra = parser.parse_known_args(argv)
    if extra:  # the command's parser says it, so the error names the command
        _command_parser(parser, args).error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers, not at exit
        return code
    except CliError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except Exception as exc:  # the one place that turns surprises into one readable line
        if args.debug:
            traceback.print_exc()
        from cli.errors import explain

        known = explain(exc, args)
        if known is not None:
            print(f"error: {known}", file=sys.stderr)
        else:
            print(f"error: {type(exc).__name__}: {exc} (run again with --debug for detail)", file=sys.stderr)
        return 1


def _quiet_broken_pipe() -> int:
    """The reader went away (`| head`): stop without a word, as git and the OCI CLI do.

    stdout is pointed at /dev/null so the interpreter's own flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a writer killed by a closed pipe


if __name__ == "__main__":
    raise SystemExit(main())
