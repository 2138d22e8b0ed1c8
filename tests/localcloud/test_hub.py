"""The local Hugging Face Hub inside the full local cloud, driven by the real `huggingface_hub` client."""

from __future__ import annotations

import http.client
import json
import random
import struct
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from huggingface_hub import HfApi, get_hf_file_metadata, hf_hub_download, hf_hub_url, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
    GatedRepoError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from localcloud.hub import HubService
from localcloud.hub_repo import gate_repo

GOOD_TOKEN = "hf_localcloud_good_token"


def safetensors_bytes(tensors: dict[str, tuple[str, list[int]]]) -> bytes:
    """A real safetensors file: 8-byte header length, JSON header, then the tensor bytes."""
    width = {"F32": 4, "BF16": 2, "F16": 2, "I64": 8}
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        n = width[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + bytes(i % 251 for i in range(offset))


@dataclass
class Hub:
    root: Path
    service: HubService
    endpoint: str
    cache: Path

    def api(self, token: str | bool = False) -> HfApi:
        return HfApi(endpoint=self.endpoint, token=token)


@pytest.fixture
def hub(localcloud: Any, tmp_path: Path) -> Hub:
    root = localcloud.state_dir / "hub"  # the cloud's default Hub root
    tiny = root / "acme" / "tiny"
    (tiny / "nested" / "deeper").mkdir(parents=True)
    (tiny / "config.json").write_text(
        json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})
    )
    (tiny / "model.safetensors").write_bytes(
        safetensors_bytes({"embed.weight": ("BF16", [16, 8]), "norm.weight": ("F32", [8])})
    )
    (tiny / "tokenizer.json").write_text('{"version": "1.0"}')
    (tiny / "nested" / "deeper" / "notes.txt").write_text("hello")
    (tiny / ".localcloud-notes").write_text("control file, never served")

    sharded = root / "acme" / "sharded"
    sharded.mkdir(parents=True)
    shards = {
        "model-00001-of-00002.safetensors": {"a.weight": ("F16", [4, 4])},
        "model-00002-of-00002.safetensors": {"b.weight": ("F16", [4, 2]), "c.bias": ("F32", [2])},
    }
    for name, tensors in shards.items():
        (sharded / name).write_bytes(safetensors_bytes(tensors))  # type: ignore[arg-type]
    weight_map = {t: name for name, tensors in shards.items() for t in tensors}
    (sharded / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {"total_size": 72}, "weight_map": weight_map})
    )
    (sharded / "config.json").write_text("{}")

    gated = root / "meta" / "gated"
    gated.mkdir(parents=True)
    (gated / "config.json").write_text("{}")
    (gated / "model.safetensors").write_bytes(safetensors_bytes({"w": ("F32", [2, 2])}))
    gate_repo(gated, [GOOD_TOKEN])

    service = localcloud.cloud.hub
    assert isinstance(service, HubService) and service.root == root
    return Hub(root, service, localcloud.info.hub_endpoint, tmp_path / "hf-cache")


def test_model_info_lists_files_with_sizes(hub: Hub) -> None:
    info = hub.api().model_info("acme/tiny", files_metadata=True)
    assert info.id == "acme/tiny" and len(info.sha) == 40 and info.gated is False
    sizes = {s.rfilename: s.size for s in info.siblings}
    tiny = hub.root / "acme" / "tiny"
    assert sizes == {
        "config.json": (tiny / "config.json").stat().st_size,
        "model.safetensors": (tiny / "model.safetensors").stat().st_size,
        "nested/deeper/notes.txt": 5,
        "tokenizer.json": (tiny / "tokenizer.json").stat().st_size,
    }
    lfs = {s.rfilename: s.lfs for s in info.siblings}
    assert (
        lfs["model.safetensors"] is not None and lfs["model.safetensors"].size == sizes["model.safetensors"]
    )
    assert lfs["config.json"] is None
    assert info.safetensors is not None
    assert info.safetensors.parameters == {"BF16": 128, "F32": 8} and info.safetensors.total == 136
    assert info.config == {"architectures": ["LlamaForCausalLM"], "model_type": "llama"}
    # the same at the fixed commit; an unknown revision is refused
    assert hub.api().model_info("acme/tiny", revision=info.sha).sha == info.sha
    with pytest.raises(RevisionNotFoundError):
        hub.api().model_info("acme/tiny", revision="v9")


