"""StateStore against the local cloud's Object Storage, through the real SDK: CAS semantics."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.contract.manifest import ImportOptions
from shared.contract.paths import SourceKind, state_object
from shared.contract.state import ImportState, Source, Stage
from shared.pipeline.store import ConflictError, StateStore, StateUnreadable


def make_state(name: str = "tiny-chat", stage: Stage = Stage.VALIDATING) -> ImportState:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    return ImportState(
        name=name,
        import_id=f"{name}-0123456789ab",
        source=Source(
            kind=SourceKind.OBJECT_STORAGE,
            namespace="localcloud",
            bucket="model-drop",
            object_name=f"models/{name}/import.json",
            etag="e1",
            prefix=f"models/{name}/",
        ),
        options=ImportOptions(),
        stage=stage,
        stage_started_at=now,
        created_at=now,
        updated_at=now,
    )


@pytest.fixture
def store(localcloud) -> StateStore:  # type: ignore[no-untyped-def]
    info = localcloud.info
    return StateStore(localcloud.factory.object_storage(), info.namespace, info.state_bucket)


def test_create_then_read_back_with_etag(store: StateStore) -> None:
    assert store.get("tiny-chat") is None
    etag = store.put(make_state(), None)
    found = store.get("tiny-chat")
    assert found is not None
    state, read_etag = found
    assert read_etag == etag
    assert state == make_state()


def test_create_refused_when_the_document_exists(store: StateStore) -> None:
    store.put(make_state(), None)
    with pytest.raises(ConflictError):
        store.put(make_state(stage=Stage.IMPORTING), None)
    assert store.get("tiny-chat")[0].stage is Stage.VALIDATING  # type: ignore[index]


def test_stale_etag_loses_and_the_winner_is_kept(store: StateStore) -> None:
    first = store.put(make_state(), None)
    second = store.put(make_state(stage=Stage.IMPORTING), first)
    assert second != first
    with pytest.raises(ConflictError):
        store.put(make_state(stage=Stage.FAILED), first)
    state, etag = store.get("tiny-chat")  # type: ignore[misc]
    assert (state.stage, etag) == (Stage.IMPORTING, second)


def test_list_returns_every_import_and_skips_strangers(store: StateStore, localcloud) -> None:  # type: ignore[no-untyped-def]
    for name in ("b-model", "a-model"):
        store.put(make_state(name), None)
    client = localcloud.factory.object_storage()
    for stranger in ("state/not a name!.json", "ledger.json", "notices/x"):
        client.put_object(localcloud.info.namespace, localcloud.info.state_bucket, stranger, b"{}")
    # a state document an uploader could write into the watched bucket is no state at all
    client.put_object(localcloud.info.namespace, localcloud.info.bucket, state_object("c-model"), b"{}")
    assert [s.name for s in store.list()] == ["a-model", "b-model"]
    assert {e.name for e in store.entries()} == {state_object("a-model"), state_object("b-model")}


def test_unreadable_document_is_named(store: StateStore, localcloud) -> None:  # type: ignore[no-untyped-def]
    client = localcloud.factory.object_storage()
    client.put_object(
        localcloud.info.namespace, localcloud.info.state_bucket, state_object("broken"), b"{not json"
    )
    with pytest.raises(StateUnreadable, match=r"state/broken\.json"):
        store.get("broken")
    assert store.list() == []
