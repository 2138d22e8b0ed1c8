"""Generative AI control plane (API 20231130), emulated for the real `oci.generative_ai` client.

Imported models, dedicated AI clusters, endpoints and their work requests. A resource's
lifecycle state is derived on every read from its latest work request (see
`genai_work`), so nothing runs in the background and a restart resumes where it was.
The checks a real import does (the bucket holds `config.json`, the Hub repo is readable
with the given token) and injected faults are decided when the work request starts.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from localcloud.context import CloudContext
from localcloud.genai_checks import check_source
from localcloud.genai_models import (
    ChangeCompartmentDetails,
    CreateDedicatedAiClusterDetails,
    CreateEndpointDetails,
    CreateImportedModelDetails,
    HuggingFaceModel,
    ObjectStorageObject,
    UpdateDedicatedAiClusterDetails,
    UpdateEndpointDetails,
    UpdateImportedModelDetails,
    parse_body,
)
from localcloud.genai_store import GenAiStore
from localcloud.genai_work import (
    ACCEPTED,
    FAILED,
    IN_PROGRESS,
    SUCCEEDED,
    error_entries,
    log_entries,
    needs_decision,
    rfc3339,
    view,
)
from localcloud.tag_limits import check_tags
from localcloud.web import Request, Response, Route, ServiceError, route
from shared.shapes import get_shape, unit_shapes

API = "/20231130"
SERVICE = "generativeai"  # the name fault specs select it by (localcloud.faults)
IMPORT_CAPABILITIES = ("TEXT_TO_TEXT", "IMAGE_TEXT_TO_TEXT", "EMBEDDING", "RERANK")
MAX_ENDPOINTS_PER_CLUSTER = 50  # documented for hosting clusters (limitations.htm)
# The SDK documents `limit` without a maximum (oci/generative_ai/generative_ai_client.py,
# list_imported_models et al.), so a client must not count on a large one: this emulation
# accepts at most 100, and a client that asks for more (e.g. limit=1000) is refused with 400.
DEFAULT_LIMIT = 100
MAX_LIMIT = 100

LIFECYCLE_STATES = {
    "importedModels": {"ACTIVE", "CREATING", "UPDATING", "DELETING", "DELETED", "FAILED"},
    "dedicatedAiClusters": {
        "ACTIVE",
        "CREATING",
        "UPDATING",
        "DELETING",
        "DELETED",
        "FAILED",
        "NEEDS_ATTENTION",
    },
    "endpoints": {"ACTIVE", "CREATING", "UPDATING", "DELETING", "DELETED", "FAILED"},
}
WORK_REQUEST_STATUSES = {"ACCEPTED", "IN_PROGRESS", "WAITING", "FAILED", "SUCCEEDED", "CANCELING", "CANCELED"}
TRANSITIONAL = {"CREATE": "CREATING", "UPDATE": "UPDATING", "DELETE": "DELETING"}
FINAL_ACTION = {"CREATE": "CREATED", "UPDATE": "UPDATED", "DELETE": "DELETED"}


@dataclass(frozen=True)
class Kind:
    collection: str  # REST collection and store folder, e.g. importedModels
    entity: str  # work request entityType
    ocid_type: str
    operation: str  # suffix of the work request operationType
    id_param: str
    sort_fields: tuple[str, ...]
    filters: tuple[str, ...]  # list query parameters compared for equality with the document


IMPORTED_MODEL = Kind(
    "importedModels",
    "ImportedModel",
    "generativeaiimportedmodel",
    "IMPORTED_MODEL",
    "importedModelId",
    ("timeCreated", "displayName", "lifecycleState"),
    ("vendor",),
)
CLUSTER = Kind(
    "dedicatedAiClusters",
    "DedicatedAiCluster",
    "generativeaidedicatedaicluster",
    "DEDICATED_AI_CLUSTER",
    "dedicatedAiClusterId",
    ("timeCreated", "displayName", "lifecycleState"),
    ("capacityReservationId",),
)
ENDPOINT = Kind(
    "endpoints",
    "Endpoint",
    "generativeaiendpoint",
    "ENDPOINT",
    "endpointId",
    ("timeCreated", "displayName"),
    ("generativeAiPrivateEndpointId",),
)
KINDS = (IMPORTED_MODEL, CLUSTER, ENDPOINT)


@dataclass(frozen=True)
class ServingTarget:
    """What inference needs to know about an endpoint and the model behind it."""

    endpoint_id: str
    endpoint_name: str
    lifecycle_state: str
    compartment_id: str
    model_id: str
    model_name: str
    capability: str | None


def not_found(what: str, ocid: str) -> ServiceError:
    return ServiceError(
        404,
        "NotAuthorizedOrNotFound",
        f"Authorization failed or requested resource not found: {what} {ocid}",
    )


def incorrect_state(message: str) -> ServiceError:
    return ServiceError(409, "IncorrectState", message)


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "InvalidParameter", message)


class GenAiService:
    def __init__(self, ctx: CloudContext) -> None:
        self.ctx = ctx
        self.store = GenAiStore(ctx.state_dir / "genai")

    # ---------------------------------------------------------------- routes

    def routes(self) -> list[Route]:
        r: list[Route] = []
        creators: dict[str, Callable[[Request], Response]] = {
            "importedModels": self.create_imported_model,
            "dedicatedAiClusters": self.create_cluster,
            "endpoints": self.create_endpoint,
        }
        updaters: dict[str, Callable[[Request], Response]] = {
            "importedModels": self.update_imported_model,
            "dedicatedAiClusters": self.update_cluster,
            "endpoints": self.update_endpoint,
        }
        for kind in KINDS:
            base = f"{API}/{kind.collection}"
            one = f"{base}/{{{kind.id_param}}}"
            r += [
                route("POST", base, creators[kind.collection], SERVICE),
                route("GET", base, self._lister(kind), SERVICE),
                route("GET", one, self._getter(kind), SERVICE),
                route("PUT", one, updaters[kind.collection], SERVICE),
                route("DELETE", one, self._deleter(kind), SERVICE),
                route("POST", f"{one}/actions/changeCompartment", self._mover(kind), SERVICE),
            ]
        r += [
            route("GET", f"{API}/workRequests", self.list_work_requests, SERVICE),
            route("GET", f"{API}/workRequests/{{workRequestId}}", self.get_work_request, SERVICE),
            route(
                "GET", f"{API}/workRequests/{{workRequestId}}/errors", self.list_work_request_errors, SERVICE
            ),
            route("GET", f"{API}/workRequests/{{workRequestId}}/logs", self.list_work_request_logs, SERVICE),
        ]
        return r

    # ---------------------------------------------------------------- public helpers

    def units_in_use(self) -> dict[str, int]:
        """Units each dedicated-unit limit has taken: every cluster not DELETED (Limits API usage)."""
        used: dict[str, int] = {}
        with self.store.lock:
            now = self.ctx.now()
            for doc in self.store.all(CLUSTER.collection):
                shape = get_shape(str(doc.get("unitShape")))
                if shape is None or self._render(CLUSTER, doc, now)["lifecycleState"] == "DELETED":
                    continue
                units = shape.units_required * int(doc.get("unitCount") or 1)
                used[shape.limit_name] = used.get(shape.limit_name, 0) + units
        return used

    def serving_target(self, endpoint_id: str) -> ServingTarget | None:
        with self.store.lock:
            now = self.ctx.now()
            ep = self.store.get("endpoints", endpoint_id)
            if ep is None:
                return None
            state, _ = self._lifecycle(ep, now)
            model = self.store.get("importedModels", ep["modelId"]) or {}
            caps = model.get("capabilities") or [None]
            return ServingTarget(
                endpoint_id=ep["id"],
                endpoint_name=ep["displayName"],
                lifecycle_state=state,
                compartment_id=ep["compartmentId"],
                model_id=ep["modelId"],
                model_name=model.get("displayName", ep["modelId"]),
                capability=caps[0],
            )

    # ---------------------------------------------------------------- lifecycle

    def _work_request(self, wr_id: str, now: float) -> dict[str, Any]:
        wr = self.store.docs["workRequests"][wr_id]
        if needs_decision(wr, now):
            errors, notes = self._run_checks(wr)
            wr["outcome"] = {"status": FAILED if errors else SUCCEEDED, "errors": errors, "notes": notes}
            self.store.put("workRequests", wr)
        return wr

    def _lifecycle(self, doc: dict[str, Any], now: float) -> tuple[str, str | None]:
        wr = self._work_request(doc["_wr"], now)
        v = view(wr, now)
        op = doc["_op"]
        if v.status in (ACCEPTED, IN_PROGRESS):
            return TRANSITIONAL[op], None
        if v.status == SUCCEEDED:
            return ("DELETED" if op == "DELETE" else "ACTIVE"), None
        errors = (wr.get("outcome") or {}).get("errors") or [{"message": "work request failed"}]
        return "FAILED", errors[0]["message"]

    def _run_checks(self, wr: dict[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
        """What a real work request finds when it starts: injected faults, then the model source."""
        names = [n for n in (wr.get("_name"), wr.get("_sourceName")) if n]
        for name in dict.fromkeys(names):
            message = self.ctx.failing_work_request(wr["operationType"], name)
            if message:
                return [{"code": "InternalError", "message": message}], [f"Fault injected for {name}"]
        if wr["operationType"] == "CREATE_IMPORTED_MODEL":
            model = self.store.get("importedModels", wr["resourceId"])
            if model is not None:
                return check_source(self.ctx, self.store.vault, model)
        return [], []

    def _new_work_request(self, kind: Kind, op: str, doc: dict[str, Any], duration: float, now: float) -> str:
        src = doc.get("dataSource") or {}
        wr = {
            "id": self._ocid("generativeaiworkrequest"),
            "operationType": f"{op}_{kind.operation}",
            "compartmentId": doc["compartmentId"],
            "resourceId": doc["id"],
            "entityType": kind.entity,
            "entityUri": f"{API}/{kind.collection}/{doc['id']}",
            "finalAction": FINAL_ACTION[op],
            "accepted": now,
            "duration": duration,
            "outcome": None,
            "_name": doc.get("displayName"),
            "_sourceName": src.get("modelId") or src.get("prefixName"),
        }
        self.store.put("workRequests", wr)
        doc["_wr"] = wr["id"]
        doc["_op"] = op
        return wr["id"]

    # ---------------------------------------------------------------- rendering

    def _ocid(self, ocid_type: str) -> str:
        rand = base64.b32encode(secrets.token_bytes(30)).decode().lower().rstrip("=")
        return f"ocid1.{ocid_type}.oc1.{self.ctx.region}.amaaaaaa{rand}"

    @staticmethod
    def _etag(doc: dict[str, Any]) -> str:
        return hashlib.sha256(f"{doc['id']}:{doc['_version']}".encode()).hexdigest()[:32]

    def _render(self, kind: Kind, doc: dict[str, Any], now: float) -> dict[str, Any]:
        state, details = self._lifecycle(doc, now)
        out = {k: v for k, v in doc.items() if not k.startswith("_")}
        out["lifecycleState"] = state
        if details:
            out["lifecycleDetails"] = details
        out["timeCreated"] = rfc3339(doc["_created"])
        out["timeUpdated"] = rfc3339(doc["_updated"])
        out["systemTags"] = {}
        if kind is CLUSTER and doc["type"] == "HOSTING":
            out["capacity"] = {
                "capacityType": "HOSTING_CAPACITY",
                "totalEndpointCapacity": MAX_ENDPOINTS_PER_CLUSTER,
                "usedEndpointCapacity": len(self._endpoints_on(doc["id"], now, exclude={"DELETED"})),
            }
        return out

    def _respond(self, kind: Kind, doc: dict[str, Any], now: float, wr_id: str | None = None) -> Response:
        headers = {"etag": self._etag(doc)}
        if wr_id:
            headers["opc-work-request-id"] = wr_id
        return Response.json(self._render(kind, doc, now), 200, headers)

    def _endpoints_on(self, cluster_id: str, now: float, exclude: set[str]) -> list[dict[str, Any]]:
        return [
            ep
            for ep in self.store.all("endpoints")
            if ep["dedicatedAiClusterId"] == cluster_id and self._lifecycle(ep, now)[0] not in exclude
        ]

    def _require(self, kind: Kind, ocid: str) -> dict[str, Any]:
        doc = self.store.get(kind.collection, ocid)
        if doc is None:
            raise not_found(kind.entity, ocid)
        return doc

    def _check_if_match(self, req: Request, doc: dict[str, Any]) -> None:
        wanted = req.header("if-match")
        if wanted and wanted not in ("*", self._etag(doc)):
            raise ServiceError(412, "NoEtagMatch", f"The resource's etag does not match if-match {wanted}")

    # ---------------------------------------------------------------- create

    def _create(
        self,
        req: Request,
        kind: Kind,
        build: Callable[[Any, float], tuple[dict[str, Any], float]],
    ) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise invalid("the request body must be a JSON object")
        check_tags(body)
        retry = req.header("opc-retry-token")
        with self.store.lock:
            now = self.ctx.now()
            key = body_hash = ""
            if retry:
                vault = self.store.vault
                key = vault.keyed_hash(f"{kind.collection}\n{retry}".encode())
                body_hash = vault.keyed_hash(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
                seen = self.store.find_retry(key, now)
                if seen is not None:
                    if seen["bodyHash"] != body_hash:
                        raise ServiceError(
                            409,
                            "Conflict",
                            "opc-retry-token was already used with a different request body "
                            "in the last 24 hours: use a new retry token for a different request",
                        )
                    doc = self._require(kind, seen["resourceId"])
                    return self._respond(kind, doc, now, seen["workRequestId"])
            doc, duration = build(body, now)
            doc.update(
                {
                    "id": self._ocid(kind.ocid_type),
                    "_created": now,
                    "_updated": now,
                    "_version": 1,
                }
            )
            doc.setdefault("freeformTags", {})
            doc.setdefault("definedTags", {})
            if not doc.get("displayName"):
                doc["displayName"] = f"{kind.ocid_type}{datetime.fromtimestamp(now, UTC):%Y%m%d%H%M%S}"
            wr_id = self._new_work_request(kind, "CREATE", doc, duration, now)
            self.store.put(kind.collection, doc)
            if retry:
                self.store.remember_retry(
                    key, {"bodyHash": body_hash, "resourceId": doc["id"], "workRequestId": wr_id}, now
                )
            return self._respond(kind, doc, now, wr_id)

    def create_imported_model(self, req: Request) -> Response:
        def build(body: Any, now: float) -> tuple[dict[str, Any], float]:
            d = parse_body(CreateImportedModelDetails, body)
            caps = d.capabilities or []
            if len(caps) != 1 or caps[0] not in IMPORT_CAPABILITIES:
                raise invalid(
                    f"capabilities must list exactly one of {', '.join(IMPORT_CAPABILITIES)} "
                    f"for an imported model (got {caps})"
                )
            src = d.dataSource
            doc = d.model_dump(exclude_none=True, exclude={"dataSource"})
            if isinstance(src, HuggingFaceModel):
                doc["dataSource"] = src.model_dump(exclude_none=True, exclude={"accessToken"})
                doc["dataSource"].setdefault("branch", "main")
                if src.accessToken:
                    doc["_sealedAccessToken"] = self.store.vault.seal(src.accessToken)
            else:
                assert isinstance(src, ObjectStorageObject)
                doc["dataSource"] = src.model_dump(exclude_none=True)
            return doc, self.ctx.timings.import_seconds

        return self._create(req, IMPORTED_MODEL, build)

    def create_cluster(self, req: Request) -> Response:
        def build(body: Any, now: float) -> tuple[dict[str, Any], float]:
            d = parse_body(CreateDedicatedAiClusterDetails, body)
            if d.type not in ("HOSTING", "FINE_TUNING"):
                raise invalid(f"type must be HOSTING or FINE_TUNING (got {d.type!r})")
            shapes = unit_shapes()
            if d.unitShape not in shapes:
                raise invalid(
                    f"unitShape {d.unitShape!r} is not a unit shape for imported models; "
                    f"valid shapes: {', '.join(sorted(shapes))}"
                )
            return d.model_dump(exclude_none=True), self.ctx.timings.cluster_seconds

        return self._create(req, CLUSTER, build)

    def create_endpoint(self, req: Request) -> Response:
        def build(body: Any, now: float) -> tuple[dict[str, Any], float]:
            d = parse_body(CreateEndpointDetails, body)
            self._usable(IMPORTED_MODEL, d.modelId, now)
            cluster = self.store.get("dedicatedAiClusters", d.dedicatedAiClusterId)
            if cluster is not None and cluster["type"] != "HOSTING":
                raise invalid(
                    f"dedicated AI cluster {d.dedicatedAiClusterId} is a {cluster['type']} cluster; "
                    "endpoints need a HOSTING cluster"
                )
            cluster = self._usable(CLUSTER, d.dedicatedAiClusterId, now)
            if d.generativeAiPrivateEndpointId:
                raise invalid("private endpoints do not support imported models")
            if len(self._endpoints_on(cluster["id"], now, {"DELETED"})) >= MAX_ENDPOINTS_PER_CLUSTER:
                raise ServiceError(
                    400,
                    "LimitExceeded",
                    f"dedicated AI cluster {cluster['id']} already hosts "
                    f"{MAX_ENDPOINTS_PER_CLUSTER} endpoints",
                )
            return d.model_dump(exclude_none=True), self.ctx.timings.endpoint_seconds

        return self._create(req, ENDPOINT, build)

    def _usable(self, kind: Kind, ocid: str, now: float) -> dict[str, Any]:
        """A resource another one is created on: it must exist and be ACTIVE.

        Deleted counts as not found; a passing state (CREATING, UPDATING, DELETING) is a 409
        IncorrectState, which the SDK retries; FAILED is a 400, as no retry can fix it."""
        doc = self.store.get(kind.collection, ocid)
        state = self._lifecycle(doc, now)[0] if doc is not None else "DELETED"
        if state == "DELETED":
            raise not_found(kind.entity, ocid)
        if state in ("FAILED", "NEEDS_ATTENTION"):
            raise invalid(f"{kind.entity} {ocid} is {state}; it must be ACTIVE (create a new one)")
        if state != "ACTIVE":
            raise incorrect_state(f"{kind.entity} {ocid} is {state}; it must be ACTIVE")
        assert doc is not None
        return doc

    # ---------------------------------------------------------------- read

    def _getter(self, kind: Kind) -> Callable[[Request], Response]:
        def get(req: Request) -> Response:
            with self.store.lock:
                doc = self._require(kind, req.params[kind.id_param])
                return self._respond(kind, doc, self.ctx.now())

        return get

    def _lister(self, kind: Kind) -> Callable[[Request], Response]:
        def list_(req: Request) -> Response:
            compartment = req.q("compartmentId")
            if not compartment:
                raise invalid("compartmentId is required")
            state_filter = req.q("lifecycleState")
            if state_filter and state_filter not in LIFECYCLE_STATES[kind.collection]:
                allowed = sorted(LIFECYCLE_STATES[kind.collection])
                raise invalid(f"lifecycleState {state_filter!r} is not one of {allowed}")
            sort_by = req.q("sortBy") or "timeCreated"
            if sort_by not in kind.sort_fields:
                raise invalid(f"sortBy must be one of {', '.join(kind.sort_fields)}")
            capabilities = req.query.get("capability") or []
            with self.store.lock:
                now = self.ctx.now()
                items = []
                for doc in self.store.all(kind.collection):
                    if doc["compartmentId"] != compartment:
                        continue
                    if req.q("id") and doc["id"] != req.q("id"):
                        continue
                    if req.q("displayName") and doc.get("displayName") != req.q("displayName"):
                        continue
                    if any(req.q(f) and doc.get(f) != req.q(f) for f in kind.filters):
                        continue
                    if capabilities and not set(capabilities) & set(doc.get("capabilities") or []):
                        continue
                    out = self._render(kind, doc, now)
                    if state_filter and out["lifecycleState"] != state_filter:
                        continue
                    out.pop("previousState", None)
                    items.append(out)
            return self._page(req, items, sort_by, "timeCreated")

        return list_

    def _page(self, req: Request, items: list[dict[str, Any]], sort_by: str, time_field: str) -> Response:
        order = (req.q("sortOrder") or ("DESC" if sort_by == time_field else "ASC")).upper()
        if order not in ("ASC", "DESC"):
            raise invalid("sortOrder must be ASC or DESC")
        items.sort(key=lambda i: (str(i.get(sort_by) or ""), i["id"]), reverse=order == "DESC")
        try:
            limit = int(req.q("limit") or DEFAULT_LIMIT)
        except ValueError:
            raise invalid("limit must be an integer") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise invalid(f"limit must be between 1 and {MAX_LIMIT}")
        start = decode_page(req.q("page"))
        chunk = items[start : start + limit]
        headers = {}
        if start + limit < len(items):
            headers["opc-next-page"] = encode_page(start + limit)
        return Response.json({"items": chunk}, 200, headers)

    # ---------------------------------------------------------------- update

    def _active_for_change(
        self, req: Request, kind: Kind, model: type[Any], body: Any, now: float, verb: str
    ) -> tuple[dict[str, Any], Any]:
        """The resource an update or move acts on: found, If-Match checked, body valid, ACTIVE."""
        doc = self._require(kind, req.params[kind.id_param])
        self._check_if_match(req, doc)
        details = parse_body(model, body)
        state, _ = self._lifecycle(doc, now)
        if state != "ACTIVE":
            raise incorrect_state(f"{kind.entity} {doc['id']} is {state}; only an ACTIVE one can be {verb}")
        return doc, details

    def _update(self, req: Request, kind: Kind, model: type[Any], duration: float) -> Response:
        body = req.json()
        if isinstance(body, dict):
            check_tags(body)
        with self.store.lock:
            now = self.ctx.now()
            doc, details = self._active_for_change(req, kind, model, body, now, "updated")
            doc.update(details.model_dump(exclude_unset=True, exclude_none=True))
            doc["_updated"] = now
            doc["_version"] += 1
            wr_id = self._new_work_request(kind, "UPDATE", doc, duration, now)
            self.store.put(kind.collection, doc)
            return self._respond(kind, doc, now, wr_id)

    def update_imported_model(self, req: Request) -> Response:
        return self._update(req, IMPORTED_MODEL, UpdateImportedModelDetails, self.ctx.timings.delete_seconds)

    def update_cluster(self, req: Request) -> Response:
        return self._update(req, CLUSTER, UpdateDedicatedAiClusterDetails, self.ctx.timings.delete_seconds)

    def update_endpoint(self, req: Request) -> Response:
        return self._update(req, ENDPOINT, UpdateEndpointDetails, self.ctx.timings.delete_seconds)

    # ---------------------------------------------------------------- delete and move

    def _deleter(self, kind: Kind) -> Callable[[Request], Response]:
        def delete(req: Request) -> Response:
            with self.store.lock:
                now = self.ctx.now()
                doc = self._require(kind, req.params[kind.id_param])
                self._check_if_match(req, doc)
                state, _ = self._lifecycle(doc, now)
                if state == "DELETED":
                    raise not_found(kind.entity, doc["id"])
                if state not in ("ACTIVE", "FAILED", "NEEDS_ATTENTION"):
                    raise incorrect_state(f"{kind.entity} {doc['id']} is {state}; wait until it is ACTIVE")
                self._check_delete_rules(kind, doc, now)
                doc.pop("_sealedAccessToken", None)
                doc["_updated"] = now
                doc["_version"] += 1
                wr_id = self._new_work_request(kind, "DELETE", doc, self.ctx.timings.delete_seconds, now)
                self.store.put(kind.collection, doc)
                return Response(204, b"", {"opc-work-request-id": wr_id})

        return delete

    def _check_delete_rules(self, kind: Kind, doc: dict[str, Any], now: float) -> None:
        if kind is CLUSTER:
            attached = self._endpoints_on(doc["id"], now, exclude={"DELETED"})
            if attached:
                raise ServiceError(
                    409,
                    "Conflict",
                    f"dedicated AI cluster {doc['id']} still has {len(attached)} endpoint(s) "
                    f"({', '.join(e['id'] for e in attached[:3])}): delete them first",
                )
        if kind is IMPORTED_MODEL:
            active = [
                ep
                for ep in self.store.all("endpoints")
                if ep["modelId"] == doc["id"] and self._lifecycle(ep, now)[0] not in ("DELETED", "FAILED")
            ]
            if active:
                raise ServiceError(
                    409,
                    "Conflict",
                    f"imported model {doc['id']} is served by {len(active)} active endpoint(s) "
                    f"({', '.join(e['id'] for e in active[:3])}): delete them first",
                )

    def _mover(self, kind: Kind) -> Callable[[Request], Response]:
        def move(req: Request) -> Response:
            body = req.json()
            with self.store.lock:
                now = self.ctx.now()
                doc, details = self._active_for_change(
                    req, kind, ChangeCompartmentDetails, body, now, "moved"
                )
                doc["compartmentId"] = details.compartmentId
                doc["_updated"] = now
                doc["_version"] += 1
                self.store.put(kind.collection, doc)
                return Response(200, b"", {"etag": self._etag(doc)})

        return move

    # ---------------------------------------------------------------- work requests

    def _render_work_request(self, wr: dict[str, Any], now: float) -> dict[str, Any]:
        v = view(wr, now)
        action = {SUCCEEDED: wr["finalAction"], FAILED: "FAILED"}.get(v.status, "IN_PROGRESS")
        return {
            "id": wr["id"],
            "operationType": wr["operationType"],
            "status": v.status,
            "compartmentId": wr["compartmentId"],
            "resources": [
                {
                    "entityType": wr["entityType"],
                    "actionType": action,
                    "identifier": wr["resourceId"],
                    "entityUri": wr["entityUri"],
                }
            ],
            "percentComplete": v.percent,
            "timeAccepted": rfc3339(wr["accepted"]),
            "timeStarted": rfc3339(v.time_started),
            "timeFinished": rfc3339(v.time_finished),
        }

    def _require_work_request(self, req: Request, now: float) -> dict[str, Any]:
        wr_id = req.params["workRequestId"]
        if wr_id not in self.store.docs["workRequests"]:
            raise not_found("WorkRequest", wr_id)
        return self._work_request(wr_id, now)

    def get_work_request(self, req: Request) -> Response:
        with self.store.lock:
            now = self.ctx.now()
            wr = self._require_work_request(req, now)
            return Response.json(self._render_work_request(wr, now))

    def list_work_requests(self, req: Request) -> Response:
        compartment = req.q("compartmentId")
        if not compartment:
            raise invalid("compartmentId is required")
        status = req.q("status")
        if status and status not in WORK_REQUEST_STATUSES:
            raise invalid(f"status {status!r} is not one of {sorted(WORK_REQUEST_STATUSES)}")
        if (req.q("sortBy") or "timeAccepted") != "timeAccepted":
            raise invalid("sortBy must be timeAccepted")
        with self.store.lock:
            now = self.ctx.now()
            items = []
            for wr in self.store.all("workRequests"):
                if wr["compartmentId"] != compartment:
                    continue
                if req.q("workRequestId") and wr["id"] != req.q("workRequestId"):
                    continue
                if req.q("resourceId") and wr["resourceId"] != req.q("resourceId"):
                    continue
                out = self._render_work_request(self._work_request(wr["id"], now), now)
                if status and out["status"] != status:
                    continue
                items.append(out)
        return self._page(req, items, "timeAccepted", "timeAccepted")

    def list_work_request_errors(self, req: Request) -> Response:
        with self.store.lock:
            now = self.ctx.now()
            wr = self._require_work_request(req, now)
            return self._entries(req, error_entries(wr, now))

    def list_work_request_logs(self, req: Request) -> Response:
        with self.store.lock:
            now = self.ctx.now()
            wr = self._require_work_request(req, now)
            return self._entries(req, log_entries(wr, now))

    def _entries(self, req: Request, entries: list[dict[str, Any]]) -> Response:
        if (req.q("sortOrder") or "ASC").upper() == "DESC":
            entries.reverse()
        try:
            limit = int(req.q("limit") or DEFAULT_LIMIT)
        except ValueError:
            raise invalid("limit must be an integer") from None
        if not 1 <= limit <= MAX_LIMIT:
            raise invalid(f"limit must be between 1 and {MAX_LIMIT}")
        start = decode_page(req.q("page"))
        headers = {"opc-next-page": encode_page(start + limit)} if start + limit < len(entries) else {}
        return Response.json({"items": entries[start : start + limit]}, 200, headers)


def encode_page(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_page(page: str | None) -> int:
    if not page:
        return 0
    try:
        text = base64.urlsafe_b64decode(page.encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "offset" or not number.isdigit():
            raise ValueError(text)
        return int(number)
    except ValueError:
        raise invalid(f"page {page!r} is not a page token this service returned") from None
