"""The manifest (`models/<name>/import.json`) and the Hugging Face request (`requests/<name>.json`).

Keys are snake_case and all optional in the manifest, so `{}` is valid: the name
comes from the object path. Unknown keys are rejected with a finding naming them.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.contract.tags import RESERVED_KEYS
from shared.findings import Finding, finding

MAX_DOCUMENT_BYTES = 64 * 1024

COMMIT_PATTERN = re.compile(r"^[0-9a-f]{40}$")
# Hub branch names follow git ref rules; this is the safe subset we accept.
BRANCH_PATTERN = re.compile(r"^(?!.*\.\.)(?!/)(?!.*/$)[A-Za-z0-9._/-]{1,200}$")
MODEL_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")


class Capability(StrEnum):
    """The four capabilities an imported model may have (exactly one)."""

    TEXT_TO_TEXT = "TEXT_TO_TEXT"
    IMAGE_TEXT_TO_TEXT = "IMAGE_TEXT_TO_TEXT"
    EMBEDDING = "EMBEDDING"
    RERANK = "RERANK"

    @property
    def is_chat(self) -> bool:
        return self in (Capability.TEXT_TO_TEXT, Capability.IMAGE_TEXT_TO_TEXT)


FreeformTags = Annotated[dict[str, str], Field(max_length=64)]


class ImportOptions(BaseModel):
    """Options shared by the manifest and the Hugging Face request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    display_name: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    description: Annotated[str, Field(max_length=400)] | None = None
    capability: Capability | None = None
    unit_shape: Annotated[str, Field(pattern=r"^[A-Z0-9_]{2,40}$")] | None = None
    deploy: bool = True
    vendor: Annotated[str, Field(max_length=255)] | None = None
    version: Annotated[str, Field(max_length=255)] | None = None
    freeform_tags: FreeformTags = Field(default_factory=dict)
    keep_on_delete: bool = False
    keep_model: bool = False

    @field_validator("freeform_tags")
    @classmethod
    def _tags_do_not_shadow_ours(cls, tags: dict[str, str]) -> dict[str, str]:
        reserved = RESERVED_KEYS & set(tags)
        if reserved:
            raise ValueError(f"tag keys {sorted(reserved)} are reserved for the pipeline")
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
        if not MODEL_ID_PATTERN.match(value) or ".." in value:
            raise ValueError("must look like 'organisation/name'")
        return value

    @field_validator("revision")
    @classmethod
    def _revision_shape(cls, value: str) -> str:
        if COMMIT_PATTERN.match(value) or BRANCH_PATTERN.match(value):
            return value
        raise ValueError("must be a branch name or a 40-hex commit id")

    @property
    def is_commit(self) -> bool:
        return bool(COMMIT_PATTERN.match(self.revision))


M = TypeVar("M", bound="ImportOptions")


class DocumentError(Exception):
    """A manifest or request was rejected; carries the findings that say why."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f"{f.code} {f.subject}: {f.message}" for f in findings))
        self.findings = findings


def parse_manifest(raw: bytes, subject: str) -> Manifest:
    return _parse(Manifest, raw, subject, invalid_code="MANIFEST_INVALID")


def parse_request(raw: bytes, subject: str) -> HfRequest:
    return _parse(HfRequest, raw, subject, invalid_code="REQUEST_INVALID")


def _parse(model: type[M], raw: bytes, subject: str, invalid_code: str) -> M:
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            [finding("MANIFEST_TOO_LARGE", subject, f"{len(raw)} bytes, cap {MAX_DOCUMENT_BYTES}")]
        )
    try:
        doc: Any = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError([finding(invalid_code, subject, f"not valid JSON: {exc}")]) from None
    except RecursionError:
        # json.loads recurses per nesting level: `[[[[...` under the size cap exhausts the stack
        raise DocumentError(
            [finding(invalid_code, subject, "nested too deeply to be a manifest; upload a flat JSON object")]
        ) from None
    if not isinstance(doc, dict):
        raise DocumentError([finding(invalid_code, subject, "must be a JSON object, e.g. {}")])
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise DocumentError(_findings_from(exc, subject, invalid_code)) from None


def _findings_from(exc: ValidationError, subject: str, invalid_code: str) -> list[Finding]:
    out: list[Finding] = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(document)"
        if err["type"] == "extra_forbidden":
            out.append(finding("MANIFEST_UNKNOWN_KEY", f"{subject}: {field}", f"unknown key '{field}'"))
        else:
            out.append(finding(invalid_code, f"{subject}: {field}", f"'{field}': {err['msg']}"))
    return out
