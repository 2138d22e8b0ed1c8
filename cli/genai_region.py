"""Is the CLI looking for Generative AI resources in the region that holds them?

Generative AI may live in another region than the bucket (the function's REGION). A client of
the wrong region lists nothing there and answers 404 to the OCIDs of the other: to `teardown`
and `sweep` that looks like "everything is gone", which would end an import as TORN_DOWN (or
free its AI units) while its cluster bills on elsewhere. So, before acting, they check that the
region finds at least one of the resources the state documents record; when it finds none,
they say so in one line (likely the wrong region) instead of concluding anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.contract.state import ImportState, Stage
from shared.pipeline.genai_ops import GenAiOps, Kind

GET_LIMIT = 6  # recorded resources looked up at most: one found is enough to trust the region
KIND_WORDS = {Kind.ENDPOINT: "an endpoint", Kind.CLUSTER: "a cluster", Kind.IMPORTED_MODEL: "a model"}


def recorded(state: ImportState) -> list[tuple[Kind, str]]:
    """The resources a state document says its import holds (none once TORN_DOWN or REJECTED)."""
    if state.stage in (Stage.TORN_DOWN, Stage.REJECTED):
        return []
    r = state.resources
    pairs = (
        (Kind.ENDPOINT, r.endpoint_id),
        (Kind.CLUSTER, r.cluster_id),
        (Kind.IMPORTED_MODEL, r.imported_model_id),
    )
    return [(kind, rid) for kind, rid in pairs if rid]


def none_found(ops: GenAiOps, pairs: Iterable[tuple[Kind, str]], seen: Iterable[str] = ()) -> bool:
    """True when the region knows none of `pairs`: none among the ids already `seen` (a listing),
    and each looked up (at most GET_LIMIT) answers 404. A resource DELETED there still counts as
    known: the region is right, the resource is gone."""
    pairs = list(pairs)
    if not pairs or {rid for _, rid in pairs} & set(seen):
        return False
    return all(ops.get(kind, rid) is None for kind, rid in pairs[:GET_LIMIT])


def records_words(state: ImportState) -> str:
    words = [KIND_WORDS[kind] for kind, _ in recorded(state)]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def states_line(states: list[ImportState], region: str, consequence: str) -> str:
    """wrong_region_line for the states that record something."""
    what = records_words(states[0]) if len(states) == 1 else "resources"
    return wrong_region_line([s.name for s in states], what, region, consequence)


def wrong_region_line(names: list[str], what: str, region: str, consequence: str) -> str:
    """One line: the states record resources, the region finds none of them, what to do."""
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    who = names[0] if len(names) == 1 else f"{len(names)} imports ({shown})"
    return (
        f"{who}: the state records {what} but Generative AI in {region} finds none of them, likely the "
        f"wrong region: pass --genai-region with the pipeline's REGION (env MODEL_IMPORT_GENAI_REGION); "
        f"{consequence}"
    )
