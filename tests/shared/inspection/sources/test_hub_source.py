"""HubSource through the real `huggingface_hub` client: a loopback server, then the local cloud's Hub."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from shared.inspection import HubSource, inspect_artifacts
from tests.shared.inspection.builders import (
    FOUR_LAYERS,
    split_shards,
    tiny_llama_tensors,
    write_model,
)
from tests.shared.inspection.sources.loopback import folder_files, hub_route, serve

REPO = "acme/tiny-llama"
TOKEN = "hf_" + "s3cr3t" * 5


def _files(tmp_path: Path) -> tuple[dict[str, bytes], int]:
    params = write_model(tmp_path / "m", FOUR_LAYERS, split_shards(tiny_llama_tensors(layers=4), 2))
    return folder_files(tmp_path / "m"), params


def test_inspects_a_gated_repo_with_a_token_that_never_leaks(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    files, params = _files(tmp_path)
    with serve(hub_route(REPO, files, token=TOKEN)) as server:
        src = HubSource(REPO, "main", endpoint=server.url, token=TOKEN)
        report = inspect_artifacts(src)
        assert report.ok, report.findings
        assert report.parameters == params and report.source == f"hf://{REPO}@main"
        headers = [{k.lower(): v for k, v in r["headers"].items()} for r in server.requests]
        assert all(h.get("authorization") == f"Bearer {TOKEN}" for h in headers)
        ranged = [
            h
            for r, h in zip(server.requests, headers, strict=True)
            if "/resolve/" in r["path"] and r["path"].endswith(".safetensors")
        ]
        assert ranged and all(h.get("range", "").startswith("bytes=") for h in ranged)
    assert TOKEN not in json.dumps(report.to_json_dict())
    assert TOKEN not in caplog.text and TOKEN not in repr(src)


def test_a_refused_token_and_a_missing_repo(tmp_path: Path) -> None:
    files, _ = _files(tmp_path)
    with serve(hub_route(REPO, files, token=TOKEN)) as server:
        denied = inspect_artifacts(HubSource(REPO, endpoint=server.url, token="hf_wrong"))
        assert denied.codes() == ["HF_ACCESS_DENIED"]
        missing = inspect_artifacts(HubSource("acme/nothing-here", endpoint=server.url, token=TOKEN))
        assert missing.codes() == ["HF_REPO_NOT_FOUND"]


def test_hf_endpoint_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files, _ = _files(tmp_path)
    with serve(hub_route(REPO, files)) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        src = HubSource(REPO)
        assert src.endpoint == server.url
        assert "config.json" in [e.name for e in src.list_files()]


def test_against_the_local_cloud_hub(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo_dir = localcloud.state_dir / "hub" / "acme" / "tiny-llama"
    params = write_model(repo_dir, FOUR_LAYERS, split_shards(tiny_llama_tensors(layers=4), 3))
    src = HubSource(REPO, "main", endpoint=localcloud.info.hub_endpoint)
    report = inspect_artifacts(src)
    assert report.ok, report.findings
    assert report.parameters == params
    (repo_dir / ".localcloud-gated").write_text(TOKEN + "\n")
    denied = inspect_artifacts(HubSource(REPO, endpoint=localcloud.info.hub_endpoint))
    assert [f.code for f in denied.findings if f.severity == "error"] == ["HF_ACCESS_DENIED"]
    assert denied.findings[0].subject == "config.json"  # stopped at the first refusal, no shard was tried
    gated = inspect_artifacts(HubSource(REPO, endpoint=localcloud.info.hub_endpoint, token=TOKEN))
    assert gated.ok and gated.parameters == params
