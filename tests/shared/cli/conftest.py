"""Helpers for driving `model-import` in-process against a running local cloud.

`cli(*argv)` runs `shared.cli.main.main` with the local cloud's environment and returns
(exit code, stdout, stderr). `deploy(name)` creates an imported model, a hosting cluster and an
endpoint through the pipeline's own `GenAiOps` (so they carry the pipeline's tags), and writes
a DONE state document for them through the pipeline's `StateStore`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from shared.cli.main import main
from shared.contract.manifest import Capability, ImportOptions
from shared.contract.paths import SourceKind, manifest_object, model_prefix
from shared.contract.state import ImportState, Plan, Source, Stage, make_import_id, utcnow
from shared.pipeline.genai_ops import GenAiOps, Kind
from shared.pipeline.store import StateStore


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Deployed:
    name: str
    state: ImportState
    model_id: str
    cluster_id: str | None
    endpoint_id: str | None


class CliHarness:
    def __init__(self, handle: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.handle = handle
        for key in (
            "OCI_CLI_PROFILE",
            "OCI_CLI_CONFIG_FILE",
            "OCI_CLI_REGION",
            "OCI_CLI_AUTH",
            "OCI_CLI_COMPARTMENT_ID",
            "COMPARTMENT_ID",
            "BUCKET_NAME",
            "NAMESPACE",
            "AI_UNIT_PRICE_PER_HOUR",
            "HF_TOKEN",
        ):
            monkeypatch.delenv(key, raising=False)
        for key, value in handle.env.items():
            monkeypatch.setenv(key, value)
        self.monkeypatch = monkeypatch
        self.os = handle.factory.object_storage()
        self.genai = handle.factory.generative_ai()
        self.namespace = handle.info.namespace
        self.bucket = handle.info.bucket
        self.compartment_id = handle.info.compartment_id
        self.store = StateStore(self.os, self.namespace, self.bucket)
        self.ops = GenAiOps(self.genai, self.compartment_id, sleep=lambda s: None)

    def __call__(self, *argv: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse usage errors
                code = int(exc.code or 0)
        return Result(code, out.getvalue(), err.getvalue())

    def wait_ready(self, kind: Kind, resource_id: str, work_request_id: str | None) -> None:
        prog = GenAiOps(self.genai, self.compartment_id).wait(kind, resource_id, work_request_id, 30, 0.05)
        assert prog.status == "ACTIVE", prog

    def new_state(self, name: str, stage: Stage = Stage.VALIDATING, **options: Any) -> ImportState:
        now = utcnow()
        etag = f"etag-{name}-{now.timestamp()}"
        return ImportState(
            name=name,
            import_id=make_import_id(name, manifest_object(name), etag),
            source=Source(
                kind=SourceKind.OBJECT_STORAGE,
                namespace=self.namespace,
                bucket=self.bucket,
                object_name=manifest_object(name),
                etag=etag,
                prefix=model_prefix(name),
            ),
            options=ImportOptions(**options),
            stage=stage,
            stage_started_at=now,
            stage_deadline=now + timedelta(minutes=30),
            created_at=now,
            updated_at=now,
        )

    def deploy(self, name: str, *, endpoint: bool = True, shape: str = "A10_X1", **options: Any) -> Deployed:
        self.os.put_object(self.namespace, self.bucket, model_prefix(name) + "config.json", b"{}")
        state = self.new_state(name, **options)
        model = self.ops.create_imported_model(state, Capability.TEXT_TO_TEXT)
        self.wait_ready(Kind.IMPORTED_MODEL, model.id, model.work_request_id)
        cluster_id = endpoint_id = None
        if endpoint:
            cluster = self.ops.create_cluster(state, shape)
            self.wait_ready(Kind.CLUSTER, cluster.id, cluster.work_request_id)
            ep = self.ops.create_endpoint(state, model.id, cluster.id)
            self.wait_ready(Kind.ENDPOINT, ep.id, ep.work_request_id)
            cluster_id, endpoint_id = cluster.id, ep.id
        state = state.model_copy(
            update={
                "resources": state.resources.model_copy(
                    update={
                        "imported_model_id": model.id,
                        "cluster_id": cluster_id,
                        "endpoint_id": endpoint_id,
                    }
                ),
                "plan": Plan(capability=Capability.TEXT_TO_TEXT, unit_shape=shape, ai_units=1.77),
            }
        )
        for stage in (Stage.IMPORTING, Stage.PROVISIONING, Stage.DEPLOYING, Stage.SMOKE_TESTING, Stage.DONE):
            state = state.move_to(stage)
        self.store.put(state, None)
        return Deployed(name, state, model.id, cluster_id, endpoint_id)


@pytest.fixture
def cli(localcloud: Any, monkeypatch: pytest.MonkeyPatch) -> CliHarness:
    return CliHarness(localcloud, monkeypatch)


@pytest.fixture
def make_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[[Any], CliHarness]:
    return lambda handle: CliHarness(handle, monkeypatch)