def test_tree_listing_recursive_paginated_and_paths_info(hub: Hub) -> None:
    api = hub.api()
    assert sorted(api.list_repo_files("acme/tiny")) == [
        "config.json",
        "model.safetensors",
        "nested/deeper/notes.txt",
        "tokenizer.json",
    ]
    top = {e.path: type(e).__name__ for e in api.list_repo_tree("acme/tiny")}
    assert top == {
        "config.json": "RepoFile",
        "model.safetensors": "RepoFile",
        "nested": "RepoFolder",
        "tokenizer.json": "RepoFile",
    }
    inner = [e.path for e in api.list_repo_tree("acme/tiny", path_in_repo="nested", recursive=True)]
    assert inner == ["nested/deeper", "nested/deeper/notes.txt"]

    hub.service.tree_page_size = 2  # forces the client to follow the Link header
    paged = [e.path for e in api.list_repo_tree("acme/tiny", recursive=True)]
    assert paged == [
        "config.json",
        "model.safetensors",
        "nested",
        "nested/deeper",
        "nested/deeper/notes.txt",
        "tokenizer.json",
    ]
    infos = api.get_paths_info("acme/tiny", ["config.json", "nested", "missing.txt"])
    assert [(i.path, type(i).__name__) for i in infos] == [
        ("config.json", "RepoFile"),
        ("nested", "RepoFolder"),
    ]


def test_file_metadata_and_download(hub: Hub) -> None:
    url = hf_hub_url("acme/tiny", "model.safetensors", endpoint=hub.endpoint)
    meta = get_hf_file_metadata(url, token=False)
    expected = (hub.root / "acme" / "tiny" / "model.safetensors").read_bytes()
    assert meta.size == len(expected)
    assert meta.commit_hash == hub.service.commit_of("acme/tiny")
    assert meta.etag and len(meta.etag) == 64  # an LFS file's etag is its sha256
    path = hf_hub_download(
        "acme/tiny", "model.safetensors", endpoint=hub.endpoint, cache_dir=hub.cache, token=False
    )
    assert Path(path).read_bytes() == expected
    small = hf_hub_download(
        "acme/tiny", "nested/deeper/notes.txt", endpoint=hub.endpoint, cache_dir=hub.cache, token=False
    )
    assert Path(small).read_text() == "hello"


def test_snapshot_download_of_selected_files(hub: Hub) -> None:
    folder = snapshot_download(
        "acme/tiny",
        endpoint=hub.endpoint,
        cache_dir=hub.cache,
        token=False,
        allow_patterns=["*.json", "nested/*"],
    )
    got = sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())
    assert got == ["config.json", "nested/deeper/notes.txt", "tokenizer.json"]


def ranged(url: str, spec: str) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Range": spec})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read(), {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, e.read(), {k.lower(): v for k, v in e.headers.items()}


def test_ranged_reads(hub: Hub) -> None:
    data = (hub.root / "acme" / "tiny" / "model.safetensors").read_bytes()
    url = hf_hub_url("acme/tiny", "model.safetensors", endpoint=hub.endpoint)
    status, body, headers = ranged(url, "bytes=0-7")
    assert (status, body) == (206, data[:8])
    assert headers["content-range"] == f"bytes 0-7/{len(data)}" and headers["content-length"] == "8"
    assert ranged(url, "bytes=10-")[1] == data[10:]
    assert ranged(url, "bytes=-5")[1] == data[-5:]
    assert ranged(url, f"bytes=5-{len(data) + 100}")[1] == data[5:]
    status, _, headers = ranged(url, f"bytes={len(data)}-")
    assert status == 416 and headers["content-range"] == f"bytes */{len(data)}"
    assert ranged(url, "bytes=0-1,4-5")[0] == 416


def test_safetensors_metadata_single_and_sharded(hub: Hub) -> None:
    single = hub.api().get_safetensors_metadata("acme/tiny")
    assert not single.sharded
    tensors = single.files_metadata["model.safetensors"].tensors
    assert tensors["embed.weight"].shape == [16, 8] and tensors["embed.weight"].dtype == "BF16"
    assert single.parameter_count == {"BF16": 128, "F32": 8}

    sharded = hub.api().get_safetensors_metadata("acme/sharded")
    assert sharded.sharded and sharded.metadata == {"total_size": 72}
    assert sharded.weight_map["c.bias"] == "model-00002-of-00002.safetensors"
    assert sharded.parameter_count == {"F16": 24, "F32": 2}
    # the Hub's one-request variant answers the same
    one_shot = hub.api().get_sharded_safetensors_metadata("acme/sharded")
    assert one_shot.parameter_count == sharded.parameter_count


