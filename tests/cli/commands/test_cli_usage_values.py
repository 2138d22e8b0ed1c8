"""Bad values are usage errors before any look-up, and a refusal names the way out."""

from __future__ import annotations

from typing import Any

import pytest

from shared.contract.state import Stage


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["status", "bad/name"], "argument NAME: 'bad/name' is not a valid import name"),
        (["retry", "a..b"], "argument NAME: 'a..b' is not a valid import name"),
        (["status", "--watch", "--interval", "-1"], "argument --interval: must be above 0, not -1"),
        (["status", "--watch", "--interval", "0"], "argument --interval: must be above 0, not 0"),
        (["delete", "m", "--poll", "0"], "argument --poll: must be above 0, not 0"),
    ],
)
def test_bad_values_are_usage_errors(cli: Any, argv: list[str], words: str) -> None:
    res = cli(*argv)
    assert res.code == 2 and res.err.count("\n") == 1
    assert res.err.startswith(f"model-import {argv[0]}: error: {words}")


def test_retry_of_a_torn_down_import_names_the_way_to_start_it_again(cli: Any) -> None:
    cli.put_state("gone", Stage.TORN_DOWN)
    res = cli("retry", "gone")
    assert res.code == 1 and res.err == (
        "error: gone is TORN_DOWN: what it made is deleted and a retry has nothing to resume; "
        "`model-import upload FOLDER --name gone --again` starts a new import of it\n"
    )
    hf = cli.new_state("hub").move_to(Stage.TORN_DOWN)
    source = hf.source.model_copy(update={"model_id": "acme/tiny", "revision": "main"})
    cli.store.put(hf.model_copy(update={"source": source}), None)
    assert "`model-import import-hf acme/tiny@main --name hub --again`" in cli("retry", "hub").err
    assert cli("status", "gone", "--json").json()["stage"] == "TORN_DOWN"
