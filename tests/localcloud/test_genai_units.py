"""Pure parts of the Generative AI emulation: work request timelines, page tokens, the token vault,
deterministic embeddings and scores, and the Hub's byte ranges."""

from __future__ import annotations

import itertools
import json
import math
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from localcloud.genai import decode_page, encode_page
from localcloud.genai_store import TokenVault
from localcloud.genai_work import ACCEPTED, FAILED, IN_PROGRESS, SUCCEEDED, view
from localcloud.hub import HubService
from localcloud.hub_repo import HeaderCache
from localcloud.inference import embedding, relevance
from localcloud.web import ServiceError

ORDER = {ACCEPTED: 0, IN_PROGRESS: 1, SUCCEEDED: 2, FAILED: 2}


@given(
    duration=st.floats(min_value=0, max_value=1e4),
    fails=st.booleans(),
    steps=st.lists(st.floats(min_value=0, max_value=2e4), min_size=2, max_size=30),
)
def test_work_request_states_only_move_forward(duration: float, fails: bool, steps: list[float]) -> None:
    wr = {"accepted": 1000.0, "duration": duration, "outcome": {"status": FAILED if fails else SUCCEEDED}}
    views = [view(wr, 1000.0 + t) for t in sorted(steps)]
    for before, after in itertools.pairwise(views):
        assert ORDER[before.status] <= ORDER[after.status]
        assert before.percent <= after.percent or after.status == FAILED
    last = view(wr, 1000.0 + duration + 1)
    assert last.status == (FAILED if fails else SUCCEEDED)
    assert last.time_finished is not None and last.time_finished <= 1000.0 + duration
    if not fails:
        assert last.percent == 100.0


@given(st.integers(min_value=0, max_value=10**9))
def test_page_tokens_round_trip(offset: int) -> None:
    assert decode_page(encode_page(offset)) == offset


@pytest.mark.parametrize("token", ["x", "b2Zmc2V0Oi0x", "b2Zmc2V0OmFiYw", "%%%"])
def test_foreign_page_tokens_are_400(token: str) -> None:
    with pytest.raises(ServiceError) as info:
        decode_page(token)
    assert info.value.status == 400


def test_vault_seals_with_a_key_outside_the_state_dir(tmp_path: Path) -> None:
    state, keys = tmp_path / "state", tmp_path / "keys"
    vault = TokenVault(state, keys / "vault.key")
    sealed = vault.seal("hf_secret")
    assert "hf_secret" not in sealed
    assert TokenVault(state, keys / "vault.key").unseal(sealed) == "hf_secret"  # survives a restart
    assert TokenVault(state, keys / "other.key").unseal(sealed) is None  # another key cannot read it
    assert not any(state.rglob("*.key"))  # nothing in the state directory opens the ciphertext
    assert (keys / "vault.key").stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError, match="must not live inside"):
        TokenVault(state, state / "vault.key")


@given(st.text(max_size=200), st.integers(min_value=1, max_value=2048))
def test_embeddings_are_deterministic_unit_vectors(text: str, dims: int) -> None:
    v = embedding(text, dims)
    assert len(v) == dims and v == embedding(text, dims)
    assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-3, abs_tol=1e-3)


@given(st.text(max_size=100), st.text(max_size=100))
def test_relevance_is_a_deterministic_fraction(query: str, doc: str) -> None:
    score = relevance(query, doc)
    assert 0.0 <= score < 1.0 and score == relevance(query, doc)


@given(size=st.integers(min_value=0, max_value=10_000), a=st.integers(0, 12_000), b=st.integers(0, 12_000))
def test_byte_ranges_match_http_semantics(size: int, a: int, b: int) -> None:
    data = bytes(i % 256 for i in range(size))
    first, last = min(a, b), max(a, b)
    for header, expected in (
        (f"bytes={first}-{last}", data[first : last + 1] if first < size else None),
        (f"bytes={first}-", data[first:] if first < size else None),
        (f"bytes=-{a}", data[-a:] if a and size else None),
    ):
        got = HubService._range(header, size)
        if expected is None:
            assert got is None, header
        else:
            assert got is not None, header
            start, length = got
            assert data[start : start + length] == expected, header


def test_malformed_ranges_are_unsatisfiable() -> None:
    for header in ("bytes=", "bytes=-", "items=0-1", "bytes=5-2", "bytes=0-1,3-4", "bytes=a-b"):
        assert HubService._range(header, 100) is None, header


def test_header_cache_stays_within_its_byte_budget(tmp_path: Path) -> None:
    def write(name: str, tensors: int) -> Path:
        header = json.dumps(
            {f"t{i}": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]} for i in range(tensors)}
        )
        path = tmp_path / name
        path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + b"\0" * 4)
        return path

    cache = HeaderCache(budget=2000)
    small = [write(f"s{i}.safetensors", 2) for i in range(30)]
    for path in small:
        header = cache.get(str(path), path.stat().st_size, path.stat().st_mtime_ns)
        assert header is not None and set(header) == {"t0", "t1"}
        assert cache._used <= cache.budget
    big = write("big.safetensors", 40)  # over a quarter of the budget: parsed, never kept
    assert cache.get(str(big), big.stat().st_size, big.stat().st_mtime_ns) is not None
    assert all(key[0] != str(big) for key in cache._entries)
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(struct.pack("<Q", 10**12) + b"{}")
    assert cache.get(str(broken), broken.stat().st_size, broken.stat().st_mtime_ns) is None
