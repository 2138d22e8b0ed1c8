"""`model-import inspect`: folder, oci:// and hf:// sources, table and JSON, exit codes 0/1/2.

(It lives beside the inspection tests; the CLI's own test folder belongs to its owner.)
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from tests.shared.inspection.builders import (
    FOUR_LAYERS,
    TINY_LLAMA_CONFIG,
    fixture_config,
    split_shards,
    tiny_llama_tensors,
    write_model,
)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's own usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (
        "AI_UNIT_PRICE_PER_HOUR",
        "ALLOWED_SHAPES",
        "SERVING_CONTEXT_TOKENS",
        "SERVING_CONCURRENCY",
        "MODEL_IMPORT_LOCALCLOUD",
        "HF_ENDPOINT",
        "HF_TOKEN",
    ):
        monkeypatch.delenv(key, raising=False)


def test_an_importable_folder_exits_0_with_the_documented_json(tmp_path: Path) -> None:
    params = write_model(tmp_path, TINY_LLAMA_CONFIG)
    code, out, _ = cli("inspect", str(tmp_path), "--output", "json", "--price", "2")
    doc: dict[str, Any] = json.loads(out)
    assert code == 0 and doc["ok"] is True
    assert (doc["parameters"], doc["parameters_source"]) == (params, "safetensors")
    assert doc["capability"] == "TEXT_TO_TEXT" and doc["recommended_shape"] == "A100_80G_X1"
    assert doc["cost_per_hour"] == pytest.approx(6.48) and doc["ai_units"] == 3.24
    for key in ("weights_bytes", "memory_gib", "runner_up_shape", "findings"):
        assert key in doc


def test_a_config_only_folder_is_rejected_but_still_sized(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps(fixture_config("mistralai/Mixtral-8x7B-Instruct-v0.1")))
    code, out, _ = cli("inspect", str(tmp_path), "--json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False
    assert doc["parameters_source"] == "config" and doc["recommended_shape"] == "A100_80G_X2"
    assert "WEIGHTS_MISSING" in [f["code"] for f in doc["findings"]]


def test_the_table_is_a_short_readable_report(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    code, out, _ = cli("inspect", str(tmp_path), "--capability", "TEXT_TO_TEXT")
    assert code == 0
    for label in ("Verdict", "Capability", "Parameters", "Memory need", "Shape", "Cost"):
        assert label in out
    assert "no price configured" in out and "importable" in out


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert cli("inspect", str(tmp_path / "missing"))[0] == 2
    assert cli("inspect", "hf://not-a-repo")[0] == 2
    assert cli("inspect", "oci://bucket-without-namespace/x")[0] == 2
    assert cli("inspect", "s3://bucket/x")[0] == 2
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    assert cli("inspect", str(tmp_path), "--allowed-shapes", "A10_X3")[0] == 2
    assert cli("inspect", str(tmp_path), "--capability", "SPEECH")[0] == 2


def test_requested_shape_and_allowed_shapes(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    code, out, _ = cli(
        "inspect", str(tmp_path), "--json", "--unit-shape", "H100_X1", "--allowed-shapes", "A10_X1"
    )
    assert code == 1 and "SHAPE_NOT_ALLOWED" in [f["code"] for f in json.loads(out)["findings"]]


def test_oci_source_against_the_local_cloud(
    localcloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    params = write_model(tmp_path / "m", FOUR_LAYERS, split_shards(tiny_llama_tensors(layers=4), 2))
    localcloud.stage(tmp_path / "m", "models/tiny/")
    for key, value in localcloud.env.items():
        monkeypatch.setenv(key, value)
    url = f"oci://{localcloud.info.bucket}@{localcloud.info.namespace}/models/tiny/"
    code, out, err = cli("inspect", url, "--json")
    assert code == 0, err
    assert json.loads(out)["parameters"] == params
    # it talks to the cloud anyway: the shape's dedicated-unit limit comes along
    assert json.loads(out)["unit_limit"]["limit_name"].startswith("dedicated-unit-")


def test_a_folder_stays_offline_unless_limits_are_asked_for(
    make_localcloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud(unit_limits={"dedicated-unit-a10-count": 0})
    write_model(tmp_path / "m", FOUR_LAYERS, split_shards(tiny_llama_tensors(layers=4), 2))
    code, out, _ = cli("inspect", str(tmp_path / "m"), "--unit-shape", "A10_X1", "--json")
    assert code == 0 and "unit_limit" not in json.loads(out)  # no cloud configured, none asked
    for key, value in cloud.env.items():
        monkeypatch.setenv(key, value)
    code, out, _ = cli("inspect", str(tmp_path / "m"), "--unit-shape", "A10_X1", "--limits", "--json")
    limit = json.loads(out)["unit_limit"]
    assert (limit["limit_name"], limit["limit"], limit["enough"]) == ("dedicated-unit-a10-count", 0, False)
    code, table, _ = cli("inspect", str(tmp_path / "m"), "--unit-shape", "A10_X1", "--limits")
    assert "UNIT_LIMIT_INSUFFICIENT" in table and "service limit increase" in table


def test_hf_source_against_the_local_cloud_hub(
    localcloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    params = write_model(localcloud.state_dir / "hub" / "acme" / "tiny", TINY_LLAMA_CONFIG)
    for key, value in localcloud.env.items():
        monkeypatch.setenv(key, value)
    code, out, err = cli("inspect", "hf://acme/tiny@main", "--json")
    assert code == 0, err
    assert json.loads(out)["parameters"] == params
    code, out, _ = cli("inspect", "hf://acme/absent", "--json")
    assert code == 1 and [f["code"] for f in json.loads(out)["findings"]] == ["HF_REPO_NOT_FOUND"]
