"""Rule conditions render from events/rules and match exactly the events they must,
whether or not OCI's `*` spans `/`: the function's strict classification covers the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.matching import RULES, RenderError, matches, render, render_rule
from events.models import parse_event
from shared.contract.paths import ObjectKind, classify, classify_state

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "events" / "samples"
VALUES = {"bucket_name": "model-drop", "state_bucket_name": "model-import-state"}


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def rules_matching(event: dict, *, star_spans_slash: bool) -> set[str]:
    return {
        r.name
        for r in RULES
        if matches(render_rule(r.name, VALUES), event, star_spans_slash=star_spans_slash)
    }


def test_every_rule_file_is_listed_and_renders() -> None:
    files = {p.stem for p in (ROOT / "events" / "rules").glob("*.json")}
    assert files == {r.name for r in RULES}
    for rule in RULES:
        condition = render_rule(rule.name, VALUES)
        # the state rule watches the state bucket, which only the function writes; every other the uploads
        bucket = "model-import-state" if rule.name == "state-written" else "model-drop"
        assert condition["data"]["additionalDetails"]["bucketName"] == [bucket]


def test_a_state_document_in_the_watched_bucket_fires_nothing() -> None:
    """An uploader can write `state/<name>.json` into the watched bucket: no rule reacts to it."""
    event = sample("state-updated")
    event["data"]["additionalDetails"]["bucketName"] = "model-drop"
    assert rules_matching(event, star_spans_slash=True) == set()


def test_missing_placeholder_value_is_an_error() -> None:
    with pytest.raises(RenderError, match="bucket_name"):
        render_rule("manifest-written", {})


def test_rendered_values_are_json_escaped() -> None:
    condition = render('{"a": "${v}"}', {"v": 'quote" and \\ backslash'})
    assert condition == {"a": 'quote" and \\ backslash'}


EXPECTED = {
    "manifest-created": {"manifest-written"},
    "manifest-updated": {"manifest-written"},
    "manifest-deleted": {"source-deleted"},
    "manifest-created-null-tags": {"manifest-written"},
    "manifest-deleted-nulls": {"source-deleted"},
    "request-created": {"request-written"},
    "request-deleted": {"source-deleted"},
    "state-updated": {"state-written"},
    "config-created": {"config-written"},
    "weights-created": set(),
    "ledger-updated": set(),
    "objectstorage-createobject-real-2020": set(),
    "datascience-createproject-reference": set(),
}


@pytest.mark.parametrize("star_spans_slash", [True, False])
@pytest.mark.parametrize(("name", "expected"), sorted(EXPECTED.items()))
def test_samples_fire_exactly_their_rules(name: str, expected: set[str], star_spans_slash: bool) -> None:
    assert rules_matching(sample(name), star_spans_slash=star_spans_slash) == expected


def test_other_bucket_fires_nothing() -> None:
    event = sample("manifest-created")
    event["data"]["additionalDetails"]["bucketName"] = "someone-elses-bucket"
    assert rules_matching(event, star_spans_slash=True) == set()


def test_nested_manifest_is_filtered_by_the_function_either_way() -> None:
    """If `*` spans `/`, the rule fires for models/org/x/import.json; classify() then ignores it."""
    event = sample("nested-manifest-created")
    assert rules_matching(event, star_spans_slash=False) == set()
    assert rules_matching(event, star_spans_slash=True) == {"manifest-written"}
    assert classify(parse_event(json.dumps(event).encode()).object_name or "") is None


@pytest.mark.parametrize("star_spans_slash", [True, False])
def test_whatever_a_rule_fires_for_classifies_to_its_kind(star_spans_slash: bool) -> None:
    kinds = {
        "manifest-written": ObjectKind.MANIFEST,
        "request-written": ObjectKind.REQUEST,
        "state-written": ObjectKind.STATE,
        "config-written": ObjectKind.CONFIG,
    }
    for name in ("manifest-created", "request-created", "state-updated", "config-created"):
        event = sample(name)
        (rule,) = rules_matching(event, star_spans_slash=star_spans_slash)
        resource = event["data"]["resourceName"]
        ref = classify_state(resource) if rule == "state-written" else classify(resource)
        assert ref is not None and ref.kind is kinds[rule]


def test_matching_semantics() -> None:
    assert matches({}, {"anything": 1})
    assert not matches({"a": "x"}, {})
    assert matches({"a": ["x", "y"]}, {"a": "y"})
    assert not matches({"a": {"b": "x"}}, {"a": "x"})
    assert matches({"a": "pre*post"}, {"a": "pre-middle-post"})
    assert not matches({"a": "pre*"}, {"a": "xpre"})
    assert matches({"a": "a*c"}, {"a": "a/b/c"}, star_spans_slash=True)
    assert not matches({"a": "a*c"}, {"a": "a/b/c"}, star_spans_slash=False)
    assert matches({"a": "x.y"}, {"a": "x.y"}) and not matches({"a": "x.y"}, {"a": "xzy"})
