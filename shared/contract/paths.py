"""Where things live in the watched bucket. Written down in docs/contract.md.

    models/<name>/import.json          manifest: Object Storage import of models/<name>/
    models/<name>/...                  the model's artifacts (config.json, *.safetensors, tokenizer)
    requests/<name>.json               Hugging Face request
    _imports/state/<name>.json         state document of the import called <name>
    _imports/ledger.json               AI-unit ledger across live imports (never triggers anything)

The state prefix starts with `_` so it can never collide with `models/` or `requests/`,
and the ledger sits outside `_imports/state/` so writing it fires no rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MODELS_PREFIX = "models/"
REQUESTS_PREFIX = "requests/"
STATE_PREFIX = "_imports/state/"
LEDGER_OBJECT = "_imports/ledger.json"
MANIFEST_FILENAME = "import.json"

# Matched with fullmatch: with match(), `$` also accepts a name ending in a newline ("nl\n").
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")


class ObjectKind(StrEnum):
    MANIFEST = "manifest"
    REQUEST = "request"
    STATE = "state"
    CONFIG = "config"  # models/<name>/config.json, for the optional config-trigger mode


class SourceKind(StrEnum):
    OBJECT_STORAGE = "object_storage"
    HUGGING_FACE = "hugging_face"


@dataclass(frozen=True)
class ObjectRef:
    """What an object name means to the pipeline."""

    kind: ObjectKind
    name: str


def valid_name(name: str) -> bool:
    return bool(NAME_PATTERN.fullmatch(name)) and ".." not in name


def classify(object_name: str) -> ObjectRef | None:
    """Map an object name to (kind, import name), or None when it is none of ours.

    Strict on purpose: the Events rules may match more (if `*` spans `/`), so the
    function decides here, exactly, what an object is.
    """
    parts = object_name.split("/")
    if len(parts) == 3 and parts[0] == "models" and parts[2] == MANIFEST_FILENAME and valid_name(parts[1]):
        return ObjectRef(ObjectKind.MANIFEST, parts[1])
    if len(parts) == 3 and parts[0] == "models" and parts[2] == "config.json" and valid_name(parts[1]):
        return ObjectRef(ObjectKind.CONFIG, parts[1])
    if len(parts) == 2 and parts[0] == "requests" and parts[1].endswith(".json"):
        name = parts[1][: -len(".json")]
        if valid_name(name):
            return ObjectRef(ObjectKind.REQUEST, name)
    if len(parts) == 3 and "/".join(parts[:2]) + "/" == STATE_PREFIX and parts[2].endswith(".json"):
        name = parts[2][: -len(".json")]
        if valid_name(name):
            return ObjectRef(ObjectKind.STATE, name)
    return None


def manifest_object(name: str) -> str:
    return f"{MODELS_PREFIX}{name}/{MANIFEST_FILENAME}"


def model_prefix(name: str) -> str:
    return f"{MODELS_PREFIX}{name}/"


def request_object(name: str) -> str:
    return f"{REQUESTS_PREFIX}{name}.json"


def state_object(name: str) -> str:
    return f"{STATE_PREFIX}{name}.json"
