"""model.safetensors.index.json against the shards that are really there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.findings import Finding, finding
from shared.inspection.checks.weights import INDEX_NAME, WeightFiles

MAX_SHARD_FINDINGS = 20


@dataclass
class IndexCheck:
    """Which shards to read, the tensor names per shard (for the read plan), and findings."""

    shards: list[str]
    tensor_names: dict[str, list[str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    #: the shards whose tensors make up the model (listed and present); strays are never counted
    counted: list[str] | None = None
    #: every shard the index lists is present, so header totals are the model's totals
    complete: bool = True


def check_index(files: WeightFiles, index_doc: dict[str, Any] | None) -> IndexCheck:
    present = {e.name for e in files.safetensors}
    if files.index is None:
        # vLLM loads every *.safetensors of the folder when there is no index
        # (weight_utils.filter_duplicate_safetensors_files returns the files unfiltered when the
        # index file is absent); SGLang's loader does the same. Every shard is read and counted.
        # Only transformers' from_pretrained needs the index to find shards.
        if len(present) > 1:
            return IndexCheck(
                sorted(present),
                findings=[
                    finding(
                        "INDEX_ABSENT",
                        INDEX_NAME,
                        f"{len(present)} safetensors shards and no {INDEX_NAME}: vLLM and SGLang load "
                        "every shard, transformers' from_pretrained would need the index",
                    )
                ],
            )
        return IndexCheck(sorted(present))
    weight_map = index_doc.get("weight_map") if index_doc is not None else None
    if index_doc is None:
        return IndexCheck(sorted(present))  # unreadable index: its own finding is already reported
    if (
        not isinstance(weight_map, dict)
        or not weight_map
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items())
    ):
        return IndexCheck(
            sorted(present),
            findings=[
                finding(
                    "INDEX_INVALID",
                    INDEX_NAME,
                    f"{INDEX_NAME} has no `weight_map` of tensor name to shard file",
                )
            ],
        )
    names: dict[str, list[str]] = {}
    for tensor, shard in weight_map.items():
        names.setdefault(shard, []).append(tensor)
    listed = set(names)
    findings: list[Finding] = []
    missing = sorted(listed - present)
    unlisted = sorted(present - listed)
    for shard in missing[:MAX_SHARD_FINDINGS]:
        findings.append(
            finding(
                "INDEX_SHARD_MISSING",
                shard[:200],
                f"{shard[:200]} is listed in {INDEX_NAME} ({len(names[shard])} tensors) but absent",
            )
        )
    # Beside a complete index a stray file is unused (vLLM and SGLang load the files the index
    # names); beside an incomplete one the index and the shards come from different saves.
    unlisted_code = "INDEX_SHARD_UNLISTED" if missing else "SAFETENSORS_UNLISTED"
    for shard in unlisted[:MAX_SHARD_FINDINGS]:
        why = "" if missing else "; it is not loaded and not counted"
        findings.append(
            finding(unlisted_code, shard, f"{shard} is present but {INDEX_NAME} lists it nowhere{why}")
        )
    extra = max(0, len(missing) - MAX_SHARD_FINDINGS) + max(0, len(unlisted) - MAX_SHARD_FINDINGS)
    if extra:
        findings.append(
            finding(
                "INDEX_SHARD_MISSING" if len(missing) > MAX_SHARD_FINDINGS else unlisted_code,
                "(more)",
                f"{extra} more shard disagreements not listed",
            )
        )
    counted = sorted(present & listed)
    # A stray beside a complete index is not read: nothing the engine loads is in it.
    to_read = counted + unlisted if missing else counted
    return IndexCheck(to_read, names, findings, counted=counted, complete=not missing)
