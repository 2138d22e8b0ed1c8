"""Conventions every command shares: exit codes, --json, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.main import build_parser, main


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'no-such-command'" in err and "model-import --help" in err


def test_a_mistyped_command_gets_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "stauts"]) == 2
    assert "did you mean `model-import status`?" in capsys.readouterr().err


def test_global_options_before_or_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--json", "findings", "CONFIG_MISSING"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert main(["findings", "CONFIG_MISSING", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == before
    assert main(["--output", "json", "findings", "--output", "table"]) == 0
    assert capsys.readouterr().out.startswith("CODE")  # the later one wins, as in the OCI CLI


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("model-import 0.")


def test_broken_pipe_exits_quietly() -> None:
    """`model-import findings | head -1`: once the reader has gone, no error line, as git does.

    The read end is closed before the command starts, so its first write meets a closed pipe."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "cli.main", "findings"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
            timeout=60,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == "" and proc.returncode == 141


def test_json_is_short_for_output_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", "CONFIG_MISSING", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc[0]["code"] == "CONFIG_MISSING" and doc[0]["severity"] == "error"
    assert main(["findings", "CONFIG_MISSING", "--output", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == doc


def test_errors_are_one_line_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["findings", "NOT_A_CODE"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "model-import findings" in err


def test_common_oci_options_on_every_command() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():  # type: ignore[attr-defined]
        options = {o for a in subparser._actions for o in a.option_strings}
        for opt in ("--profile", "--config-file", "--region", "--compartment-id", "--output", "--json"):
            assert opt in options, f"{name} lacks {opt}"


def test_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cli.main", "findings", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(json.loads(out.stdout)) > 30


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["inspect"],
            "model-import inspect: error: the following arguments are required: SOURCE "
            "(see model-import inspect --help)",
        ),
        (
            ["delete", "chat", "--bogus"],
            "model-import delete: error: unrecognized arguments: --bogus (see model-import delete --help)",
        ),
        (
            ["local", "up", "--bogus"],
            "model-import local up: error: unrecognized arguments: --bogus "
            "(see model-import local up --help)",
        ),
        (["stauts"], "model-import: error: unknown command 'stauts'; did you mean `model-import status`?"),
    ],
)
def test_a_usage_error_is_one_line_naming_the_command(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2 and capsys.readouterr().err == line + "\n"


def test_a_commands_usage_names_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["status", "--help"])
    assert capsys.readouterr().out.startswith("usage: model-import status [-h]")


def test_a_missing_oci_config_is_one_line_saying_how_to_set_it_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("MODEL_IMPORT_LOCALCLOUD", "OCI_CLI_CONFIG_FILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH"):
        monkeypatch.delenv(key, raising=False)
    missing = tmp_path / "no" / "config"
    argv = [
        "status",
        "--config-file",
        str(missing),
        "--bucket",
        "b",
        "--state-bucket",
        "s",
        "--namespace",
        "n",
    ]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"error: no OCI config file at {missing} — create it with `oci setup config`, pass --config-file "
        "(env OCI_CLI_CONFIG_FILE), or point MODEL_IMPORT_LOCALCLOUD at a local cloud's localcloud.json\n"
    )


def test_upload_refuses_a_rejected_folder_before_reading_the_oci_config(
    tmp_path: Path,
    tiny_model: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A local refusal needs no cloud: with no OCI config at all the folder's refusal is what shows."""
    for key in ("MODEL_IMPORT_LOCALCLOUD", "OCI_CLI_CONFIG_FILE", "OCI_CLI_PROFILE", "OCI_CLI_AUTH"):
        monkeypatch.delenv(key, raising=False)
    folder = tiny_model("remote")
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "custom"
    config["auto_map"] = {"AutoConfig": "configuration_custom.CustomConfig"}
    (folder / "config.json").write_text(json.dumps(config))
    missing = str(tmp_path / "no" / "config")
    argv = ["upload", str(folder), "--config-file", missing, "--bucket", "b", "--namespace", "n"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("error: the pipeline would reject this model (REMOTE_CODE)")
    assert "config file" not in err
