from __future__ import annotations

import pytest

from shared.contract.paths import (
    ObjectKind,
    classify,
    classify_state,
    manifest_object,
    model_prefix,
    request_object,
    state_object,
)


@pytest.mark.parametrize(
    ("object_name", "kind", "name"),
    [
        ("models/tiny/import.json", ObjectKind.MANIFEST, "tiny"),
        ("models/tiny/config.json", ObjectKind.CONFIG, "tiny"),
        ("requests/gemma-3-1b.json", ObjectKind.REQUEST, "gemma-3-1b"),
    ],
)
def test_classify_known_objects(object_name: str, kind: ObjectKind, name: str) -> None:
    ref = classify(object_name)
    assert ref is not None and (ref.kind, ref.name) == (kind, name)


@pytest.mark.parametrize(
    "object_name",
    [
        "models/org/tiny/import.json",
        "models/tiny/model.safetensors",
        "models//import.json",
        "models/../import.json",
        "models/a..b/import.json",
        "requests/sub/x.json",
        "requests/.json",
        "requests/x.txt",
        "ledger.json",
        "state/tiny.json",  # a state document is never an object of the watched bucket
        "_imports/state/tiny.json",
        "import.json",
        "models/-x/import.json",
        "models/" + "a" * 64 + "/import.json",
    ],
)
def test_classify_ignores_everything_else(object_name: str) -> None:
    assert classify(object_name) is None


def test_builders_round_trip() -> None:
    assert classify(manifest_object("m1")) is not None
    assert classify(request_object("m1")) is not None
    assert classify_state(state_object("m1")) is not None
    assert classify(state_object("m1")) is None


@pytest.mark.parametrize(
    "object_name",
    [
        "ledger.json",
        "notices/x",
        "state/sub/x.json",
        "state/.json",
        "state/a..b.json",
        "models/m/import.json",
    ],
)
def test_only_state_documents_classify_in_the_state_bucket(object_name: str) -> None:
    assert classify_state(object_name) is None
    ref = classify_state("state/tiny.json")
    assert ref is not None and (ref.kind, ref.name) == (ObjectKind.STATE, "tiny")
    assert model_prefix("m1") == "models/m1/"


def test_orphan_records_are_told_apart_from_state_documents() -> None:
    from shared.contract.paths import classify_orphan, orphan_object

    name = orphan_object("tiny-chat-0123456789ab.cluster")
    assert name == "state/_orphan.tiny-chat-0123456789ab.cluster.json"
    ref = classify_orphan(name)
    assert ref is not None and ref.kind is ObjectKind.ORPHAN and ref.name == "tiny-chat-0123456789ab.cluster"
    assert classify_state(name) is None  # "_" starts no import name: never a state document
    assert classify_orphan(state_object("tiny-chat")) is None
    for bad in (
        "state/_orphan.tiny.cluster.json",
        "state/_orphan.x-0123456789ab.bucket.json",
        "state/_orphan.a/b-0123456789ab.cluster.json",
    ):
        assert classify_orphan(bad) is None
