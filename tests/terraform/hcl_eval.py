"""Evaluate the small HCL expressions of variable validation rules, so tests can check that
every default passes its own rules and that bad values are refused, without Terraform.

It translates the subset the validations use (comparisons, &&, ||, !, `x == null ? true : y`,
`[for a in b : c]`, can, regex, contains, alltrue, keys, values, length, split, trimspace,
floor, cidrnetmask) into Python; anything else raises, so a new construct must be taught here
rather than silently pass. Terraform's regex engine is RE2; the patterns used are plain enough
to mean the same in Python's `re`.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from typing import Any


class Obj(dict[str, Any]):
    """An HCL object: attribute access like `s.protocol`."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _regex(pattern: str, text: str) -> str:
    if not isinstance(text, str):
        raise TypeError("regex needs a string")
    match = re.search(pattern, text)
    if match is None:
        raise ValueError("no match")
    return match.group(0)


def _can(thunk: Callable[[], Any]) -> bool:
    try:
        thunk()
    except Exception:
        return False
    return True


def _cidrnetmask(cidr: str) -> str:
    if "/" not in cidr:
        raise ValueError("Terraform's cidrnetmask needs a prefix length")
    return str(ipaddress.IPv4Network(cidr, strict=False).netmask)


FUNCTIONS: dict[str, Any] = {
    "_can": _can,
    "regex": _regex,
    "contains": lambda items, value: value in items,
    "alltrue": lambda items: all(items),
    "keys": lambda mapping: sorted(mapping),
    "values": lambda mapping: [mapping[k] for k in sorted(mapping)],
    "length": len,
    "split": lambda sep, text: text.split(sep),
    "trimspace": lambda text: text.strip(),
    "floor": math.floor,
    "cidrnetmask": _cidrnetmask,
}

_ALLOWED_NAMES = set(FUNCTIONS) | {
    "v",
    "None",
    "True",
    "False",
    "and",
    "or",
    "not",
    "if",
    "else",
    "for",
    "in",
    "lambda",
}


def _translate(condition: str, variable: str) -> str:
    expr = condition
    if expr.startswith("${") and expr.endswith("}"):
        expr = expr[2:-1]
    expr = re.sub(rf"\bvar\.{re.escape(variable)}\b", "v", expr)
    if re.search(r"\bvar\.", expr):
        raise ValueError(f"validation reads another variable: {condition}")
    # `v == null ? true : rest`  ->  `True if v is None else (rest)`
    m = re.fullmatch(r"v == null \? true : (.+)", expr, re.DOTALL)
    if m:
        expr = f"True if v is None else ({m[1]})"
    if "?" in re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr):
        raise ValueError(f"conditional the evaluator does not know: {condition}")
    # [for a in b : c]  ->  [(c) for a in b]
    expr = re.sub(r"\[for (\w+) in (.+?) : (.+?)\]\)", r"[(\3) for \1 in \2])", expr)
    expr = expr.replace("can(", "_can(lambda: ")
    expr = expr.replace("&&", " and ").replace("||", " or ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    expr = re.sub(r"\bnull\b", "None", expr)
    expr = re.sub(r"\btrue\b", "True", expr)
    expr = re.sub(r"\bfalse\b", "False", expr)
    expr = expr.replace("== None", "is None").replace("!= None", "is not None")
    names = set(re.findall(r"(?<![\w.\"'\\])([A-Za-z_]\w*)(?=\s*\()", expr))
    unknown = {n for n in names if n not in _ALLOWED_NAMES}
    if unknown:
        raise ValueError(f"functions the evaluator does not know {unknown}: {condition}")
    return expr


def _hcl_value(value: Any) -> Any:
    if isinstance(value, dict):
        return Obj({k: _hcl_value(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_hcl_value(v) for v in value]
    return value


def holds(condition: str, variable: str, value: Any) -> bool:
    """Whether `condition` (a validation of `variable`) holds for `value`."""
    expr = _translate(condition, variable)
    # One namespace: the lambdas that `can(...)` becomes must see `v` as a global.
    namespace = {"__builtins__": {}, **FUNCTIONS, "v": _hcl_value(value)}
    # eval of a translated subset whose function names were checked above.
    result = eval(expr, namespace)
    if not isinstance(result, bool):
        raise TypeError(f"{condition} evaluated to {result!r}, not a bool")
    return result


def object_defaults(type_expression: str) -> dict[str, Any]:
    """Defaults of `object({a = optional(number, 30), ...})` given `{}`."""
    return {k: int(v) for k, v in re.findall(r"(\w+) = optional\(number, (\d+)\)", type_expression)}
