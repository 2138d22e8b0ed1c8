"""Read the Terraform of this repository without Terraform: python-hcl2 parses the files, and
these helpers index the blocks and pull references and interpolations out of expressions.

python-hcl2 (v8) returns expressions as strings wrapped in `${...}`; nested blocks as lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

REPO = Path(__file__).resolve().parents[2]
MODULE_DIR = REPO / "terraform"
EXAMPLE_DIR = MODULE_DIR / "examples" / "minimal"
STACK_DIR = MODULE_DIR / "resource-manager"
ROOT_DIRS = (MODULE_DIR, EXAMPLE_DIR, STACK_DIR)

OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)

VAR_REF = re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)")
LOCAL_REF = re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)")
DATA_REF = re.compile(r"(?<![\w.])data\.([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)")
MODULE_REF = re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)")
RESOURCE_REF = re.compile(r"(?<![\w.])(oci_[a-z0-9_]+)\.([A-Za-z_][\w-]*)")


def parse_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        result: dict[str, Any] = hcl2.load(handle, serialization_options=OPTIONS)
    return result


def parse_text(text: str) -> dict[str, Any]:
    result: dict[str, Any] = hcl2.loads(text, serialization_options=OPTIONS)
    return result


@dataclass
class TfDir:
    """The merged top-level blocks of the .tf files of one folder (one Terraform module)."""

    path: Path
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    modules: dict[str, dict[str, Any]] = field(default_factory=dict)
    providers: list[dict[str, Any]] = field(default_factory=list)
    terraform: list[dict[str, Any]] = field(default_factory=list)

    def resource(self, kind: str, name: str) -> dict[str, Any]:
        return self.resources[kind][name]

    def everything(self) -> list[Any]:
        """Every block body, for reference scans."""
        bodies: list[Any] = [*self.variables.values(), self.locals, *self.outputs.values()]
        bodies += [body for named in self.resources.values() for body in named.values()]
        bodies += [body for named in self.data.values() for body in named.values()]
        bodies += [*self.modules.values(), *self.providers]
        return bodies


def _merge_named(target: dict[str, dict[str, Any]], blocks: list[dict[str, Any]]) -> None:
    for block in blocks:
        for kind, named in block.items():
            for name, body in named.items():
                assert name not in target.setdefault(kind, {}), f"{kind}.{name} declared twice"
                target[kind][name] = body


@cache
def load_dir(path: Path) -> TfDir:
    tf = TfDir(path)
    for file in sorted(path.glob("*.tf")):
        doc = parse_file(file)
        for block in doc.get("variable", []):
            tf.variables.update(block)
        for block in doc.get("locals", []):
            duplicate = set(block) & set(tf.locals)
            assert not duplicate, f"locals {duplicate} defined twice"
            tf.locals.update(block)
        for block in doc.get("output", []):
            tf.outputs.update(block)
        for block in doc.get("module", []):
            tf.modules.update(block)
        _merge_named(tf.resources, doc.get("resource", []))
        _merge_named(tf.data, doc.get("data", []))
        tf.providers += [body for block in doc.get("provider", []) for body in block.values()]
        tf.terraform += doc.get("terraform", [])
    return tf


def strings(value: Any) -> list[str]:
    """Every string inside a parsed value (dict keys included: for-expressions hide there)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *strings(v)]]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def refs(pattern: re.Pattern[str], value: Any) -> set[Any]:
    found: set[Any] = set()
    for text in strings(value):
        for match in pattern.finditer(text):
            found.add(match.group(1) if pattern.groups == 1 else match.groups())
    return found


def interpolations(template: str) -> list[str]:
    """The expressions of the top-level `${...}` parts of a template, braces balanced."""
    found = []
    index = 0
    while (start := template.find("${", index)) != -1:
        depth, cursor = 1, start + 2
        while depth:
            if cursor >= len(template):
                raise ValueError(f"unbalanced interpolation in {template!r}")
            depth += {"{": 1, "}": -1}.get(template[cursor], 0)
            cursor += 1
        found.append(template[start + 2 : cursor - 1])
        index = cursor
    return found


def render(template: str, values: dict[str, str]) -> str:
    """Replace each `${expr}` by values[expr]; an expression without a value is an error."""
    unknown = [expr for expr in interpolations(template) if expr not in values]
    if unknown:
        raise KeyError(f"no sample value for {unknown} in {template!r}")
    for expr in interpolations(template):
        template = template.replace("${" + expr + "}", values[expr], 1)
    return template


def unwrap(expression: str) -> str:
    """`${expr}` -> `expr`; anything else is returned unchanged."""
    if (
        expression.startswith("${")
        and expression.endswith("}")
        and interpolations(expression) == [expression[2:-1]]
    ):
        return expression[2:-1]
    return expression
