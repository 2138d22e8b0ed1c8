"""The manifest (`models/<name>/import.json`) and the Hugging Face request (`requests/<name>.json`).

Keys are snake_case and all optional in the manifest, so `{}` is valid: the name
comes from the object path. Unknown keys are rejected with a finding naming them.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, field_validator

from shared.contract.tags import RESERVED_KEYS
from shared.findings import Finding, finding

MAX_DOCUMENT_BYTES = 64 * 1024

# Used with fullmatch only: `$` with match() also accepts a trailing newline ("main\n").
COMMIT_PATTERN = re.compile(r"[0-9a-f]{40}")
# Hub branch names follow git ref rules; this is the safe subset we accept.
BRANCH_PATTERN = re.compile(r"(?!.*\.\.)(?!/)(?!.*/\Z)[A-Za-z0-9._/-]{1,200}")
MODEL_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")

# OCI's tag limits ("Tagging Overview", section "Tag Limits",
# https://docs.oracle.com/iaas/Content/Tagging/Concepts/taggingoverview.htm): a free-form tag
# key of at most 100 characters, a value of at most 256, at most 64 tags on one resource and
# 5 KB of tag data in all. The pipeline adds its own keys (tags.RESERVED_KEYS) to every
# resource, so the user's share is what is left of the 64 and of the 5 KB.
TAG_KEY_MAX_CHARS = 100
TAG_VALUE_MAX_CHARS = 256
TAGS_PER_RESOURCE = 64
USER_TAGS_MAX = TAGS_PER_RESOURCE - len(RESERVED_KEYS)
USER_TAGS_MAX_JSON_BYTES = 4 * 1024  # of the 5 KB; ours take well under 1 KB

# Unicode categories refused in names, descriptions and tags: controls (Cc: CR, LF, NUL, ESC),
# format characters (Cf: the bidi overrides U+202A-202E and U+2066-2069, zero-width joiners),
# line and paragraph separators (Zl, Zp). Any of them lets text forge a line of its own in a
# notification or show something other than what is stored in the console.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def unsafe_character(text: str) -> str | None:
    """The first character of `text` that may not appear in a name or tag, as U+XXXX; else None."""
    for ch in text:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return f"U+{ord(ch):04X}"
    return None


def _plain(value: str) -> str:
    bad = unsafe_character(value)
    if bad is not None:
        raise ValueError(f"contains the control or formatting character {bad}; use plain printable text")
    return value


class Capability(StrEnum):
    """The four capabilities an imported model may have (exactly one)."""

    TEXT_TO_TEXT = "TEXT_TO_TEXT"
    IMAGE_TEXT_TO_TEXT = "IMAGE_TEXT_TO_TEXT"
    EMBEDDING = "EMBEDDING"
    RERANK = "RERANK"

    @property
    def is_chat(self) -> bool:
        return self in (Capability.TEXT_TO_TEXT, Capability.IMAGE_TEXT_TO_TEXT)


FreeformTags = Annotated[dict[str, str], Field(max_length=USER_TAGS_MAX)]


class ImportOptions(BaseModel):
    """Options shared by the manifest and the Hugging Face request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    display_name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    description: Annotated[str, Field(max_length=400)] | None = None
    capability: Capability | None = None
    unit_shape: Annotated[str, Field(pattern=r"^[A-Z0-9_]{2,40}$")] | None = None
    # Strict: JSON true/false only. Lax parsing would read "off", "no", "0" (and 0) as false
    # and "on", "yes", "1" as true, so a typo could quietly decide whether money is spent.
    deploy: StrictBool = True
    vendor: Annotated[str, Field(max_length=255)] | None = None
    version: Annotated[str, Field(max_length=255)] | None = None
    freeform_tags: FreeformTags = Field(default_factory=dict)
    keep_on_delete: StrictBool = False
    keep_model: StrictBool = False

    @field_validator("display_name", "description", "vendor", "version")
    @classmethod
    def _plain_text(cls, value: str | None) -> str | None:
        return None if value is None else _plain(value)

    @field_validator("display_name")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("is blank; give a name, or leave display_name out to use the import's name")
        return value

    @field_validator("freeform_tags")
    @classmethod
    def _tags_within_oci_limits(cls, tags: dict[str, str]) -> dict[str, str]:
        # Compared without case. OCI says free-form tag keys are case sensitive ("Understanding
        # Free-form Tags": "Project" and "project" are distinct keys,
        # https://docs.oracle.com/iaas/Content/Tagging/Concepts/understandingfreeformtags.htm), so
        # `Import-Id` would be a key of its own to the pipeline's exact look-ups; but a person
        # reading the console, or a tool matching keys without case, would take it for the
        # pipeline's. Refusing every casing is safe whichever way OCI compares.
        reserved = sorted(k for k in tags if k.casefold() in RESERVED_KEYS)
        if reserved:
            raise ValueError(
                f"tag keys {reserved} are reserved for the pipeline (in any case: "
                f"{', '.join(sorted(RESERVED_KEYS))}); choose another key"
            )
        for key, value in tags.items():
            shown = key[:40].encode("unicode_escape").decode("ascii")
            if not 1 <= len(key) <= TAG_KEY_MAX_CHARS:
                raise ValueError(f"tag key '{shown}' must be 1-{TAG_KEY_MAX_CHARS} characters (OCI's limit)")
            if len(value) > TAG_VALUE_MAX_CHARS:
                raise ValueError(f"the value of tag '{shown}' is over OCI's {TAG_VALUE_MAX_CHARS} characters")
            bad = unsafe_character(key) or unsafe_character(value)
            if bad is not None:
                raise ValueError(f"tag '{shown}' contains the control or formatting character {bad}")
        size = len(json.dumps(tags, ensure_ascii=False).encode())
        if size > USER_TAGS_MAX_JSON_BYTES:
            raise ValueError(f"tags take {size} bytes as JSON; keep them under {USER_TAGS_MAX_JSON_BYTES}")
        return tags


