"""WAITING_FOR_FILES (config-trigger mode): wait until the file set under the prefix is complete.

Complete means: config.json is there, and either every shard that
model.safetensors.index.json lists is present, or (no index) at least one *.safetensors
file is. Then the import goes on exactly as a manifest `{}` would.
"""

from __future__ import annotations

import json

from functions.common import StageContext, Step, keep_waiting, move
from shared.contract.state import ImportState, Stage
from shared.pipeline.store import list_entries, read_object

INDEX_NAME = "model.safetensors.index.json"
MAX_INDEX_BYTES = 20_000_000  # the inspector's cap (shared/inspection/inspector.py): every real index fits


def missing_files(ctx: StageContext, state: ImportState) -> list[str]:
    """What is still missing under the prefix ([] when the set is complete)."""
    rt, prefix = ctx.rt, state.source.prefix or ""
    present = {
        e.name[len(prefix) :] for e in list_entries(rt.object_storage, rt.namespace, rt.bucket, prefix)
    }
    missing = [] if "config.json" in present else ["config.json"]
    if INDEX_NAME in present:
        try:
            found = read_object(
                rt.object_storage, rt.namespace, rt.bucket, prefix + INDEX_NAME, MAX_INDEX_BYTES
            )
            shards = set(json.loads(found[0])["weight_map"].values()) if found else set()
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return missing  # a broken index is validation's business: it reports INDEX_INVALID
        missing += sorted(s for s in shards if s not in present)
    elif not any(n.endswith(".safetensors") for n in present):
        missing.append("*.safetensors")
    return missing


def wait_for_files(state: ImportState, ctx: StageContext) -> Step:
    s = ctx.settings
    budget_end = ctx.rt.now().timestamp() + s.poll_seconds
    while True:
        missing = missing_files(ctx, state)
        if not missing:
            return Step(move(state, ctx, Stage.VALIDATING, note="file set complete"))
        if ctx.rt.now().timestamp() + s.poll_interval_seconds > budget_end:
            break
        ctx.rt.sleep(s.poll_interval_seconds)
    return keep_waiting(state, ctx, f"the files {', '.join(missing[:5])}")
