"""`model-import import-hf` against the local cloud's Hub (the real huggingface_hub client) and bucket."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from localcloud.hub_repo import gate_repo
from shared.contract.manifest import parse_request

TOKEN = "hf_localcloudtesttoken0123456789"


@pytest.fixture
def hub(cli: Any, tiny_model: Any) -> Any:
    """Two repos on the local Hub: acme/tiny-chat (public) and acme/gated-chat (needs TOKEN)."""
    root = cli.handle.state_dir / "hub" / "acme"
    src = tiny_model("hub-src")
    for repo in ("tiny-chat", "gated-chat"):
        shutil.copytree(src, root / repo)
    gate_repo(root / "gated-chat", [TOKEN])
    return root


def request_of(cli: Any, name: str) -> dict[str, Any]:
    raw = bytes(cli.os.get_object(cli.namespace, cli.bucket, f"requests/{name}.json").data.content)
    parse_request(raw, f"requests/{name}.json")  # the pipeline's own parser accepts it
    doc: dict[str, Any] = json.loads(raw)
    return doc


def request_exists(cli: Any, name: str) -> bool:
    names = [o.name for o in cli.os.list_objects(cli.namespace, cli.bucket, prefix="requests/").data.objects]
    return f"requests/{name}.json" in names


def test_import_hf_checks_the_repo_then_writes_the_request(cli: Any, hub: Any) -> None:
    res = cli("import-hf", "acme/tiny-chat", "--display-name", "Tiny", "--json")
    assert res.code == 0, res.err
    doc = res.json()
    assert doc["name"] == "tiny-chat" and doc["request_status"] == "created"
    assert doc["inspection"]["ok"] is True and doc["inspection"]["capability"] == "TEXT_TO_TEXT"
    assert request_of(cli, "tiny-chat") == {"model_id": "acme/tiny-chat", "display_name": "Tiny"}
    assert doc["request"] == request_of(cli, "tiny-chat")

    table = cli("import-hf", "acme/tiny-chat@main", "--name", "pinned")
    assert table.code == 0, table.err
    assert "wrote requests/pinned.json" in table.out and "model-import status pinned --watch" in table.out
    assert request_of(cli, "pinned") == {"model_id": "acme/tiny-chat", "revision": "main"}
    same = cli("import-hf", "acme/tiny-chat@main", "--name", "pinned")
    assert same.code == 0 and "unchanged" in same.out


def test_import_hf_refuses_a_missing_repo_unless_forced(cli: Any, hub: Any) -> None:
    res = cli("import-hf", "acme/nothing-here")
    assert res.code == 1
    assert "error: the pipeline would reject this model (" in res.err and "--force" in res.err
    assert not request_exists(cli, "nothing-here")
    forced = cli("import-hf", "acme/nothing-here", "--force", "--json")
    assert forced.code == 0 and request_exists(cli, "nothing-here")


def test_gated_repo_needs_the_token_and_the_token_is_never_written(
    cli: Any, hub: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    denied = cli("import-hf", "acme/gated-chat")
    assert denied.code == 1 and not request_exists(cli, "gated-chat")
    assert "HF_ACCESS_DENIED" in denied.err and "no token ($HF_TOKEN is unset)" in denied.err

    monkeypatch.setenv("MY_HUB_TOKEN", TOKEN)
    ok = cli("import-hf", "acme/gated-chat", "--hf-token-env", "MY_HUB_TOKEN", "--json")
    assert ok.code == 0, ok.err
    assert TOKEN not in ok.out and TOKEN not in ok.err
    assert TOKEN not in json.dumps(request_of(cli, "gated-chat"))

    monkeypatch.setenv("HF_TOKEN", TOKEN)  # the default variable
    again = cli("import-hf", "acme/gated-chat", "--name", "gated-2", "--no-deploy")
    assert again.code == 0, again.err
    assert request_of(cli, "gated-2") == {"model_id": "acme/gated-chat", "deploy": False}


def test_import_hf_usage_errors(cli: Any) -> None:
    assert cli("import-hf", "not-a-repo-id").code == 2
    assert cli("import-hf", "acme/x@bad..rev").code == 2
    assert cli("import-hf", "acme/x", "--name", "-bad").code == 2