class Manifest(ImportOptions):
    """`models/<name>/import.json`: starts an Object Storage import of `models/<name>/`."""


class HfRequest(ImportOptions):
    """`requests/<name>.json`: starts a Hugging Face import of `model_id` at `revision`."""

    model_id: str
    revision: str = "main"

    @field_validator("model_id")
    @classmethod
    def _model_id_shape(cls, value: str) -> str:
        if not MODEL_ID_PATTERN.fullmatch(value) or ".." in value:
            raise ValueError("must look like 'organisation/name'")
        return value

    @field_validator("revision")
    @classmethod
    def _revision_shape(cls, value: str) -> str:
        if COMMIT_PATTERN.fullmatch(value) or BRANCH_PATTERN.fullmatch(value):
            return value
        raise ValueError("must be a branch name or a 40-hex commit id")

    @property
    def is_commit(self) -> bool:
        return bool(COMMIT_PATTERN.fullmatch(self.revision))


M = TypeVar("M", bound="ImportOptions")


class DocumentError(Exception):
    """A manifest or request was rejected; carries the findings that say why."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f"{f.code} {f.subject}: {f.message}" for f in findings))
        self.findings = findings


def parse_manifest(raw: bytes, subject: str) -> Manifest:
    return _parse(Manifest, raw, subject, "MANIFEST")


def parse_request(raw: bytes, subject: str) -> HfRequest:
    return _parse(HfRequest, raw, subject, "REQUEST")


# Python refuses to turn a longer digit string into an int (sys.set_int_max_str_digits): such a
# number is found before that happens and named with its field.
_MAX_DIGITS = sys.get_int_max_str_digits() or 4300


class _LongNumber:
    """Stands in for an integer of more digits than Python converts, to find which field holds it."""

    __slots__ = ()


def _int(text: str) -> int | _LongNumber:
    return _LongNumber() if len(text) - text.startswith("-") > _MAX_DIGITS else int(text)


def _long_number_at(doc: Any, path: str = "") -> str | None:
    if isinstance(doc, _LongNumber):
        return path or "(document)"
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for key, value in items:
        found = _long_number_at(value, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def _parse(model: type[M], raw: bytes, subject: str, kind: str) -> M:
    """`kind` MANIFEST or REQUEST: the findings' codes are the document's own (REQUEST_TOO_LARGE...)."""
    invalid_code = f"{kind}_INVALID"
    what = "manifest" if kind == "MANIFEST" else "request"
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            [
                finding(
                    f"{kind}_TOO_LARGE",
                    subject,
                    f"{subject} is {len(raw)} bytes, over the {MAX_DOCUMENT_BYTES}-byte cap of a {what}",
                )
            ]
        )
    if not raw.strip():
        # `{}` is the documented empty manifest; zero bytes (or only spaces) is what an upload
        # cut short or a client that wrote nothing leaves. Importing with every default on it
        # could start a deployment nobody asked for; refusing costs nothing: the complete upload
        # is a new object version, which fires the rule again and starts its own import.
        raise DocumentError(
            [
                finding(
                    invalid_code,
                    subject,
                    f"{subject} is empty ({len(raw)} bytes): probably an interrupted upload; "
                    "write it again, or write {} for every default",
                )
            ]
        )
    try:
        doc: Any = json.loads(raw.decode("utf-8"), parse_int=_int)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError([finding(invalid_code, subject, f"not valid JSON: {exc}")]) from None
    except RecursionError:
        # json.loads recurses per nesting level: `[[[[...` under the size cap exhausts the stack
        raise DocumentError(
            [finding(invalid_code, subject, f"nested too deeply to be a {what}; upload a flat JSON object")]
        ) from None
    except ValueError as exc:
        raise DocumentError(
            [finding(invalid_code, subject, f"not a JSON document we accept: {str(exc)[:120]}")]
        ) from None
    try:
        long_number = _long_number_at(doc)
    except RecursionError:
        long_number = None
    if long_number is not None:
        raise DocumentError(
            [
                finding(
                    invalid_code,
                    f"{subject}: {long_number}",
                    f"a number with more than {_MAX_DIGITS} digits in '{long_number}'; use a normal number",
                )
            ]
        )
    if not isinstance(doc, dict):
        raise DocumentError([finding(invalid_code, subject, "must be a JSON object, e.g. {}")])
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise DocumentError(_findings_from(exc, subject, kind)) from None


def _findings_from(exc: ValidationError, subject: str, kind: str) -> list[Finding]:
    out: list[Finding] = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(document)"
        if err["type"] == "extra_forbidden":
            out.append(
                finding(f"{kind}_UNKNOWN_KEY", f"{subject}: {field}", f"unknown key '{field}' in {subject}")
            )
        else:
            out.append(finding(f"{kind}_INVALID", f"{subject}: {field}", f"'{field}': {err['msg']}"))
    return out
