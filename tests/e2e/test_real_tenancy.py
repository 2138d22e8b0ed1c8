"""What a real tenancy does that the local cloud used to forgive (issue 14), end to end."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
from pathlib import Path

import oci
import pytest
from e2e_pipeline import FAST_ENV, Pipeline

from localcloud.demo_models import write_model
from shared.clients import ClientFactory
from shared.contract.paths import manifest_object, request_object
from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind

SAMPLES = Path(__file__).resolve().parents[2] / "events" / "samples"


def test_a_manifest_event_with_null_tags_starts_the_import(pipeline: Pipeline) -> None:
    """OCI writes `"freeformTags": null, "definedTags": null`; the event must not be ignored."""
    cloud = pipeline.cloud.cloud
    cloud.store.listeners.remove(cloud.emitter.on_change)  # files land silently: the one event is ours
    try:
        etag = pipeline.upload_model("null-tags", "embedding")
    finally:
        cloud.store.listeners.append(cloud.emitter.on_change)
    event = json.loads((SAMPLES / "manifest-created-null-tags.json").read_text())
    info = pipeline.cloud.info
    name = manifest_object("null-tags")
    event["data"].update(resourceName=name, resourceId=f"/n/{info.namespace}/b/{info.bucket}/o/{name}")
    event["data"]["additionalDetails"].update(bucketName=info.bucket, namespace=info.namespace, eTag=etag)
    assert event["data"]["freeformTags"] is None and event["data"]["definedTags"] is None
    assert cloud.router.route(event) == ["manifest-written"]
    state = pipeline.wait_stage("null-tags", "DONE", "FAILED", "REJECTED")
    assert state.stage is Stage.DONE, state.last_error


def test_a_short_commit_hash_is_imported_as_the_full_commit(pipeline: Pipeline) -> None:
    """OCI's data source has `branch` and `commit`: a short hash sent as a branch names nothing."""
    write_model(pipeline.cloud.state_dir / "hub" / "acme" / "short", "embedding")
    commit = pipeline.cloud.cloud.hub.commit_of("acme/short")
    body = {"model_id": "acme/short", "revision": commit[:7]}
    pipeline.put(request_object("short"), json.dumps(body).encode())
    state = pipeline.wait_stage("short", "DONE", "FAILED", "REJECTED")
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    assert state.source.revision == commit
    model = pipeline.ops.client.get_imported_model(state.resources.imported_model_id).data
    assert model.data_source.commit == commit  # (the service reports branch "main" beside it)


