"""Operator-only commands run by the uploader's identity (docs/cli.md, who may run what): one line
with the status, code and operation of the refusal and the grant it takes, never the SDK's dict."""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.auth import UPLOADER_PROFILE

OPERATOR_HINT = (
    f"is operator-only (docs/cli.md, who may run what) and profile {UPLOADER_PROFILE} lacks the grant"
)


def test_sweep_as_the_uploader_is_one_line_without_a_fix_hint(cli: Any) -> None:
    cli.deploy("op")
    for argv in (("sweep",), ("sweep", "--json")):
        res = cli("--profile", UPLOADER_PROFILE, *argv)
        assert res.code == 1 and res.out == ""
        assert res.err.count("\n") == 1 and "{" not in res.err and "--fix" not in res.err
        assert res.err.startswith("error: 404 NotAuthorizedOrNotFound on list_endpoints: ")
        assert f"`sweep` {OPERATOR_HINT}" in res.err


@pytest.mark.parametrize("command", ["cancel", "teardown"])
def test_steering_as_the_uploader_names_the_operators_grant(cli: Any, command: str) -> None:
    cli.deploy("op")
    res = cli("--profile", UPLOADER_PROFILE, command, "op", "--yes" if command == "teardown" else "--json")
    assert (
        res.code == 1
        and res.err.count("\n") == 1
        and res.err.startswith("error: 404 NotAuthorizedOrNotFound")
    )
    assert f"`{command}` {OPERATOR_HINT}: run it with the operator's --profile" in res.err
    assert cli("status", "op", "--json").json()["stage"] == "DONE"  # nothing changed
