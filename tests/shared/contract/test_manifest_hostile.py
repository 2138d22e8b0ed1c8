"""Hostile manifests and requests: every input ends in the document or DocumentError, nothing else.

Each named case below crashed or passed on the code before issue 12: a 4,301-digit integer
(Python's int-string limit raised a bare ValueError), `"deploy": "off"` read as false, a
newline after a model id or revision accepted (`$` matches before a trailing newline),
CR/LF and bidi overrides in display names and tags, tags beyond OCI's limits.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.contract.manifest import (
    MAX_DOCUMENT_BYTES,
    TAG_KEY_MAX_CHARS,
    TAG_VALUE_MAX_CHARS,
    USER_TAGS_MAX,
    DocumentError,
    HfRequest,
    Manifest,
    parse_manifest,
    parse_request,
)
from shared.findings import CATALOGUE

HUGE_INT = b"1" * 4301


@pytest.mark.parametrize("parse", [parse_manifest, parse_request])
def test_integer_over_the_int_string_limit_is_a_finding(parse: object) -> None:
    for raw in (HUGE_INT, b'{"deploy": ' + HUGE_INT + b"}", b'{"model_id": [' + HUGE_INT + b"]}"):
        with pytest.raises(DocumentError) as info:
            parse(raw, "models/x/import.json")  # type: ignore[operator]
        assert info.value.findings[0].code in ("MANIFEST_INVALID", "REQUEST_INVALID")


@pytest.mark.parametrize("text", ['"off"', '"false"', '"no"', "0", '"0"', '"on"', "1", '"true"', "null"])
@pytest.mark.parametrize("key", ["deploy", "keep_on_delete", "keep_model"])
def test_booleans_are_strict(key: str, text: str) -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(f'{{"{key}": {text}}}'.encode(), "m")
    assert info.value.findings[0].code == "MANIFEST_INVALID" and key in info.value.findings[0].subject


def test_json_booleans_still_pass() -> None:
    m = parse_manifest(b'{"deploy": false, "keep_on_delete": true, "keep_model": true}', "m")
    assert (m.deploy, m.keep_on_delete, m.keep_model) == (False, True, True)


@pytest.mark.parametrize(
    "doc",
    [
        {"model_id": "org/name\n"},
        {"model_id": "org/name", "revision": "main\n"},
        {"model_id": "org/name", "revision": "a" * 40 + "\n"},
    ],
)
def test_trailing_newline_does_not_pass_an_id_pattern(doc: dict[str, str]) -> None:
    with pytest.raises(DocumentError) as info:
        parse_request(json.dumps(doc).encode(), "requests/x.json")
    assert info.value.findings[0].code == "REQUEST_INVALID"


@pytest.mark.parametrize(
    "text",
    [
        "a\r\nModel other-model is live",
        "x\ny",
        "nul\x00",
        "\u202egnp.exe",
        "\u2066x\u2069",
        "a\u2028b",
        "\x1b[31m",
    ],
)
@pytest.mark.parametrize("field", ["display_name", "description", "vendor", "version"])
def test_control_and_bidi_characters_are_refused_in_text(field: str, text: str) -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(json.dumps({field: text}).encode(), "m")
    f = info.value.findings[0]
    assert f.code == "MANIFEST_INVALID" and field in f.subject and "U+" in f.message


@pytest.mark.parametrize("tags", [{"a\nb": "x"}, {"team": "ml\r\nlive"}, {"t": "\u202e"}])
def test_control_characters_are_refused_in_tags(tags: dict[str, str]) -> None:
    with pytest.raises(DocumentError):
        parse_manifest(json.dumps({"freeform_tags": tags}).encode(), "m")


@pytest.mark.parametrize(
    "tags",
    [
        {"k" * (TAG_KEY_MAX_CHARS + 1): "v"},
        {"": "v"},
        {"k": "v" * (TAG_VALUE_MAX_CHARS + 1)},
        {f"k{i}": "v" for i in range(USER_TAGS_MAX + 1)},
        {f"k{i}": "v" * 200 for i in range(30)},  # within the count, over the 5 KB of tag data
    ],
)
def test_tags_beyond_oci_limits_are_refused(tags: dict[str, str]) -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(json.dumps({"freeform_tags": tags}).encode(), "m")
    assert info.value.findings[0].code == "MANIFEST_INVALID"


def test_tags_at_the_limits_pass() -> None:
    tags = {"k" * TAG_KEY_MAX_CHARS: "v" * TAG_VALUE_MAX_CHARS, "équipe": "modèles ünicode"}
    assert parse_manifest(json.dumps({"freeform_tags": tags}).encode(), "m").freeform_tags == tags


# --- properties ---------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
_keys = st.sampled_from([*Manifest.model_fields, *HfRequest.model_fields, "other", "deploy\n", ""])
_docs = st.dictionaries(_keys, _json, max_size=6).map(lambda d: json.dumps(d).encode())
_bytes = st.binary(max_size=300) | _docs | st.just(HUGE_INT) | st.just(b"[" * 100_000)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=_bytes)
def test_any_bytes_give_a_document_or_coded_findings(raw: bytes) -> None:
    for parse in (parse_manifest, parse_request):
        try:
            doc = parse(raw, "models/x/import.json")
        except DocumentError as exc:
            assert exc.findings and all(f.code in CATALOGUE for f in exc.findings)
        else:
            assert doc.deploy in (True, False)
            for text in (doc.display_name or "", *doc.freeform_tags, *doc.freeform_tags.values()):
                assert "\n" not in text and "\r" not in text


def test_size_cap_bounds_the_work() -> None:
    # Work is bounded by the cap: a document one byte over is refused before json.loads runs.
    with pytest.raises(DocumentError) as info:
        parse_manifest(b" " * (MAX_DOCUMENT_BYTES + 1), "m")
    assert info.value.findings[0].code == "MANIFEST_TOO_LARGE"
