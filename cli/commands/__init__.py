"""Every command of `model-import`: the module that defines it and its one-line help, in `--help` order.

`cli.main` imports only the module of the command being run, so `--help`, `findings` and
`inspect FOLDER` never load the OCI SDK. A command module imports at its top only what its parser
needs; its handlers import the SDK and what loads it (cli/state_reader.py, shared/pipeline/store.py,
...) when they run, so `COMMAND --help` stays fast too (tests/cli/test_startup.py). The one-line
help lives here so that the list of commands needs no module at all
(tests/cli/test_main_conventions.py keeps it equal to each module's own).
"""

from __future__ import annotations

from typing import NamedTuple


class Command(NamedTuple):
    module: str
    help: str


COMMANDS: dict[str, Command] = {
    "findings": Command("cli.commands.findings", "list every finding code and its remedy"),
    "inspect": Command(
        "cli.commands.inspect",
        "check a model folder, bucket prefix or Hub repo: capability, size, shape, cost",
    ),
    "local": Command("cli.commands.local", "run the local cloud (an emulation of the OCI APIs used)"),
    "upload": Command("cli.commands.upload", "upload a model folder to the bucket and start its import"),
    "import-hf": Command("cli.commands.upload", "check a Hugging Face repo and write its import request"),
    "status": Command(
        "cli.commands.status", "every import with its stage, cost and endpoint; one import in detail"
    ),
    "retry": Command("cli.commands.steer", "resume a failed or stalled import from its stage"),
    "cancel": Command("cli.commands.steer", "stop an import and tear down what it made"),
    "sweep": Command("cli.commands.sweep", "find stalled imports and orphaned resources"),
    "list": Command("cli.commands.models", "list imported models in the compartment"),
    "get": Command("cli.commands.models", "show one imported model and its endpoints"),
    "update": Command("cli.commands.models", "change an imported model's name, metadata, tags"),
    "move": Command("cli.commands.models", "move an imported model to another compartment"),
    "delete": Command("cli.commands.models", "delete an imported model (refused while served)"),
    "teardown": Command("cli.commands.models", "remove what an import created: endpoint, cluster, model"),
    "cost": Command("cli.commands.models", "live hosting clusters and their hourly cost"),
}
