"""Where things live: the watched bucket (uploaders write) and the state bucket (only the function).

Watched bucket (STATE_BUCKET_NAME is another bucket, in a compartment the uploaders hold no grant on):

    models/<name>/import.json          manifest: Object Storage import of models/<name>/
    models/<name>/...                  the model's artifacts (config.json, *.safetensors, tokenizer)
    requests/<name>.json               Hugging Face request

State bucket:

    state/<name>.json                  state document of the import called <name>
    ledger.json                        AI-unit ledger across live imports (never triggers anything)
    notices/<key>                      one-shot markers (never trigger anything)
    creates/<import id>.<kind>.json    a create call in flight, written before it (never triggers anything)
    state/_orphan.<import id>.<kind>.json
                                       a resource a lost race left behind: fires the state rule, and
                                       is rewritten until the resource is gone (functions/orphans.py)

Why two buckets: OCI IAM cannot restrict object writes by name prefix (no object-name
variable in the Object Storage policy reference), so anyone who may upload models to the
watched bucket could also write state documents and the ledger there, and steer what the
function deletes and how many AI units it believes are held. What the function trusts
therefore lives where only the function (and operators) may write. Written down in
docs/contract.md. The ledger sits outside `state/` so writing it fires no rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

MODELS_PREFIX = "models/"
REQUESTS_PREFIX = "requests/"
# In the state bucket:
STATE_PREFIX = "state/"
LEDGER_OBJECT = "ledger.json"
NOTICE_PREFIX = "notices/"
CREATES_PREFIX = "creates/"
# Under `state/` so that writing it fires the state rule; "_" cannot start an import name, so it
# is never taken for a state document (classify_state) and no import can own this name.
ORPHAN_PREFIX = STATE_PREFIX + "_orphan."
MANIFEST_FILENAME = "import.json"

# Matched with fullmatch: with match(), `$` also accepts a name ending in a newline ("nl\n").
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
IMPORT_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}-[0-9a-f]{12}")  # make_import_id


class ObjectKind(StrEnum):
    MANIFEST = "manifest"
    REQUEST = "request"
    STATE = "state"
    ORPHAN = (
        "orphan"  # state/_orphan.<import id>.<kind>.json of the state bucket; name = "<import id>.<kind>"
    )
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


_DIGEST = re.compile(r"[0-9a-f]{12}")


def import_id_of(name: str, import_id: str) -> bool:
    """Whether `import_id` is an id of import `name`: `<name>-<12 hex>` (make_import_id)."""
    head, dash, digest = import_id.rpartition("-")
    return bool(dash) and head == name and bool(_DIGEST.fullmatch(digest))


def classify(object_name: str) -> ObjectRef | None:
    """Map an object name of the watched bucket to (kind, import name), or None when it is none of ours.

    Strict on purpose: the Events rules may match more (if `*` spans `/`), so the
    function decides here, exactly, what an object is. State documents are not objects of
    the watched bucket: see `classify_state`.
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
    return None


def classify_state(object_name: str) -> ObjectRef | None:
    """A state document `state/<name>.json` of the state bucket, or None."""
    if object_name.startswith(STATE_PREFIX) and object_name.endswith(".json"):
        name = object_name[len(STATE_PREFIX) : -len(".json")]
        if "/" not in name and valid_name(name):
            return ObjectRef(ObjectKind.STATE, name)
    return None


def classify_orphan(object_name: str) -> ObjectRef | None:
    """An orphan record `state/_orphan.<import id>.<kind>.json` of the state bucket, or None."""
    if object_name.startswith(ORPHAN_PREFIX) and object_name.endswith(".json"):
        key = object_name[len(ORPHAN_PREFIX) : -len(".json")]
        import_id, _, kind = key.rpartition(".")
        if IMPORT_ID_PATTERN.fullmatch(import_id) and kind in ("import-model", "cluster", "endpoint"):
            return ObjectRef(ObjectKind.ORPHAN, key)
    return None


def orphan_object(key: str) -> str:
    return f"{ORPHAN_PREFIX}{key}.json"


def create_object(key: str) -> str:
    return f"{CREATES_PREFIX}{key}.json"


def manifest_object(name: str) -> str:
    return f"{MODELS_PREFIX}{name}/{MANIFEST_FILENAME}"


def model_prefix(name: str) -> str:
    return f"{MODELS_PREFIX}{name}/"


def request_object(name: str) -> str:
    return f"{REQUESTS_PREFIX}{name}.json"


def state_object(name: str) -> str:
    return f"{STATE_PREFIX}{name}.json"
