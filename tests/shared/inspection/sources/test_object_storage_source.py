"""ObjectStorageSource through the real `oci` SDK: a loopback server, then the local cloud."""

from __future__ import annotations

from pathlib import Path

import oci

from shared.inspection import ObjectStorageSource, inspect_artifacts
from tests.shared.inspection.builders import (
    FOUR_LAYERS,
    TINY_LLAMA_CONFIG,
    split_shards,
    tiny_llama_tensors,
    write_model,
)
from tests.shared.inspection.sources.loopback import folder_files, object_storage_route, oci_config, serve

NS, BUCKET = "testns", "models-bucket"


def _client(tmp_path: Path, url: str) -> oci.object_storage.ObjectStorageClient:
    return oci.object_storage.ObjectStorageClient(oci_config(tmp_path), service_endpoint=url)


def _objects(tmp_path: Path, prefix: str) -> tuple[dict[str, bytes], int]:
    tensors = tiny_llama_tensors(layers=4, hidden=128, inter=256, vocab=512, kv=64)
    config = {
        **TINY_LLAMA_CONFIG,
        "hidden_size": 128,
        "intermediate_size": 256,
        "vocab_size": 512,
        "num_hidden_layers": 4,
    }
    params = write_model(tmp_path / "model", config, split_shards(tensors, 3))
    objects = {prefix + name: data for name, data in folder_files(tmp_path / "model").items()}
    objects[prefix + "import.json"] = b"{}"
    objects[prefix] = b""  # a folder marker, as the console creates
    objects["models/other/config.json"] = b"{}"
    return objects, params


def test_listing_pages_strips_the_prefix_and_leaves_the_manifest_out(tmp_path: Path) -> None:
    objects, _ = _objects(tmp_path, "models/tiny/")
    with serve(object_storage_route(NS, BUCKET, objects, page_size=2)) as server:
        src = ObjectStorageSource(_client(tmp_path, server.url), NS, BUCKET, "models/tiny")
        names = [e.name for e in src.list_files()]
        assert "import.json" not in names and "" not in names
        assert "config.json" in names and all(not n.startswith("models/") for n in names)
        assert sum(1 for r in server.requests if r["path"].startswith(f"/n/{NS}/b/{BUCKET}/o?")) >= 4


def test_inspects_a_model_with_ranged_reads(tmp_path: Path) -> None:
    objects, params = _objects(tmp_path, "models/tiny/")
    with serve(object_storage_route(NS, BUCKET, objects, page_size=1000)) as server:
        src = ObjectStorageSource(_client(tmp_path, server.url), NS, BUCKET, "models/tiny/")
        report = inspect_artifacts(src)
        assert report.ok, report.findings
        assert report.parameters == params and report.parameters_source == "safetensors"
        assert report.source == f"oci://{BUCKET}@{NS}/models/tiny/"
        ranges = [
            r["headers"].get("Range") or r["headers"].get("range")
            for r in server.requests
            if r["path"].endswith(".safetensors")
        ]
        assert ranges and all(r and r.startswith("bytes=") for r in ranges)
        weights = sum(len(d) for n, d in objects.items() if n.endswith(".safetensors"))
        assert src.stats.bytes_read < weights / 50  # headers and metadata only


def test_a_server_that_ignores_range_cannot_make_a_read_unbounded(tmp_path: Path) -> None:
    objects = {"m/big.bin": bytes(5 * 1024 * 1024)}
    with serve(object_storage_route(NS, BUCKET, objects, ignore_range=True)) as server:
        src = ObjectStorageSource(_client(tmp_path, server.url), NS, BUCKET, "m/")
        assert len(src.read_range("big.bin", 0, 8)) == 8
        assert src.stats.bytes_read == 8


def test_a_missing_bucket_is_a_finding_not_an_exception(tmp_path: Path) -> None:
    with serve(object_storage_route(NS, BUCKET, {})) as server:
        client = _client(tmp_path, server.url)
        client.base_client.retry_strategy = oci.retry.NoneRetryStrategy()
        report = inspect_artifacts(ObjectStorageSource(client, NS, "no-such-bucket", "models/x/"))
        assert report.codes() == ["SOURCE_UNREADABLE"]
        assert "404" in report.findings[0].message


def test_against_the_local_cloud(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    params = write_model(tmp_path / "model", FOUR_LAYERS, split_shards(tiny_llama_tensors(layers=4), 3))
    localcloud.stage(tmp_path / "model", "models/tiny/")
    client = localcloud.factory.object_storage()
    src = ObjectStorageSource(client, localcloud.info.namespace, localcloud.info.bucket, "models/tiny/")
    report = inspect_artifacts(src)
    assert report.ok, report.findings
    assert report.parameters == params
    assert src.stats.requests <= 3 + 1 + 4  # 3 shards (+1 for the first), config, index, tokenizer config


def test_sparse_shards_in_the_local_cloud_are_read_by_header_only(localcloud, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shards = {
        f"model-{i:05d}-of-00002.safetensors": {
            f"model.layers.{i}.mlp.up_proj.weight": ("BF16", [131072, 131072])
        }
        for i in (1, 2)
    }
    params = write_model(
        tmp_path / "big", {**TINY_LLAMA_CONFIG, "num_attention_heads": 64}, shards, sparse=True
    )
    localcloud.stage(tmp_path / "big", "models/big/")
    src = ObjectStorageSource(
        localcloud.factory.object_storage(), localcloud.info.namespace, localcloud.info.bucket, "models/big/"
    )
    report = inspect_artifacts(src)
    assert report.parameters == params and report.weights_bytes == 2 * params
    assert src.stats.bytes_read < 16 * 1024
