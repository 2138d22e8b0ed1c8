"""Idempotent operations on OCI Generative AI: imported models, hosting clusters, endpoints.

Three guards make a create safe to repeat (a duplicate event, a retried invocation):
- a look-up by freeform tag (`import-id`, `step`) before any create: what exists is reused;
- a deterministic `opc-retry-token` per import id and step: a create the service already
  accepted returns the same resource instead of a second one;
- tags `import-id`, `import-name`, `step`, `managed-by=oci-model-import` (and
  `import-bucket`, the watched bucket) on every resource, so the sweep and teardown find
  everything the pipeline created, tracked or not, and never touch another stack's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import oci
from oci.generative_ai import models as gm

from shared.contract import tags as tag_keys
from shared.contract.manifest import Capability
from shared.contract.paths import SourceKind, import_id_of
from shared.contract.state import ImportState, retry_token
from shared.paging import all_pages

MANAGED_BY = tag_keys.MANAGED_BY_VALUE
GONE_STATES = frozenset({"DELETED", "DELETING"})
FAILED_STATES = frozenset({"FAILED", "NEEDS_ATTENTION"})
WR_FAILED = frozenset({"FAILED", "CANCELED", "CANCELING"})
# Put on an imported model a `keep_model` teardown leaves behind: it outlives its import, so
# neither the orphan sweep nor a later teardown of the same import id (or name) may delete it.
KEPT_TAG = tag_keys.KEPT
KEPT_VALUE = tag_keys.KEPT_VALUE


class Kind(StrEnum):
    """A resource the pipeline creates; the value is also its `step` tag."""

    IMPORTED_MODEL = "import-model"
    CLUSTER = "cluster"
    ENDPOINT = "endpoint"


@dataclass(frozen=True)
class Resource:
    kind: Kind
    id: str
    lifecycle_state: str
    tags: dict[str, str] = field(default_factory=dict)
    details: str | None = None

    @property
    def import_id(self) -> str | None:
        return self.tags.get(tag_keys.IMPORT_ID)

    @property
    def step(self) -> str | None:
        return self.tags.get(tag_keys.STEP)

    @property
    def is_gone(self) -> bool:
        return self.lifecycle_state in GONE_STATES

    @property
    def is_failed(self) -> bool:
        return self.lifecycle_state in FAILED_STATES

    @property
    def is_kept(self) -> bool:
        return self.tags.get(KEPT_TAG) == KEPT_VALUE


@dataclass(frozen=True)
class Created:
    id: str
    work_request_id: str | None


@dataclass(frozen=True)
class Progress:
    """Where a resource is: ACTIVE, PENDING (still working), FAILED (with errors) or GONE."""

    status: str
    lifecycle_state: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.status != "PENDING"


class ResourceBusy(Exception):
    """A delete was refused because the resource is mid-change (e.g. still CREATING); try later."""


class NotOurs(Exception):
    """A resource whose freeform tags do not prove it is this deployment's and this import's.

    Raised before any update or delete: an OCID taken from a state document (forged, stale, or
    pointing at another team's resource) is refused, never changed. `reason` says which tag failed.
    """

    def __init__(self, kind: Kind, resource_id: str, reason: str) -> None:
        super().__init__(f"{kind.value} {resource_id} is not this import's: {reason}; left alone")
        self.kind = kind
        self.resource_id = resource_id
        self.reason = reason


def resource_tags(state: ImportState, kind: Kind) -> dict[str, str]:
    return {
        **state.options.freeform_tags,
        tag_keys.IMPORT_ID: state.import_id,
        tag_keys.IMPORT_NAME: state.name,
        tag_keys.STEP: kind.value,
        tag_keys.MANAGED_BY: MANAGED_BY,
        tag_keys.IMPORT_BUCKET: state.source.bucket,  # whose sweep may delete it as an orphan
    }


def step_token(state: ImportState, kind: Kind) -> str:
    """The opc-retry-token of this import's create of `kind`; a retry after a deletion gets a new one."""
    return retry_token(state.import_id, f"{kind.value}#{state.retries}")


FULL_COMMIT = re.compile(r"[0-9a-f]{40}")
SHORT_COMMIT = re.compile(r"[0-9a-f]{7,39}")


def resolve_revision(revision: str, hub_commit: str | None) -> str | None:
    """The revision to import: a short commit hash becomes the full commit the Hub resolved it to.

    OCI's HuggingFaceModel data source has `branch` and `commit` (oci/generative_ai/models/
    hugging_face_model.py); nothing says `commit` takes a short hash, and a short hash sent as
    `branch` names no branch. So a revision that looks like one (7-39 hex digits) is resolved
    through the Hub (model_info's `sha`): if the Hub's commit starts with it, that full commit
    is imported; if the Hub answered another commit, the revision was a branch with a hex-looking
    name and stays one. None: it looks like a short hash and the Hub gave no commit to check it
    against (refuse rather than guess).
    """
    if not SHORT_COMMIT.fullmatch(revision):
        return revision
    if hub_commit is None or not FULL_COMMIT.fullmatch(hub_commit):
        return None
    return hub_commit if hub_commit.startswith(revision) else revision


def endpoint_display_name(name: str) -> str:
    """Endpoint names start with a letter or '_' and hold letters, digits, '-' and '_' only."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    if not re.match(r"[A-Za-z_]", cleaned):
        cleaned = "_" + cleaned
    return cleaned[:255]


class GenAiOps:
    """The Generative AI control-plane calls of the pipeline, for one compartment."""

    def __init__(
        self,
        client: Any,
        compartment_id: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        bucket_region: str | None = None,
        deployment: str | None = None,
    ) -> None:
        self.client = client
        self.compartment_id = compartment_id
        # The watched bucket: the `import-bucket` tag every resource of this deployment carries.
        # None only where no deployment is known (then the import-id tag alone is checked).
        self.deployment = deployment
        self.bucket_region = bucket_region  # set when the bucket is not in Generative AI's region
        self._sleep = sleep
        self._monotonic = monotonic

    # --- reading ------------------------------------------------------------------------
    def list_all(self, kind: Kind) -> list[Any]:
        """Every resource of `kind` in the compartment, in any lifecycle state, ours or not."""
        method = {
            Kind.IMPORTED_MODEL: self.client.list_imported_models,
            Kind.CLUSTER: self.client.list_dedicated_ai_clusters,
            Kind.ENDPOINT: self.client.list_endpoints,
        }[kind]
        # No `limit`: no document states the maximum page size of these list calls, so the
        # service's default page size is used and `opc-next-page` followed, each page with the
        # client's bounded retry strategy, at most MAX_LIST_PAGES pages (shared/paging.py).
        return all_pages(
            lambda page: method(self.compartment_id, **({"page": page} if page else {})),
            lambda data: data.items or [],
            f"{kind.value} resources",
        )

    def list_managed(self, kind: Kind, *, include_kept: bool = False) -> list[Resource]:
        """Every live (not DELETED/DELETING) resource of `kind` this pipeline created.

        FAILED ones are included (teardown deletes them); models a `keep_model` teardown
        marked as kept are not, unless `include_kept`: they belong to nobody any more.
        """
        out = []
        for item in self.list_all(kind):
            item_tags = dict(item.freeform_tags or {})
            if item_tags.get(tag_keys.MANAGED_BY) != MANAGED_BY:
                continue
            res = Resource(kind, item.id, str(item.lifecycle_state), item_tags, item.lifecycle_details)
            if res.is_gone or (res.is_kept and not include_kept):
                continue
            out.append(res)
        return out

    def find(self, kind: Kind, import_id: str) -> Resource | None:
        """The usable resource of `kind` tagged with this import id, if any (the oldest if several).

        A FAILED (or NEEDS_ATTENTION) one is never reused: a retry creates a new one, and the
        failed one stays findable by tag (`list_managed`) for teardown and the sweep.
        """
        found = [
            r
            for r in self.list_managed(kind)
            if r.import_id == import_id and r.step == kind and not r.is_failed
        ]
        return found[0] if found else None

    def get(self, kind: Kind, resource_id: str) -> Resource | None:
        method = {
            Kind.IMPORTED_MODEL: self.client.get_imported_model,
            Kind.CLUSTER: self.client.get_dedicated_ai_cluster,
            Kind.ENDPOINT: self.client.get_endpoint,
        }[kind]
        try:
            item = method(resource_id).data
        except oci.exceptions.ServiceError as exc:
            if exc.status == 404:
                return None
            raise
        return Resource(
            kind, item.id, str(item.lifecycle_state), dict(item.freeform_tags or {}), item.lifecycle_details
        )

    def work_request_errors(self, work_request_id: str) -> list[str]:
        try:
            items = self.client.list_work_request_errors(work_request_id).data.items or []
        except oci.exceptions.ServiceError as exc:
            return [f"work request errors unavailable: {exc.status} {exc.code}"]
        return [f"{e.code}: {e.message}" for e in items]

    def progress(self, kind: Kind, resource_id: str, work_request_id: str | None) -> Progress:
        """One look at a resource being created: the resource's lifecycle, then its work request."""
        res = self.get(kind, resource_id)
        if res is None or res.is_gone:
            return Progress(
                "GONE", res.lifecycle_state if res else None, [f"{kind.value} {resource_id} was deleted"]
            )
        if res.lifecycle_state == "ACTIVE":
            return Progress("ACTIVE", "ACTIVE")
        if res.lifecycle_state in FAILED_STATES:
            errors = self.work_request_errors(work_request_id) if work_request_id else []
            if res.details:
                errors.append(res.details)
            return Progress(
                "FAILED", res.lifecycle_state, errors or [f"{kind.value} is {res.lifecycle_state}"]
            )
        if work_request_id:
            wr = self.client.get_work_request(work_request_id).data
            if str(wr.status) in WR_FAILED:
                errors = self.work_request_errors(work_request_id) or [f"work request {wr.status}"]
                return Progress("FAILED", res.lifecycle_state, errors)
        return Progress("PENDING", res.lifecycle_state)

    def wait(
        self,
        kind: Kind,
        resource_id: str,
        work_request_id: str | None,
        budget_seconds: float,
        interval: float,
    ) -> Progress:
        """Poll `progress` until it is done or `budget_seconds` have passed (at least one look)."""
        deadline = self._monotonic() + budget_seconds
        while True:
            prog = self.progress(kind, resource_id, work_request_id)
            if prog.done or self._monotonic() + interval > deadline:
                return prog
            self._sleep(interval)

    # --- creating -----------------------------------------------------------------------
    def create_imported_model(
        self, state: ImportState, capability: Capability, hf_token: str | None = None
    ) -> Created:
        src = state.source
        data_source: gm.ModelDataSource
        if src.kind is SourceKind.HUGGING_FACE:
            # validation replaced a short commit hash with the full one (resolve_revision)
            is_commit = bool(src.revision and FULL_COMMIT.fullmatch(src.revision))
            data_source = gm.HuggingFaceModel(
                source_type="HUGGING_FACE_MODEL",
                model_id=src.model_id,
                access_token=hf_token,  # the only place the token ever goes: this request body
                branch=None if is_commit else (src.revision or "main"),
                commit=src.revision if is_commit else None,
            )
        else:
            data_source = gm.ObjectStorageObject(
                source_type="OBJECT_STORAGE_OBJECT",
                namespace_name=src.namespace,
                bucket_name=src.bucket,
                prefix_name=src.prefix,
                region=self.bucket_region,
            )
        opts = state.options
        details = gm.CreateImportedModelDetails(
            compartment_id=self.compartment_id,
            display_name=opts.display_name or state.name,
            description=opts.description,
            vendor=opts.vendor,
            version=opts.version,
            capabilities=[capability.value],
            data_source=data_source,
            freeform_tags=resource_tags(state, Kind.IMPORTED_MODEL),
        )
        resp = self.client.create_imported_model(
            details, opc_retry_token=step_token(state, Kind.IMPORTED_MODEL)
        )
        return Created(resp.data.id, resp.headers.get("opc-work-request-id"))

    def create_cluster(self, state: ImportState, unit_shape: str, unit_count: int = 1) -> Created:
        details = gm.CreateDedicatedAiClusterDetails(
            compartment_id=self.compartment_id,
            type="HOSTING",
            unit_shape=unit_shape,
            unit_count=unit_count,
            display_name=state.options.display_name or state.name,
            description=f"Hosting cluster of imported model {state.name} ({state.import_id})",
            freeform_tags=resource_tags(state, Kind.CLUSTER),
        )
        resp = self.client.create_dedicated_ai_cluster(
            details, opc_retry_token=step_token(state, Kind.CLUSTER)
        )
        return Created(resp.data.id, resp.headers.get("opc-work-request-id"))

    def create_endpoint(self, state: ImportState, model_id: str, cluster_id: str) -> Created:
        details = gm.CreateEndpointDetails(
            compartment_id=self.compartment_id,
            model_id=model_id,
            dedicated_ai_cluster_id=cluster_id,
            display_name=endpoint_display_name(state.options.display_name or state.name),
            description=f"Endpoint of imported model {state.name} ({state.import_id})",
            freeform_tags=resource_tags(state, Kind.ENDPOINT),
        )
        resp = self.client.create_endpoint(details, opc_retry_token=step_token(state, Kind.ENDPOINT))
        return Created(resp.data.id, resp.headers.get("opc-work-request-id"))

    # --- keeping ------------------------------------------------------------------------
    def why_not_ours(self, res: Resource, import_id: str) -> str | None:
        """None when `res`'s tags prove it is this deployment's and this import's; else what fails."""
        if res.tags.get(tag_keys.MANAGED_BY) != MANAGED_BY:
            return f"not tagged {tag_keys.MANAGED_BY}={MANAGED_BY}"
        bucket = res.tags.get(tag_keys.IMPORT_BUCKET)
        if self.deployment is not None and bucket != self.deployment:
            return f"tagged {tag_keys.IMPORT_BUCKET}={bucket!r}, not this deployment's {self.deployment!r}"
        if res.import_id != import_id:
            return f"tagged {tag_keys.IMPORT_ID}={res.import_id!r}, not {import_id!r}"
        # The name too: the state's import_id must be an id of the state's name, and the resource
        # must be tagged with that name (an import_id copied into another import's state is refused).
        name = import_id.rpartition("-")[0]
        if not import_id_of(name, import_id) or res.tags.get(tag_keys.IMPORT_NAME) != name:
            return (
                f"tagged {tag_keys.IMPORT_NAME}={res.tags.get(tag_keys.IMPORT_NAME)!r}, "
                f"not the name of import {import_id!r}"
            )
        return None

    def owned(self, kind: Kind, resource_id: str, import_id: str) -> Resource | None:
        """GET the resource and check its tags: None if it is gone, NotOurs if they do not prove it ours."""
        res = self.get(kind, resource_id)
        if res is None:
            return None
        why = self.why_not_ours(res, import_id)
        if why is not None:
            raise NotOurs(kind, resource_id, why)
        return res

    def mark_kept(self, resource_id: str, *, import_id: str) -> bool:
        """Tag an imported model `kept=true` (its other tags stay); True once it carries the tag.

        False while the model is mid-change (the service updates only an ACTIVE model): try later.
        Raises NotOurs unless its tags prove it is this deployment's model of import `import_id`.
        """
        current = self.owned(Kind.IMPORTED_MODEL, resource_id, import_id)
        if current is None or current.is_gone:
            return True  # nothing left to keep
        if current.is_kept:
            return True
        if current.lifecycle_state != "ACTIVE":
            return False
        details = gm.UpdateImportedModelDetails(freeform_tags={**current.tags, KEPT_TAG: KEPT_VALUE})
        try:
            self.client.update_imported_model(
                resource_id, details, retry_strategy=oci.retry.NoneRetryStrategy()
            )
        except oci.exceptions.ServiceError as exc:
            if exc.status in (409, 412):
                return False
            if exc.status == 404:
                return True
            raise
        return True

    # --- deleting -----------------------------------------------------------------------
    def delete(self, kind: Kind, resource_id: str, *, import_id: str) -> str | None:
        """Ask for the deletion; returns its work request id, None if already gone.

        A GET first: raises NotOurs (and deletes nothing) unless the resource's tags prove it is
        this deployment's and import `import_id`'s. Raises ResourceBusy when the service refuses
        because the resource is mid-change.
        """
        if self.owned(kind, resource_id, import_id) is None:
            return None
        method = {
            Kind.IMPORTED_MODEL: self.client.delete_imported_model,
            Kind.CLUSTER: self.client.delete_dedicated_ai_cluster,
            Kind.ENDPOINT: self.client.delete_endpoint,
        }[kind]
        try:
            resp = method(resource_id, retry_strategy=oci.retry.NoneRetryStrategy())
        except oci.exceptions.ServiceError as exc:
            if exc.status == 404:
                return None
            if exc.status in (409, 412):
                raise ResourceBusy(f"{kind.value} {resource_id}: {exc.code} {exc.message}") from None
            raise
        return resp.headers.get("opc-work-request-id")
