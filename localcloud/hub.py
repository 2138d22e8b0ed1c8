"""A local Hugging Face Hub under `/hub`, for the real `huggingface_hub` client (`HF_ENDPOINT=<base>/hub`).

Serves, from folders `<root>/<org>/<name>/` (see `hub_repo`), what the client calls to
inspect a model without downloading it: model info with siblings and sizes, the tree
listing (paginated with a `Link` header), refs, paths-info, the safetensors metadata
endpoint, and `resolve` with HEAD (the metadata headers) and GET with `Range`. Files are
streamed from disk, never read whole. Errors carry `X-Error-Code` as the Hub's do, so the
client raises its own typed errors (GatedRepoError, RepositoryNotFoundError, ...).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from localcloud.context import CloudContext
from localcloud.hub_repo import LFS_POINTER_SIZE, HubError, LocalRepo, RepoFile
from localcloud.web import Request, Response, Route, iter_file, route

PREFIX = "/hub"
SERVICE = "hub"
TREE_PAGE_SIZE = 1000  # the Hub's own page size for tree listings
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _error(exc: HubError) -> Response:
    headers = {"x-error-code": exc.code or "", "x-error-message": exc.message}
    if exc.commit:
        headers["x-repo-commit"] = exc.commit
    return Response.json({"error": exc.message}, exc.status, headers)


def _bearer(req: Request) -> str | None:
    auth = req.header("authorization") or ""
    scheme, _, token = auth.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


class HubService:
    def __init__(self, ctx: CloudContext | None, root: Path) -> None:
        self.ctx = ctx
        self.root = root
        self.tree_page_size = TREE_PAGE_SIZE
        root.mkdir(parents=True, exist_ok=True)

    # ---------------------------------------------------------------- public helper

    def hub_repo_access(self, model_id: str, revision: str, token: str | None) -> str:
        """'ok', 'not_found' or 'denied': can this token download the files of this repo at this revision?"""
        try:
            repo = LocalRepo(self.root, model_id)
            repo.check_revision(revision)
            repo.check_access(token)
        except HubError as exc:
            return "denied" if exc.code == "GatedRepo" else "not_found"
        return "ok"

    repo_access = hub_repo_access  # the name the server's CloudContext looks up

    def commit_of(self, model_id: str) -> str | None:
        try:
            return LocalRepo(self.root, model_id).commit
        except HubError:
            return None

    # ---------------------------------------------------------------- routes

    def routes(self) -> list[Route]:
        api = f"{PREFIX}/api/models/{{org}}/{{name}}"
        resolve = f"{PREFIX}/{{org}}/{{name}}/resolve/{{revision}}/{{path+}}"
        return [
            route("GET", api, self._guard(self.model_info), SERVICE),
            route("GET", f"{api}/revision/{{revision}}", self._guard(self.model_info), SERVICE),
            route("GET", f"{api}/tree/{{revision}}", self._guard(self.tree), SERVICE),
            route("GET", f"{api}/tree/{{revision}}/{{path+}}", self._guard(self.tree), SERVICE),
            route("GET", f"{api}/refs", self._guard(self.refs), SERVICE),
            route("GET", f"{api}/auth-check", self._guard(self.auth_check), SERVICE),
            route("POST", f"{api}/paths-info/{{revision}}", self._guard(self.paths_info), SERVICE),
            route(
                "GET",
                f"{api}/safetensors-metadata/{{path+}}",
                self._guard(self.safetensors_metadata),
                SERVICE,
            ),
            route("HEAD", resolve, self._guard(self.resolve), SERVICE),
            route("GET", resolve, self._guard(self.resolve), SERVICE),
        ]

    def _guard(self, handler: Callable[[Request, LocalRepo], Response]) -> Callable[[Request], Response]:
        def wrapped(req: Request) -> Response:
            try:
                try:
                    repo = LocalRepo(self.root, f"{req.params['org']}/{req.params['name']}")
                except HubError as exc:
                    # the Hub answers 401 to anonymous callers so as not to reveal private repos
                    if _bearer(req) is None:
                        exc.status = 401
                    raise
                return handler(req, repo)
            except HubError as exc:
                return _error(exc)

        return wrapped

    # ---------------------------------------------------------------- API

    def _entry(self, f: RepoFile) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": "file", "oid": f.oid, "size": f.size, "path": f.path}
        if f.is_lfs:
            entry["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": LFS_POINTER_SIZE}
        return entry

    def model_info(self, req: Request, repo: LocalRepo) -> Response:
        revision = req.params.get("revision", "main")
        repo.check_revision(revision, short_commit=True)
        files = list(repo.files())
        blobs = _truthy(req.q("blobs"))
        siblings = []
        for f in files:
            sibling: dict[str, Any] = {"rfilename": f.path}
            if blobs:
                sibling.update({"size": f.size, "blobId": f.oid})
                if f.is_lfs:
                    sibling["lfs"] = {"size": f.size, "sha256": f.sha256, "pointerSize": LFS_POINTER_SIZE}
            siblings.append(sibling)
        newest = max((f.mtime_ns for f in files), default=repo.folder.stat().st_mtime_ns)
        org = repo.repo_id.split("/")[0]
        doc: dict[str, Any] = {
            "_id": repo.commit[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": org,
            "sha": repo.commit,
            "lastModified": _iso(newest),
            "createdAt": _iso(repo.folder.stat().st_mtime_ns),
            "private": False,
            "gated": "manual" if repo.gated else False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "siblings": siblings,
            "usedStorage": sum(f.size for f in files),
        }
        config = repo.config_summary()
        if config is not None:
            doc["config"] = config
            doc["library_name"] = "transformers"
        params = repo.parameter_counts(files)
        if params is not None:
            doc["safetensors"] = params
        return Response.json(doc)

    def tree(self, req: Request, repo: LocalRepo) -> Response:
        repo.check_revision(req.params["revision"], short_commit=True)
        base = req.params.get("path", "").strip("/")
        recursive = _truthy(req.q("recursive"))
        prefix = f"{base}/" if base else ""
        files = [f for f in repo.files() if f.path.startswith(prefix)]
        if base and not files:
            raise HubError(
                404, "EntryNotFound", f"{base} does not exist on {req.params['revision']}", repo.commit
            )
        entries: list[dict[str, Any]] = []
        folders: set[str] = set()
        for f in files:
            rest = f.path[len(prefix) :]
            parts = rest.split("/")
            for depth in range(1, len(parts)):
                folder = prefix + "/".join(parts[:depth])
                if folder not in folders and (recursive or depth == 1):
                    folders.add(folder)
                    oid = tree_oid(repo.commit, folder)
                    entries.append({"type": "directory", "oid": oid, "size": 0, "path": folder})
            if recursive or len(parts) == 1:
                entries.append(self._entry(f))
        entries.sort(key=lambda e: e["path"])
        try:
            start = max(0, int(req.q("cursor") or 0))
        except ValueError:
            start = 0
        size = self.tree_page_size
        page = entries[start : start + size]
        headers = {}
        if start + size < len(entries):
            query = {k: v[0] for k, v in req.query.items() if k != "cursor"}
            query["cursor"] = str(start + size)
            headers["link"] = f'<{self._base_url(req)}{req.raw_path}?{urlencode(query)}>; rel="next"'
        return Response.json(page, 200, headers)

    def _base_url(self, req: Request) -> str:
        host = req.header("host") or "127.0.0.1"
        return f"http://{host}"

    def refs(self, req: Request, repo: LocalRepo) -> Response:
        main = {"name": "main", "ref": "refs/heads/main", "targetCommit": repo.commit}
        return Response.json({"branches": [main], "converts": [], "tags": []})

    def auth_check(self, req: Request, repo: LocalRepo) -> Response:
        """200 when this caller may download the repo's files; the gated errors otherwise."""
        repo.check_access(_bearer(req))
        return Response.json({"ok": True})

    def paths_info(self, req: Request, repo: LocalRepo) -> Response:
        repo.check_revision(req.params["revision"], short_commit=True)
        form = parse_qs(req.read_body(1024 * 1024).decode("utf-8", "replace"))
        wanted = form.get("paths", [])
        out: list[dict[str, Any]] = []
        files = list(repo.files())
        for path in wanted:
            path = path.strip("/")
            match = [f for f in files if f.path == path]
            if match:
                out.append(self._entry(match[0]))
            elif any(f.path.startswith(path + "/") for f in files):
                out.append({"type": "directory", "oid": tree_oid(repo.commit, path), "size": 0, "path": path})
        return Response.json(out)

    def safetensors_metadata(self, req: Request, repo: LocalRepo) -> Response:
        repo.check_access(_bearer(req))
        index_name = req.params["path"]
        info, full = repo.file(index_name)
        if info.size > 64 * 1024 * 1024:
            raise HubError(400, None, f"{index_name} is too large to be a safetensors index")
        try:
            index = json.loads(full.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise HubError(400, None, f"{index_name} is not valid JSON") from None
        shards = sorted(set((index.get("weight_map") or {}).values())) if isinstance(index, dict) else []
        folder = index_name.rsplit("/", 1)[0] + "/" if "/" in index_name else ""
        headers: dict[str, Any] = {}
        for shard in shards:
            header = repo.safetensors_header(folder + shard)
            if header is None:
                raise HubError(400, None, f"{shard} has no readable safetensors header")
            headers[shard] = header
        return Response.json(
            {"index": {k: v for k, v in index.items() if k != "weight_map"}, "headers": headers}
        )

    # ---------------------------------------------------------------- resolve

    def resolve(self, req: Request, repo: LocalRepo) -> Response:
        revision = req.params["revision"]
        repo.check_revision(revision, short_commit=True)
        repo.check_access(_bearer(req))
        info, full = repo.file(req.params["path"])
        etag = f'"{info.sha256 or info.oid}"'
        headers = {
            "etag": etag,
            "x-repo-commit": repo.commit,
            "accept-ranges": "bytes",
            "content-type": "application/octet-stream",
            "content-disposition": f"inline; filename*=UTF-8''{quote(info.path.rsplit('/', 1)[-1])}",
        }
        if info.is_lfs:
            headers["x-linked-size"] = str(info.size)
            headers["x-linked-etag"] = etag
        start, length, status = 0, info.size, 200
        wanted = req.header("range")
        if wanted:
            parsed = self._range(wanted, info.size)
            if parsed is None:
                headers["content-range"] = f"bytes */{info.size}"
                return Response.json({"error": f"range {wanted} not satisfiable"}, 416, headers)
            start, length = parsed
            status = 206
            headers["content-range"] = f"bytes {start}-{start + length - 1}/{info.size}"
        if req.method == "HEAD" or length == 0:
            return Response(status, b"", headers, content_length=length)
        return Response(status, iter_file(full.open("rb"), start, length), headers, content_length=length)

    @staticmethod
    def _range(header: str, size: int) -> tuple[int, int] | None:
        """One byte range (start, length), or None when it cannot be satisfied (multi-ranges included)."""
        m = RANGE.match(header.strip())
        if not m or (not m.group(1) and not m.group(2)):
            return None
        first, last = m.group(1), m.group(2)
        if not first:  # suffix: the last N bytes
            n = int(last)
            if n == 0 or size == 0:
                return None
            return max(0, size - n), min(n, size)
        start = int(first)
        if start >= size:
            return None
        end = min(int(last), size - 1) if last else size - 1
        if end < start:
            return None
        return start, end - start + 1


def tree_oid(commit: str, folder: str) -> str:
    return hashlib.sha1(f"{commit}:{folder}".encode()).hexdigest()