def test_gated_repo_needs_an_accepted_token(hub: Hub) -> None:
    info = hub.api().model_info("meta/gated", files_metadata=True)  # metadata stays public, as on the Hub
    assert info.gated == "manual"
    assert ".localcloud-gated" not in {s.rfilename for s in info.siblings}
    url = hf_hub_url("meta/gated", "config.json", endpoint=hub.endpoint)
    with pytest.raises(GatedRepoError) as anonymous:
        get_hf_file_metadata(url, token=False)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(GatedRepoError) as refused:
        get_hf_file_metadata(url, token="hf_someone_else")
    assert refused.value.response.status_code == 403
    with pytest.raises(GatedRepoError):
        hub.api().get_safetensors_metadata("meta/gated")
    assert get_hf_file_metadata(url, token=GOOD_TOKEN).size == 2
    meta = hub.api(GOOD_TOKEN).get_safetensors_metadata("meta/gated")
    assert meta.parameter_count == {"F32": 4}

    with pytest.raises(GatedRepoError):
        hub.api("hf_someone_else").auth_check("meta/gated")
    hub.api(GOOD_TOKEN).auth_check("meta/gated")  # no error: access granted

    assert hub.service.hub_repo_access("meta/gated", "main", None) == "denied"
    assert hub.service.hub_repo_access("meta/gated", "main", "hf_someone_else") == "denied"
    assert hub.service.hub_repo_access("meta/gated", "main", GOOD_TOKEN) == "ok"
    assert hub.service.hub_repo_access("acme/tiny", "main", None) == "ok"
    commit = hub.service.commit_of("acme/tiny")
    assert commit and hub.service.hub_repo_access("acme/tiny", commit, None) == "ok"
    assert hub.service.hub_repo_access("acme/tiny", "0" * 40, None) == "not_found"
    assert hub.service.hub_repo_access("acme/missing", "main", None) == "not_found"
    assert hub.service.hub_repo_access("../etc", "main", None) == "not_found"


def test_missing_things_raise_the_clients_typed_errors(hub: Hub) -> None:
    with pytest.raises(RepositoryNotFoundError) as missing:
        hub.api().model_info("acme/missing")
    assert missing.value.response.status_code == 401  # anonymous callers learn nothing more
    with pytest.raises(RepositoryNotFoundError) as missing_with_token:
        hub.api("hf_any").model_info("acme/missing")
    assert missing_with_token.value.response.status_code == 404
    with pytest.raises(EntryNotFoundError):
        get_hf_file_metadata(hf_hub_url("acme/tiny", "absent.bin", endpoint=hub.endpoint), token=False)
    assert not hub.api().file_exists("acme/tiny", "absent.bin")
    assert hub.api().file_exists("acme/tiny", "config.json")


def test_control_files_and_paths_outside_the_repo_are_never_served(hub: Hub) -> None:
    (hub.root / "acme" / "secret.txt").write_text("outside the repo")
    base = f"{hub.endpoint}/acme/tiny/resolve/main"
    for path in ("..%2Fsecret.txt", "nested/..%2F..%2Fsecret.txt", ".localcloud-notes", "nested"):
        status, body, headers = ranged(f"{base}/{path}", "bytes=0-")
        assert status == 404, path
        assert headers.get("x-error-code") == "EntryNotFound"
        assert b"outside the repo" not in body


def test_garbage_requests_never_crash_the_hub(hub: Hub) -> None:
    """Seeded random paths, revisions, ranges and tokens: answers or Hub-style refusals, never 5xx."""
    rng = random.Random(7)
    base = urlsplit(hub.endpoint)
    parts = [
        "acme",
        "tiny",
        "meta",
        "gated",
        "..",
        "%2e%2e",
        "%2F",
        "main",
        "0" * 40,
        "resolve",
        "tree",
        "x y",
        "",
    ]
    files = [
        "model.safetensors",
        "config.json",
        "nested/deeper/notes.txt",
        ".localcloud-gated",
        "nested",
        "%00",
    ]
    ranges = [
        "bytes=0-7",
        "bytes=-3",
        "bytes=9-",
        "bytes=5-1",
        "bytes=0-0,2-3",
        "bytes=x",
        "",
        "bytes=99999999-",
    ]
    tokens = [None, GOOD_TOKEN, "hf_bad", ""]
    conn = http.client.HTTPConnection(base.hostname or "127.0.0.1", base.port, timeout=10)
    try:
        for _ in range(300):
            org, name = rng.choice(parts), rng.choice(parts)
            shape = rng.randrange(4)
            if shape == 0:
                path = f"/{org}/{name}/resolve/{rng.choice(parts)}/{rng.choice(files)}"
            elif shape == 1:
                path = f"/api/models/{org}/{name}/tree/{rng.choice(parts)}/{rng.choice(files)}?recursive=true"
            elif shape == 2:
                path = f"/api/models/{org}/{name}/revision/{rng.choice(parts)}?blobs=true"
            else:
                path = f"/api/models/{org}/{name}/safetensors-metadata/{rng.choice(files)}"
            headers = {}
            if rng.random() < 0.5:
                headers["Range"] = rng.choice(ranges)
            token = rng.choice(tokens)
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            method = rng.choice(["GET", "HEAD"])
            conn.request(method, base.path + path.replace(" ", "%20"), headers=headers)
            resp = conn.getresponse()
            resp.read()
            assert resp.status < 500, (method, path, headers, resp.status)
            if resp.status >= 400 and resp.status != 416:
                assert resp.getheader("x-error-code") is not None or resp.status == 404, (path, resp.status)
    finally:
        conn.close()
