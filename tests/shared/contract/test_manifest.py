"""Manifest and Hugging Face request: `{}` is valid, unknown keys and bad values are named."""

from __future__ import annotations

import json

import pytest

from shared.contract.manifest import Capability, DocumentError, parse_manifest, parse_request


def codes(exc: DocumentError) -> list[str]:
    return [f.code for f in exc.findings]


def test_empty_manifest_is_valid_with_safe_defaults() -> None:
    for raw in (b"{}", b" {} \n"):
        manifest = parse_manifest(raw, "models/x/import.json")
        assert manifest.deploy is True
        assert manifest.keep_on_delete is False and manifest.keep_model is False
        assert manifest.capability is None and manifest.unit_shape is None


def test_full_manifest() -> None:
    doc = {
        "display_name": "Tiny chat",
        "description": "a test",
        "capability": "TEXT_TO_TEXT",
        "unit_shape": "A10_X1",
        "deploy": False,
        "vendor": "acme",
        "version": "1",
        "freeform_tags": {"team": "ml"},
        "keep_on_delete": True,
        "keep_model": True,
    }
    manifest = parse_manifest(json.dumps(doc).encode(), "m")
    assert manifest.capability is Capability.TEXT_TO_TEXT
    assert manifest.freeform_tags == {"team": "ml"}
    assert manifest.deploy is False and manifest.keep_model is True


def test_unknown_keys_are_each_named() -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(b'{"displayName": "x", "shape": "A10_X1"}', "models/x/import.json")
    assert codes(info.value) == ["MANIFEST_UNKNOWN_KEY", "MANIFEST_UNKNOWN_KEY"]
    subjects = " ".join(f.subject for f in info.value.findings)
    assert "displayName" in subjects and "shape" in subjects
    assert all("models/x/import.json" in f.subject for f in info.value.findings)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"capability": "TEXT_TO_IMAGE"}', "capability"),
        (b'{"deploy": "maybe"}', "deploy"),
        (b'{"freeform_tags": {"a": 1}}', "freeform_tags"),
        (b'{"freeform_tags": {"import-id": "x"}}', "freeform_tags"),
        (b'{"unit_shape": "a10 x1"}', "unit_shape"),
        (b'{"display_name": ""}', "display_name"),
    ],
)
def test_bad_values_name_the_field(raw: bytes, field: str) -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(raw, "m")
    assert codes(info.value) == ["MANIFEST_INVALID"]
    assert field in info.value.findings[0].subject
    assert info.value.findings[0].hint


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"{not json", b"\xff"])
def test_not_an_object(raw: bytes) -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(raw, "m")
    assert codes(info.value) == ["MANIFEST_INVALID"]


def test_oversized_manifest_is_refused_without_parsing() -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(b'{"description": "' + b"x" * 70_000 + b'"}', "m")
    assert codes(info.value) == ["MANIFEST_TOO_LARGE"]


def test_request_needs_model_id() -> None:
    with pytest.raises(DocumentError) as info:
        parse_request(b"{}", "requests/x.json")
    assert codes(info.value) == ["REQUEST_INVALID"]
    assert "model_id" in info.value.findings[0].subject


def test_request_revision_branch_or_commit() -> None:
    assert parse_request(b'{"model_id": "google/gemma-3-1b-it"}', "r").revision == "main"
    commit = "a" * 40
    req = parse_request(json.dumps({"model_id": "org/m", "revision": commit}).encode(), "r")
    assert req.is_commit
    assert not parse_request(b'{"model_id": "org/m", "revision": "v1.0"}', "r").is_commit
    for bad in ("../etc", "a" * 300, "", "has space"):
        with pytest.raises(DocumentError):
            parse_request(json.dumps({"model_id": "org/m", "revision": bad}).encode(), "r")


@pytest.mark.parametrize("model_id", ["noslash", "a/b/c", "../x", "org/", "/name", "org/na me"])
def test_request_model_id_shape(model_id: str) -> None:
    with pytest.raises(DocumentError):
        parse_request(json.dumps({"model_id": model_id}).encode(), "r")


def test_request_takes_manifest_options_and_rejects_unknown() -> None:
    req = parse_request(b'{"model_id": "org/m", "deploy": false, "keep_model": true}', "r")
    assert req.deploy is False and req.keep_model is True
    with pytest.raises(DocumentError) as info:
        parse_request(b'{"model_id": "org/m", "token": "hf_secret"}', "r")
    assert codes(info.value) == ["REQUEST_UNKNOWN_KEY"]
    assert "hf_secret" not in str(info.value)


