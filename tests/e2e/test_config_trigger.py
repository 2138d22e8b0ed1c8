"""Config-trigger mode: config.json starts the import, which waits until every indexed shard is there."""

from __future__ import annotations

from e2e_pipeline import Pipeline

from localcloud.demo_models import write_model
from shared.contract.state import Stage
from shared.pipeline.genai_ops import Kind


def test_config_json_waits_for_the_shards_then_imports(make_pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline: Pipeline = make_pipeline(optional_rules=("TRIGGER_ON_CONFIG",))
    folder = write_model(pipeline.tmp / "sharded", "chat", shards=3)
    prefix = "models/sharded/"
    late = "model-00003-of-00003.safetensors"
    for path in sorted(folder.iterdir()):
        if path.name != late:  # config.json and the index arrive, one shard is still uploading
            pipeline.put(prefix + path.name, path.read_bytes())
    waiting = pipeline.wait_stage("sharded", "WAITING_FOR_FILES")
    assert waiting.source.object_name == prefix + "config.json"
    pipeline.cloud.wait_for(lambda: (s := pipeline.state("sharded")) is not None and s.attempt >= 2)
    assert pipeline.ops.list_all(Kind.IMPORTED_MODEL) == []

    pipeline.put(prefix + late, (folder / late).read_bytes())
    done = pipeline.wait_stage("sharded", "DONE", "FAILED", "REJECTED")
    pipeline.idle()
    assert done.stage is Stage.DONE, (done.findings, done.last_error)
    assert [t.stage.value for t in done.history][:2] == ["WAITING_FOR_FILES", "VALIDATING"]
    assert len(pipeline.live(Kind.ENDPOINT)) == 1


def test_config_json_is_not_a_trigger_by_default(pipeline: Pipeline) -> None:
    folder = write_model(pipeline.tmp / "plain", "chat")
    pipeline.put("models/plain/config.json", (folder / "config.json").read_bytes())
    pipeline.idle()
    assert pipeline.state("plain") is None
