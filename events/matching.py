"""Render the rule conditions in `events/rules/` and match events against them as OCI does.

Terraform renders the same files with `templatefile(path, {bucket_name = ...})`; here
`render` fills the same `${name}` placeholders, so the two can never drift apart.

Matching follows the documented semantics: fields the condition does not mention are
ignored, the event must have every field the condition names with the same nesting,
a list is any-of, and `*` is a wildcard. Whether OCI's `*` spans `/` is not documented;
`star_spans_slash` lets tests prove each rule is right either way.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class RuleSpec:
    """One Events rule of the deployment; `optional` rules are created only when a setting asks."""

    name: str
    description: str
    optional_setting: str | None = None


RULES: tuple[RuleSpec, ...] = (
    RuleSpec("manifest-written", "A manifest models/<name>/import.json was created or overwritten."),
    RuleSpec("request-written", "A Hugging Face request requests/<name>.json was created or overwritten."),
    RuleSpec("state-written", "An import's state document was written: reconcile that import."),
    RuleSpec("source-deleted", "A manifest or request was deleted: tear that deployment down."),
    RuleSpec(
        "config-written",
        "models/<name>/config.json was written (optional config-trigger mode).",
        optional_setting="TRIGGER_ON_CONFIG",
    ),
)


class RenderError(ValueError):
    pass


@cache
def rule_template(name: str) -> str:
    return resources.files("events").joinpath(f"rules/{name}.json").read_text(encoding="utf-8")


def render(template: str, values: dict[str, str]) -> dict[str, Any]:
    """Fill `${name}` placeholders (JSON-escaped) and parse the condition."""
    missing = sorted({m for m in PLACEHOLDER.findall(template) if m not in values})
    if missing:
        raise RenderError(f"no value for placeholders {missing}")

    def fill(match: re.Match[str]) -> str:
        return json.dumps(values[match.group(1)])[1:-1]

    condition = json.loads(PLACEHOLDER.sub(fill, template))
    if not isinstance(condition, dict):
        raise RenderError("a rule condition must be a JSON object")
    return condition


def render_rule(name: str, values: dict[str, str]) -> dict[str, Any]:
    return render(rule_template(name), values)


def matches(condition: Any, event: Any, *, star_spans_slash: bool = True) -> bool:
    if isinstance(condition, dict):
        if not isinstance(event, dict):
            return False
        return all(
            key in event and matches(value, event[key], star_spans_slash=star_spans_slash)
            for key, value in condition.items()
        )
    if isinstance(condition, list):
        return any(matches(option, event, star_spans_slash=star_spans_slash) for option in condition)
    if isinstance(condition, str):
        if not isinstance(event, str):
            return False
        return _wildcard(condition, star_spans_slash).fullmatch(event) is not None
    return bool(condition == event)


@cache
def _wildcard(pattern: str, star_spans_slash: bool) -> re.Pattern[str]:
    star = ".*" if star_spans_slash else "[^/]*"
    return re.compile(star.join(re.escape(part) for part in pattern.split("*")), re.DOTALL)