def test_a_request_is_reported_in_its_own_words() -> None:
    """Before: a request got MANIFEST_UNKNOWN_KEY and MANIFEST_TOO_LARGE ("Keep the manifest small")."""
    from shared.findings import CATALOGUE

    with pytest.raises(DocumentError) as info:
        parse_request(b'{"model_id": "org/m", "colour": "red"}', "requests/r.json")
    (f,) = info.value.findings
    assert f.code == "REQUEST_UNKNOWN_KEY" and "requests/r.json" in f.message
    assert "manifest" not in (CATALOGUE[f.code].meaning + CATALOGUE[f.code].remedy).lower()
    with pytest.raises(DocumentError) as info:
        parse_request(b'{"model_id": "' + b"x" * 70_000 + b'"}', "requests/r.json")
    (f,) = info.value.findings
    assert f.code == "REQUEST_TOO_LARGE" and "requests/r.json" in f.message and "request" in f.message
    assert "manifest" not in (CATALOGUE[f.code].meaning + CATALOGUE[f.code].remedy).lower()


@pytest.mark.parametrize("raw", [b"", b"  \n"])
def test_a_zero_byte_document_is_refused_as_an_interrupted_upload(raw: bytes) -> None:
    for parse, code in ((parse_manifest, "MANIFEST_INVALID"), (parse_request, "REQUEST_INVALID")):
        with pytest.raises(DocumentError) as info:
            parse(raw, "models/x/import.json")
        assert codes(info.value) == [code]
        assert (
            "interrupted upload" in info.value.findings[0].message and "{}" in info.value.findings[0].message
        )


@pytest.mark.parametrize("name", ["", "   ", "\u3000", " \t "])
def test_a_blank_display_name_is_refused(name: str) -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(json.dumps({"display_name": name}).encode(), "m")
    assert codes(info.value) == ["MANIFEST_INVALID"]


def test_a_number_too_long_for_python_is_named_with_its_field() -> None:
    """Before: 'not a JSON document we accept: Exceeds the limit (4300 digits) ... use
    sys.set_int_max_str_digits() to increase the limit', advice meant for programmers."""
    for raw, field in (
        (b'{"display_name": ' + b"7" * 4301 + b"}", "display_name"),
        (b'{"freeform_tags": {"a": -' + b"7" * 5000 + b"}}", "freeform_tags.a"),
        (b'{"deploy": [1, ' + b"9" * 4301 + b"]}", "deploy.1"),
    ):
        with pytest.raises(DocumentError) as info:
            parse_manifest(raw, "models/x/import.json")
        (f,) = info.value.findings
        assert f.code == "MANIFEST_INVALID"
        assert f"more than 4300 digits in '{field}'; use a normal number" in f.message
        assert "sys." not in f.message and "set_int_max_str_digits" not in f.message
    assert parse_manifest(b'{"description": "' + b"7" * 390 + b'"}', "m").description  # digits in text


def test_every_pipeline_tag_key_is_reserved() -> None:
    from shared.contract import tags

    for key in tags.RESERVED_KEYS:
        with pytest.raises(DocumentError) as info:
            parse_manifest(json.dumps({"freeform_tags": {key: "mine"}}).encode(), "m")
        assert key in info.value.findings[0].message


@pytest.mark.parametrize("key", ["Import-Id", "IMPORT-BUCKET", "Managed-By", "kePt", "STEP", "Import-Name"])
def test_pipeline_tag_keys_are_reserved_in_any_case(key: str) -> None:
    with pytest.raises(DocumentError) as info:
        parse_manifest(json.dumps({"freeform_tags": {key: "victim-123"}}).encode(), "m")
    assert codes(info.value) == ["MANIFEST_INVALID"] and key in info.value.findings[0].message
    with pytest.raises(DocumentError):
        parse_request(json.dumps({"model_id": "o/m", "freeform_tags": {key: "x"}}).encode(), "r")


@pytest.mark.parametrize("parse", [parse_manifest, parse_request])
def test_deeply_nested_document_is_a_finding_not_a_crash(parse: object) -> None:
    raw = b"[" * 50000
    with pytest.raises(DocumentError) as info:
        parse(raw, "models/deep/manifest.json")  # type: ignore[operator]
    (only,) = info.value.findings
    assert only.code in ("MANIFEST_INVALID", "REQUEST_INVALID")
    assert only.subject == "models/deep/manifest.json" and "nested too deeply" in only.message
