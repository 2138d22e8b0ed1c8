"""Every parser of outside bytes answers with findings, never an exception (issue 12).

config.json, tokenizer_config.json and the shard index go through parse_json_object (and the
index through check_index); the import name through misnamed_upload and classify. Work is
bounded by the caps (the reads are capped before parsing), not asserted by wall-clock.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.contract.naming import misnamed_upload
from shared.contract.paths import classify, valid_name
from shared.findings import CATALOGUE
from shared.inspection import checks
from shared.inspection.config import parse_json_object
from shared.inspection.sources.base import FileEntry

HUGE_INT = b"1" * 4301
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=16,
)
_bytes = (
    st.binary(max_size=200)
    | _json.map(lambda v: json.dumps(v).encode())
    | st.just(HUGE_INT)
    | st.just(b'{"weight_map": {"a": ' + HUGE_INT + b"}}")
    | st.just(b"[" * 50_000)
    | st.just(b"\xef\xbb\xbf{}")
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_bytes)
def test_small_json_files_give_an_object_or_coded_findings(raw: bytes) -> None:
    doc, findings = parse_json_object(raw, "config.json", "CONFIG_NOT_JSON")
    assert (doc is None) == bool(findings)
    assert all(f.code in CATALOGUE for f in findings)


_index = st.fixed_dictionaries(
    {},
    optional={
        "weight_map": st.dictionaries(
            st.text(max_size=12),
            st.sampled_from(["a.safetensors", "b.safetensors", "../x", ""]) | _json,
            max_size=6,
        )
        | _json,
        "metadata": _json,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=_index)
def test_any_index_gives_findings_never_an_exception(doc: dict[str, object]) -> None:
    entries = [
        FileEntry("a.safetensors", 100),
        FileEntry("b.safetensors", 100),
        FileEntry("model.safetensors.index.json", 10),
    ]
    files = checks.weight_files(entries)
    result = checks.check_index(files, doc)
    assert all(f.code in CATALOGUE for f in result.findings)


@settings(max_examples=200, deadline=None)
@given(name=st.text(max_size=80))
def test_names_match_whole_strings(name: str) -> None:
    if valid_name(name):
        assert "\n" not in name and len(name) <= 63 and ".." not in name
    manifest = f"models/{name}/import.json"
    ref, bad = classify(manifest), misnamed_upload(manifest)
    assert (ref is None) != (bad is None) or "/" in name  # exactly one answer for a manifest upload


@pytest.mark.parametrize(
    "object_name",
    [
        "models/nl\n/import.json",
        "models/My Model/import.json",
        "models/../import.json",
        "models/org%2Fname/import.json",
        "models/" + "a" * 64 + "/import.json",
        "requests/x\n.json",
    ],
)
def test_bad_names_are_misnamed_uploads_not_imports(object_name: str) -> None:
    assert classify(object_name) is None and misnamed_upload(object_name) is not None


@pytest.mark.parametrize("object_name", ["models/tiny/model.safetensors", "_imports/ledger.json", "x.json"])
def test_other_objects_are_not_misnamed_uploads(object_name: str) -> None:
    assert misnamed_upload(object_name) is None