def test_a_reasoning_model_passes_its_smoke_test(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """gpt-oss-like: the reasoning comes first and eats small token budgets; the protocol is judged."""
    pipeline: Pipeline = make_pipeline(reasoning_models=("thinker",))
    pipeline.upload_model("thinker", "chat")
    state = pipeline.wait_stage("thinker", "DONE", "FAILED")
    assert state.stage is Stage.DONE, state.last_error
    assert state.smoke_test is not None and state.smoke_test["verdict"] == "passed"
    assert state.smoke_test["route"] == "openai/v1/chat/completions"  # the headers were accepted
    assert state.smoke_test["finish_reason"] in ("stop", "length")


def test_transient_inference_errors_are_retried_inside_the_invocation(pipeline: Pipeline) -> None:
    """Three dropped connections (a call that times out looks the same) and a 503, then answers."""
    pipeline.cloud.set_fault(service="inference", action="drop", count=3)
    pipeline.cloud.set_fault(service="inference", status=503, count=1)
    pipeline.upload_model("flaky", "chat")
    state = pipeline.wait_stage("flaky", "DONE", "FAILED")
    assert state.stage is Stage.DONE, state.last_error
    assert state.smoke_test is not None and state.smoke_test["attempts"] >= 4
    assert sum(1 for t in state.history if t.stage is Stage.SMOKE_TESTING) == 1


def test_a_refused_inference_call_is_not_tested_and_the_deployment_stays(pipeline: Pipeline) -> None:
    pipeline.cloud.set_fault(
        service="inference", status=404, code="NotAuthorizedOrNotFound", message="Authorization failed"
    )
    pipeline.upload_model("untested", "chat")
    state = pipeline.wait_stage("untested", "DONE", "FAILED")
    pipeline.idle()
    assert state.stage is Stage.DONE, state.last_error
    assert state.smoke_test is not None and state.smoke_test["verdict"] == "not_tested"
    # asked again for SMOKE_NOT_AUTHORIZED_SECONDS (a fresh endpoint, a policy propagating), no longer
    window = float(FAST_ENV["SMOKE_NOT_AUTHORIZED_SECONDS"])
    assert state.smoke_test["attempts"] > 1
    assert state.smoke_test["seconds"] <= window + 1.0  # one small margin: the calls themselves
    (message,) = pipeline.messages()
    assert "NOT smoke-tested" in message["title"] and "NOT run" in message["body"]
    assert [e.id for e in pipeline.live(Kind.ENDPOINT)] == [state.resources.endpoint_id]


def test_a_refusal_that_passes_is_asked_again_and_the_smoke_test_passes(pipeline: Pipeline) -> None:
    """404 twice (the OpenAI route, then the chat action: one attempt), then answers: passed."""
    pipeline.cloud.set_fault(
        service="inference",
        status=404,
        code="NotAuthorizedOrNotFound",
        message="Authorization failed",
        count=2,
    )
    pipeline.upload_model("propagating", "chat")
    state = pipeline.wait_stage("propagating", "DONE", "FAILED")
    assert state.stage is Stage.DONE, state.last_error
    assert state.smoke_test is not None and state.smoke_test["verdict"] == "passed", state.smoke_test
    assert state.smoke_test["attempts"] == 2


def test_the_notified_call_runs_as_pasted_with_only_the_oci_sdk(pipeline: Pipeline, tmp_path: Path) -> None:
    pipeline.upload_model("pasted", "chat")
    assert pipeline.wait_stage("pasted", "DONE", "FAILED").stage is Stage.DONE
    body = pipeline.wait_messages()[0]["body"].split("\n")
    start = body.index("Call it (Python, with your OCI config):") + 1
    snippet = "\n".join(body[start : body.index("", start)])
    home = tmp_path / "home"
    (home / ".oci").mkdir(parents=True)
    config = configparser.ConfigParser()
    config.read(pipeline.cloud.info.config_file)
    (home / ".oci" / "config").write_text(
        "[DEFAULT]\n" + "".join(f"{k}={v}\n" for k, v in config[pipeline.cloud.info.profile].items())
    )
    # `requests` (and the OpenAI SDK) made unimportable: the snippet needs the oci SDK only
    runner = (
        "import sys; sys.modules['requests'] = None; sys.modules['openai'] = None; exec(sys.stdin.read())"
    )
    done = subprocess.run(
        [sys.executable, "-c", runner],
        input=snippet,
        capture_output=True,
        text=True,
        env={"HOME": str(home), "PATH": os.environ.get("PATH", "")},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (snippet, done.stderr)
    assert "[localcloud emulation]" in done.stdout and "stop" in done.stdout


def test_generative_ai_in_another_region_than_the_bucket(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    """REGION moves only the Generative AI clients; the import's data source names the bucket's region."""
    pipeline: Pipeline = make_pipeline(genai_region="eu-frankfurt-1")
    info = pipeline.cloud.info
    assert set(info.extra["endpoints"]) == {"us-chicago-1", "eu-frankfurt-1"}
    assert info.endpoint == info.extra["endpoints"]["us-chicago-1"]  # existing users keep working
    with pytest.raises(oci.exceptions.ServiceError) as wrong:  # Generative AI at the home endpoint
        pipeline.ops.list_all(Kind.ENDPOINT)
    assert wrong.value.status == 404 and "eu-frankfurt-1" in wrong.value.message

    pipeline.upload_model("abroad", "chat")
    state = pipeline.wait_stage("abroad", "DONE", "FAILED", "REJECTED")
    assert state.stage is Stage.DONE, (state.findings, state.last_error)
    genai = ClientFactory(env=pipeline.cloud.env, genai_region="eu-frankfurt-1").generative_ai()
    model = genai.get_imported_model(state.resources.imported_model_id).data
    assert model.data_source.region == "us-chicago-1"
    assert pipeline.cloud.env["REGION"] == "eu-frankfurt-1"
    assert (
        "/regions/eu-frankfurt-1" in pipeline.wait_messages()[0]["body"]
    )  # the call goes where the model is


def test_a_shape_whose_limit_is_zero_is_refused_before_any_cluster(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(unit_limits={"dedicated-unit-a10-count": 0})
    pipeline.upload_model("no-room", "chat", {"unit_shape": "A10_X1"})
    state = pipeline.wait_stage("no-room", "FAILED", "DONE", "TORN_DOWN")
    pipeline.idle()
    assert state.stage is Stage.FAILED
    assert state.last_error is not None and state.last_error.code == "UNIT_LIMIT_INSUFFICIENT"
    assert "dedicated-unit-a10-count" in state.last_error.message
    # refused at validation, once the shape is known: no model was imported (and deleted) first
    assert state.last_error.stage is Stage.VALIDATING
    assert [t.stage for t in state.history] == [Stage.VALIDATING, Stage.FAILED]
    genai = pipeline.cloud.cloud.genai.store
    assert [list(genai.all(c)) for c in ("importedModels", "dedicatedAiClusters", "endpoints")] == [
        [],
        [],
        [],
    ]
    assert pipeline.live(Kind.CLUSTER) == []
    (message,) = pipeline.messages()
    assert "UNIT_LIMIT_INSUFFICIENT" in message["title"] and "service limit increase" in message["body"]
