"""Typed models of the OCI Events envelope and Object Storage object events.

Envelope: CloudEvents 0.1 as OCI documents it ("Contents of an Event Message",
https://docs.oracle.com/iaas/Content/Events/Reference/eventenvelopereference.htm).
Real payloads vary: `eventTypeVersion` 1.0 or 2.0, `source` in either case,
`schemaURL` null or absent, `freeformTags` also spelled `freeFormTags`, empty
`resourceId`. Every optional field is therefore optional here, and unknown fields
are kept rather than rejected (a producer may add fields under a new version).
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import unquote

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

OBJECT_EVENT_PREFIX = "com.oraclecloud.objectstorage."
MAX_EVENT_BYTES = 6 * 1024 * 1024  # OCI Functions refuses larger invoke bodies


class ObjectEventType(StrEnum):
    CREATE = "com.oraclecloud.objectstorage.createobject"
    UPDATE = "com.oraclecloud.objectstorage.updateobject"
    DELETE = "com.oraclecloud.objectstorage.deleteobject"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


def _null_is_empty(value: Any) -> Any:
    """An explicit JSON null where an object belongs means "none": OCI's envelope serialiser
    writes `"freeformTags": null, "definedTags": null` (the example event in "Contents of an
    Audit Log Event", https://docs.oracle.com/iaas/Content/Audit/Reference/logeventreference.htm),
    and an event refused for it would be lost."""
    return {} if value is None else value


NullableObject = BeforeValidator(_null_is_empty)


class Extensions(_Lenient):
    compartment_id: str | None = Field(default=None, alias="compartmentId")


class ObjectDetails(_Lenient):
    """`data.additionalDetails` of an object event."""

    bucket_name: str | None = Field(default=None, alias="bucketName")
    namespace: str | None = None
    bucket_id: str | None = Field(default=None, alias="bucketId")
    etag: str | None = Field(default=None, alias="eTag")
    archival_state: str | None = Field(default=None, alias="archivalState")
    version_id: str | None = Field(default=None, alias="versionId")


class EventData(_Lenient):
    compartment_id: str | None = Field(default=None, alias="compartmentId")
    compartment_name: str | None = Field(default=None, alias="compartmentName")
    resource_name: str | None = Field(default=None, alias="resourceName")
    resource_id: str | None = Field(default=None, alias="resourceId")
    availability_domain: str | None = Field(default=None, alias="availabilityDomain")
    freeform_tags: Annotated[dict[str, str], NullableObject] = Field(
        default_factory=dict, validation_alias=AliasChoices("freeformTags", "freeFormTags")
    )
    defined_tags: Annotated[dict[str, dict[str, Any]], NullableObject] = Field(
        default_factory=dict, alias="definedTags"
    )
    additional_details: Annotated[ObjectDetails, NullableObject] = Field(
        default_factory=ObjectDetails, alias="additionalDetails"
    )


class CloudEvent(_Lenient):
    """The OCI Events envelope (CloudEvents 0.1)."""

    event_type: str = Field(alias="eventType")
    cloud_events_version: str = Field(default="0.1", alias="cloudEventsVersion")
    event_type_version: str | None = Field(default=None, alias="eventTypeVersion")
    source: str | None = None
    event_id: str = Field(alias="eventID", min_length=1)
    event_time: datetime | None = Field(default=None, alias="eventTime")
    content_type: str | None = Field(default=None, alias="contentType")
    schema_url: str | None = Field(default=None, alias="schemaURL")
    extensions: Annotated[Extensions, NullableObject] = Field(default_factory=Extensions)
    data: Annotated[EventData, NullableObject] = Field(default_factory=EventData)

    # --- object-event accessors ---------------------------------------------------------
    @property
    def is_object_event(self) -> bool:
        return self.event_type.startswith(OBJECT_EVENT_PREFIX) and self.object_name is not None

    @property
    def object_event_type(self) -> ObjectEventType | None:
        try:
            return ObjectEventType(self.event_type)
        except ValueError:
            return None

    @property
    def object_name(self) -> str | None:
        """The full object name, `/` prefixes included (`data.resourceName`).

        Falls back to the tail of `data.resourceId` (`/n/<ns>/b/<bucket>/o/<name>`),
        which some payloads carry URL-encoded.
        """
        if self.data.resource_name:
            return self.data.resource_name
        rid = self.data.resource_id or ""
        marker = "/o/"
        if marker in rid:
            return unquote(rid.split(marker, 1)[1]) or None
        return None

    @property
    def bucket_name(self) -> str | None:
        if self.data.additional_details.bucket_name:
            return self.data.additional_details.bucket_name
        return _resource_id_part(self.data.resource_id, "b")

    @property
    def namespace(self) -> str | None:
        return self.data.additional_details.namespace or _resource_id_part(self.data.resource_id, "n")

    @property
    def etag(self) -> str | None:
        return self.data.additional_details.etag

    @property
    def is_delete(self) -> bool:
        return self.event_type == ObjectEventType.DELETE


def _resource_id_part(resource_id: str | None, key: str) -> str | None:
    parts = (resource_id or "").split("/")
    for i, part in enumerate(parts[:-1]):
        if part == key and parts[i + 1]:
            return parts[i + 1]
    return None


class EventError(ValueError):
    """The body is not an OCI CloudEvent; the message says what is wrong."""


def parse_event(body: bytes) -> CloudEvent:
    """Parse a delivered body into a CloudEvent, or raise EventError with a readable reason."""
    if len(body) > MAX_EVENT_BYTES:
        raise EventError(f"event body of {len(body)} bytes exceeds {MAX_EVENT_BYTES}")
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventError(f"event body is not JSON: {exc}") from None
    except ValueError as exc:
        # Not a syntax error: an integer of more than 4,300 digits, which Python's int-string
        # limit refuses (sys.get_int_max_str_digits). No OCI event carries such a number.
        raise EventError(f"event body is not JSON we accept: {str(exc)[:120]}") from None
    except RecursionError:
        # json.loads recurses once per nesting level: a small body of brackets exhausts the stack
        raise EventError("event body is not JSON we accept: nested too deeply") from None
    if not isinstance(doc, dict):
        raise EventError("event body must be a JSON object")
    try:
        return CloudEvent.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise EventError(f"not an OCI CloudEvent: '{field}': {first['msg']}") from None
