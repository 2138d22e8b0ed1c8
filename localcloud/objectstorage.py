"""Object Storage REST routes (`/n/...`), as the OCI SDK's ObjectStorageClient calls them."""

from __future__ import annotations

import email.utils
import re
from typing import Any

from localcloud.objectstore import Bucket, ObjectStore, Precondition, StoredObject, rfc3339
from localcloud.web import Request, Response, Route, ServiceError, iter_file, route

SERVICE = "objectstorage"
DEFAULT_FIELDS = {"name"}
KNOWN_FIELDS = {"name", "size", "etag", "md5", "timeCreated", "timeModified", "storageTier", "archivalState"}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, length) of a single `bytes=` range; None when the header is absent."""
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise ServiceError(400, "InvalidRange", f"unsupported Range {header!r}; use bytes=start-end")
    first, last = m.group(1), m.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            raise ServiceError(400, "InvalidRange", f"Range {header!r} ends before it starts")
    else:
        suffix = int(last)
        start, end = max(size - suffix, 0), size - 1
        if suffix == 0:
            start = size
    if start >= size:
        raise ServiceError(
            416,
            "InvalidRange",
            f"Range {header!r} is outside the object of {size} bytes",
            {"content-range": f"bytes */{size}"},
        )
    return start, end - start + 1


def _user_metadata(req: Request) -> dict[str, str]:
    return {k: v for k, v in req.headers.items() if k.startswith("opc-meta-")}


def _precondition(req: Request) -> Precondition:
    return Precondition(req.header("if-match"), req.header("if-none-match"))


def _int_param(req: Request, name: str, default: int, low: int, high: int) -> int:
    raw = req.q(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServiceError(400, "InvalidParameter", f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ServiceError(400, "InvalidParameter", f"{name} must be between {low} and {high}")
    return value


def object_headers(obj: StoredObject) -> dict[str, str]:
    headers = {
        "etag": obj.etag,
        "last-modified": email.utils.formatdate(obj.modified, usegmt=True),
        "content-type": obj.content_type,
        "accept-ranges": "bytes",
        "storage-tier": "Standard",
        **obj.metadata,
    }
    if obj.md5:
        headers["opc-content-md5"] = obj.md5
    if obj.multipart_md5:
        headers["opc-multipart-md5"] = obj.multipart_md5
    return headers


class ObjectStorageService:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def _ns(self, req: Request) -> None:
        if req.params.get("namespaceName") != self.store.namespace:
            raise ServiceError(
                404,
                "NamespaceNotFound",
                f"namespace {req.params.get('namespaceName')!r} does not exist; "
                f"this local cloud serves {self.store.namespace!r}",
            )

    def routes(self) -> list[Route]:
        b = "/n/{namespaceName}/b/{bucketName}"
        table = [
            ("GET", "/n/", self.get_namespace),
            ("GET", "/n", self.get_namespace),
            ("GET", "/n/{namespaceName}", self.get_namespace_metadata),
            ("GET", "/n/{namespaceName}/b/", self.list_buckets),
            ("GET", "/n/{namespaceName}/b", self.list_buckets),
            ("POST", "/n/{namespaceName}/b/", self.create_bucket),
            ("POST", "/n/{namespaceName}/b", self.create_bucket),
            ("GET", b + "/", self.get_bucket),
            ("GET", b, self.get_bucket),
            ("HEAD", b + "/", self.head_bucket),
            ("HEAD", b, self.head_bucket),
            ("POST", b + "/", self.update_bucket),
            ("POST", b, self.update_bucket),
            ("DELETE", b + "/", self.delete_bucket),
            ("DELETE", b, self.delete_bucket),
            ("GET", b + "/o", self.list_objects),
            ("GET", b + "/o/", self.list_objects),
            ("PUT", b + "/o/{objectName+}", self.put_object),
            ("GET", b + "/o/{objectName+}", self.get_object),
            ("HEAD", b + "/o/{objectName+}", self.head_object),
            ("DELETE", b + "/o/{objectName+}", self.delete_object),
            ("POST", b + "/actions/renameObject", self.rename_object),
            ("POST", b + "/u", self.create_multipart),
            ("POST", b + "/u/", self.create_multipart),
            ("GET", b + "/u", self.list_multipart),
            ("GET", b + "/u/", self.list_multipart),
            ("PUT", b + "/u/{objectName+}", self.upload_part),
            ("POST", b + "/u/{objectName+}", self.commit_multipart),
            ("GET", b + "/u/{objectName+}", self.list_parts),
            ("DELETE", b + "/u/{objectName+}", self.abort_multipart),
        ]
        return [route(method, template, handler, SERVICE) for method, template, handler in table]

    # --- namespace and buckets ----------------------------------------------------------
    def get_namespace(self, req: Request) -> Response:
        return Response.json(self.store.namespace)

    def get_namespace_metadata(self, req: Request) -> Response:
        self._ns(req)
        return Response.json(
            {
                "namespace": self.store.namespace,
                "defaultS3CompartmentId": None,
                "defaultSwiftCompartmentId": None,
            }
        )

    def _bucket_response(self, bucket: Bucket, req: Request, status: int = 200) -> Response:
        fields = set((req.q("fields") or "").split(","))
        usage = (
            self.store.bucket_usage(bucket.name) if fields & {"approximateCount", "approximateSize"} else None
        )
        return Response.json(bucket.to_api(usage), status, {"etag": bucket.etag})

    def list_buckets(self, req: Request) -> Response:
        self._ns(req)
        buckets = self.store.list_buckets(req.q("compartmentId"))
        limit = _int_param(req, "limit", 1000, 1, 1000)
        page = req.q("page")
        if page:
            buckets = [b for b in buckets if b.name > page]
        headers = {}
        if len(buckets) > limit:
            buckets = buckets[:limit]
            headers["opc-next-page"] = buckets[-1].name
        summaries = [
            {
                k: v
                for k, v in b.to_api().items()
                if k
                in {"namespace", "name", "compartmentId", "createdBy", "timeCreated", "etag", "freeformTags"}
            }
            for b in buckets
        ]
        return Response.json(summaries, headers=headers)

    def create_bucket(self, req: Request) -> Response:
        self._ns(req)
        doc = req.json()
        if not isinstance(doc, dict) or not doc.get("name") or not doc.get("compartmentId"):
            raise ServiceError(400, "InvalidParameter", "CreateBucketDetails needs name and compartmentId")
        bucket = self.store.create_bucket(
            str(doc["name"]),
            str(doc["compartmentId"]),
            object_events_enabled=bool(doc.get("objectEventsEnabled")),
            metadata=doc.get("metadata"),
            freeform_tags=doc.get("freeformTags"),
        )
        return self._bucket_response(bucket, req)

    def get_bucket(self, req: Request) -> Response:
        self._ns(req)
        return self._bucket_response(self.store.bucket(req.params["bucketName"]), req)

    def head_bucket(self, req: Request) -> Response:
        self._ns(req)
        bucket = self.store.bucket(req.params["bucketName"])
        return Response(200, b"", {"etag": bucket.etag})

    def update_bucket(self, req: Request) -> Response:
        self._ns(req)
        doc = req.json()
        if not isinstance(doc, dict):
            raise ServiceError(400, "InvalidParameter", "UpdateBucketDetails must be a JSON object")
        bucket = self.store.update_bucket(req.params["bucketName"], doc, req.header("if-match"))
        return self._bucket_response(bucket, req)

    def delete_bucket(self, req: Request) -> Response:
        self._ns(req)
        self.store.delete_bucket(req.params["bucketName"])
        return Response(204)

    # --- objects ------------------------------------------------------------------------
    def list_objects(self, req: Request) -> Response:
        self._ns(req)
        fields = DEFAULT_FIELDS | {f for f in (req.q("fields") or "").split(",") if f}
        unknown = fields - KNOWN_FIELDS
        if unknown:
            raise ServiceError(
                400, "InvalidParameter", f"unknown fields {sorted(unknown)}; use {sorted(KNOWN_FIELDS)}"
            )
        delimiter = req.q("delimiter") or None
        if delimiter not in (None, "/"):
            raise ServiceError(400, "InvalidParameter", "the only supported delimiter is '/'")
        objects, prefixes, next_start = self.store.list_page(
            req.params["bucketName"],
            prefix=req.q("prefix") or "",
            start=req.q("start") or None,
            start_after=req.q("startAfter") or None,
            end=req.q("end") or None,
            delimiter=delimiter,
            limit=_int_param(req, "limit", 1000, 1, 1000),
        )
        doc: dict[str, Any] = {"objects": [o.summary(fields) for o in objects]}
        if delimiter:
            doc["prefixes"] = prefixes
        if next_start is not None:
            doc["nextStartWith"] = next_start
        return Response.json(doc)

    def put_object(self, req: Request) -> Response:
        self._ns(req)
        if req.header("if-none-match") not in (None, "*"):
            raise ServiceError(400, "InvalidParameter", "If-None-Match on PUT only accepts '*'")
        obj = self.store.put(
            req.params["bucketName"],
            req.params["objectName"],
            req.body,
            req.content_length,
            precondition=_precondition(req),
            content_type=req.header("content-type") or "application/octet-stream",
            content_md5=req.header("content-md5"),
            metadata=_user_metadata(req),
        )
        headers = {"etag": obj.etag, "last-modified": email.utils.formatdate(obj.modified, usegmt=True)}
        if obj.md5:
            headers["opc-content-md5"] = obj.md5
        return Response(200, b"", headers)

    def _read_target(self, req: Request) -> StoredObject:
        self._ns(req)
        obj = self.store.get(req.params["bucketName"], req.params["objectName"])
        _precondition(req).check(obj, write=False)
        return obj

    def head_object(self, req: Request) -> Response:
        obj = self._read_target(req)
        return Response(200, b"", object_headers(obj), content_length=obj.size)

    def get_object(self, req: Request) -> Response:
        self._ns(req)
        f = None
        for _ in range(5):  # an overwrite may unlink the blob between the look-up and the open
            obj = self.store.get(req.params["bucketName"], req.params["objectName"])
            _precondition(req).check(obj, write=False)
            try:
                f = self.store.open(obj)
                break
            except FileNotFoundError:
                continue
        if f is None:
            raise ServiceError(409, "ConcurrentModification", "the object keeps changing; retry")
        headers = object_headers(obj)
        try:
            size = obj.size
            span = parse_range(req.header("range") or "", size) if req.header("range") else None
        except BaseException:
            f.close()
            raise
        if span is None:
            return Response(200, iter_file(f, 0, size), headers, content_length=size)
        start, length = span
        headers["content-range"] = f"bytes {start}-{start + length - 1}/{size}"
        return Response(206, iter_file(f, start, length), headers, content_length=length)

    def delete_object(self, req: Request) -> Response:
        self._ns(req)
        self.store.delete(req.params["bucketName"], req.params["objectName"], _precondition(req))
        return Response(204, b"", {"last-modified": email.utils.formatdate(usegmt=True)})

    def rename_object(self, req: Request) -> Response:
        self._ns(req)
        doc = req.json()
        if not isinstance(doc, dict) or not doc.get("sourceName") or not doc.get("newName"):
            raise ServiceError(400, "InvalidParameter", "RenameObjectDetails needs sourceName and newName")
        obj = self.store.rename(
            req.params["bucketName"],
            str(doc["sourceName"]),
            str(doc["newName"]),
            source_if_match=doc.get("srcObjIfMatchETag"),
            target_precondition=Precondition(doc.get("newObjIfMatchETag"), doc.get("newObjIfNoneMatchETag")),
        )
        return Response(
            200, b"", {"etag": obj.etag, "last-modified": email.utils.formatdate(obj.modified, usegmt=True)}
        )

    # --- multipart ----------------------------------------------------------------------
    def create_multipart(self, req: Request) -> Response:
        self._ns(req)
        doc = req.json()
        if not isinstance(doc, dict) or not doc.get("object"):
            raise ServiceError(400, "InvalidParameter", "CreateMultipartUploadDetails needs object")
        upload = self.store.create_upload(
            req.params["bucketName"],
            str(doc["object"]),
            doc.get("contentType"),
            {
                f"opc-meta-{k}" if not k.startswith("opc-meta-") else k: v
                for k, v in (doc.get("metadata") or {}).items()
            },
            _precondition(req),
        )
        return Response.json(upload.to_api(self.store.namespace))

    def list_multipart(self, req: Request) -> Response:
        self._ns(req)
        uploads = self.store.list_uploads(req.params["bucketName"])
        return Response.json([u.to_api(self.store.namespace) for u in uploads])

    def _upload_id(self, req: Request) -> str:
        upload_id = req.q("uploadId")
        if not upload_id:
            raise ServiceError(400, "InvalidParameter", "uploadId is required")
        return upload_id

    def upload_part(self, req: Request) -> Response:
        self._ns(req)
        num = _int_param(req, "uploadPartNum", 0, 1, 10000)
        part = self.store.put_part(
            req.params["bucketName"],
            req.params["objectName"],
            self._upload_id(req),
            num,
            req.body,
            req.content_length,
            req.header("content-md5"),
        )
        return Response(200, b"", {"etag": part.etag, "opc-content-md5": part.md5})

    def commit_multipart(self, req: Request) -> Response:
        self._ns(req)
        doc = req.json()
        parts = doc.get("partsToCommit") if isinstance(doc, dict) else None
        if not isinstance(parts, list):
            raise ServiceError(400, "InvalidParameter", "CommitMultipartUploadDetails needs partsToCommit")
        try:
            chosen = [(int(p["partNum"]), str(p["etag"])) for p in parts]
        except (KeyError, TypeError, ValueError):
            raise ServiceError(
                400, "InvalidParameter", "each part to commit needs partNum and etag"
            ) from None
        obj = self.store.commit_upload(
            req.params["bucketName"],
            req.params["objectName"],
            self._upload_id(req),
            chosen,
            _precondition(req),
        )
        return Response(
            200,
            b"",
            {
                "etag": obj.etag,
                "opc-multipart-md5": obj.multipart_md5 or "",
                "last-modified": email.utils.formatdate(obj.modified, usegmt=True),
            },
        )

    def list_parts(self, req: Request) -> Response:
        self._ns(req)
        upload_id = self._upload_id(req)
        self.store.upload(req.params["bucketName"], req.params["objectName"], upload_id)
        parts = self.store.parts(upload_id)
        limit = _int_param(req, "limit", 1000, 1, 1000)
        page = _int_param(req, "page", 0, 0, 10000)
        parts = [p for p in parts if p.num > page]
        headers = {}
        if len(parts) > limit:
            parts = parts[:limit]
            headers["opc-next-page"] = str(parts[-1].num)
        return Response.json(
            [{"partNumber": p.num, "etag": p.etag, "md5": p.md5, "size": p.size} for p in parts],
            headers=headers,
        )

    def abort_multipart(self, req: Request) -> Response:
        self._ns(req)
        self.store.abort_upload(req.params["bucketName"], req.params["objectName"], self._upload_id(req))
        return Response(204)


__all__ = ["ObjectStorageService", "object_headers", "parse_range", "rfc3339"]
