"""`model-import teardown NAME | --all`: the pipeline's own teardown, driven from the CLI.

With a state document, the CLI does what the pipeline does, through the same shared code:
1. it asks for the teardown by a compare-and-swap write of `control.cancel` (desired=absent;
   `--keep-model` is written into the options, so the pipeline keeps the model too);
2. it runs `teardown_step` (the pipeline's step) until nothing of the import is alive. With the
   function deployed, the pipeline runs the same step at the same time: deletes are idempotent
   and every state write is CAS, so the two cannot undo each other;
3. it ends through `finish_teardown` (TORN_DOWN, hold released), which re-checks that nothing
   tagged with the import is alive, so a create that raced the teardown is caught and deleted.
   When the pipeline has taken the import to TEARING_DOWN, the CLI first gives it a moment to
   finish (and notify) by itself.

Before any of this, a state that records resources of which the Generative AI region finds none
(likely the wrong region: cli/genai_region.py) stops the teardown with one line saying so.

Only the import id the state names is torn down: earlier imports of the same name are the
sweep's business (their kept models stay). Without a state document (lost), resources are found
by tags, restricted to this bucket (`import-bucket`), so another stack's deployment of the same
name in the compartment is never touched.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cli.genai_region import none_found, recorded
from shared.contract import tags as tag_keys
from shared.contract.state import ImportState, Stage, utcnow
from shared.pipeline.control import cancel
from shared.pipeline.finish import FinishOutcome, finish_teardown
from shared.pipeline.genai_ops import GenAiOps, Kind, Resource, ResourceBusy
from shared.pipeline.ledger import Ledger, LedgerUnreadable
from shared.pipeline.store import ConflictError, StateStore, StateUnreadable
from shared.pipeline.teardown import kept_model_id, teardown_step

ORDER = (Kind.ENDPOINT, Kind.CLUSTER, Kind.IMPORTED_MODEL)
KIND_NAMES = {Kind.ENDPOINT: "endpoint", Kind.CLUSTER: "cluster", Kind.IMPORTED_MODEL: "imported_model"}
PIPELINE_GRACE_SECONDS = 30.0  # how long a TEARING_DOWN import is left to the pipeline to finish
STEP_BUDGET_SECONDS = 20.0  # one teardown_step call; the loop calls it again until done
CAS_ATTEMPTS = 10
NOTE = "torn down by `model-import teardown`"


class TeardownFailed(Exception):
    """The teardown could not finish; the message says what is left and what to do."""


@dataclass
class Plan:
    """What a teardown of one name will do: delete `targets`, keep `kept`."""

    name: str
    state: ImportState | None
    etag: str | None
    keep_model: bool
    targets: list[Resource] = field(default_factory=list)
    kept: list[Resource] = field(default_factory=list)
    untracked_import_ids: list[str] = field(default_factory=list)  # tag-only: the state was lost


@dataclass
class Result:
    name: str
    dry_run: bool
    deleted: list[tuple[Kind, str]]
    kept: list[tuple[Kind, str]]
    state_updated: bool
    outcome: str  # planned, torn_down, already, replaced, untracked, nothing

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dry_run": self.dry_run,
            "deleted": [{"kind": KIND_NAMES[k], "id": rid} for k, rid in self.deleted],
            "kept": [{"kind": KIND_NAMES[k], "id": rid} for k, rid in self.kept],
            "state_updated": self.state_updated,
            "outcome": self.outcome,
        }


@dataclass
class Teardown:
    """Tears down imports of one bucket; `say` reports progress (to stderr in the CLI)."""

    ops: GenAiOps
    store: StateStore
    ledger: Ledger
    timeout: float
    poll: float
    say: Callable[[str], None] = lambda line: None
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic

    # --- finding ------------------------------------------------------------------------
    def ours(self, res: Resource) -> bool:
        return res.tags.get(tag_keys.IMPORT_BUCKET) == self.store.watched_bucket

    def live(self) -> list[Resource]:
        return [r for kind in ORDER for r in self.ops.list_managed(kind)]

    def names(self) -> list[str]:
        """Every import of this bucket that may hold something: live states, and names on live tags."""
        names = {
            r.tags[tag_keys.IMPORT_NAME]
            for r in self.live()
            if self.ours(r) and r.tags.get(tag_keys.IMPORT_NAME)
        }
        names |= {s.name for s in self.store.list() if s.stage not in (Stage.TORN_DOWN, Stage.REJECTED)}
        return sorted(names)

    def plan(self, name: str, keep_model_flag: bool, live: list[Resource] | None = None) -> Plan:
        live = self.live() if live is None else live
        try:
            found = self.store.get(name)
        except StateUnreadable as exc:  # cannot be cancelled by CAS: fall back to this bucket's tags
            print(f"warning: {exc}", file=sys.stderr)
            found = None
        if found is not None:
            state, etag = found
            keep = keep_model_flag or state.options.keep_model
            mine = {r.id: r for r in live if r.import_id == state.import_id}
            recorded = {
                Kind.ENDPOINT: state.resources.endpoint_id,
                Kind.CLUSTER: state.resources.cluster_id,
                Kind.IMPORTED_MODEL: state.resources.imported_model_id,
            }
            for kind, rid in recorded.items():  # a resource moved to another compartment, or untagged
                if rid and rid not in mine:
                    res = self.ops.get(kind, rid)
                    if res is not None and not res.is_gone:
                        mine[rid] = res
            plan = Plan(name, state, etag, keep)
            with_keep = state.model_copy(
                update={"options": state.options.model_copy(update={"keep_model": keep})}
            )
            keep_id = kept_model_id(self.ops, with_keep)
        else:
            mine = {
                r.id: r
                for r in live
                if self.ours(r) and r.tags.get(tag_keys.IMPORT_NAME) == name and r.import_id is not None
            }
            plan = Plan(name, None, None, keep_model_flag)
            plan.untracked_import_ids = sorted({r.import_id for r in mine.values() if r.import_id})
            keep_id = None
        for kind in ORDER:
            for res in sorted((r for r in mine.values() if r.kind is kind), key=lambda r: r.id):
                kept = res.id == keep_id or (
                    plan.state is None and plan.keep_model and kind is Kind.IMPORTED_MODEL
                )
                (plan.kept if kept else plan.targets).append(res)
        return plan

    def unfound(self, plans: list[Plan], live: list[Resource]) -> list[Plan]:
        """Plans whose state records resources of which Generative AI, in the region the ops talk
        to, finds none: listed nowhere, 404 to each lookup. Likely the wrong region; tearing them
        down would end the import as TORN_DOWN while its resources live on elsewhere."""
        seen = [r.id for r in live]
        return [
            p
            for p in plans
            if p.state is not None
            and not p.targets
            and not p.kept
            and none_found(self.ops, recorded(p.state), seen)
        ]

    # --- doing --------------------------------------------------------------------------
    def run(self, plan: Plan) -> Result:
        if plan.state is None:
            return self._untracked(plan)
        return self._tracked(plan)

    def _deadline_error(self, name: str, what: str) -> TeardownFailed:
        return TeardownFailed(
            f"{name}: {what} after {self.timeout:.0f}s; the import stays cancelled (desired=absent): "
            f"run `model-import teardown {name}` again, or watch `model-import status {name}`"
        )

    def _cancel(self, plan: Plan) -> ImportState | None:
        """CAS-write desired=absent (and keep_model if asked); the state to tear down, None if lost."""
        state, etag = plan.state, plan.etag
        for _ in range(CAS_ATTEMPTS):
            if state is None or etag is None:
                return None
            keep = plan.keep_model or state.options.keep_model
            if state.desired == "absent" and state.options.keep_model == keep:
                return state  # already asked (by us before, the pipeline, or `cancel`)
            if state.stage in (Stage.TORN_DOWN, Stage.REJECTED):
                # Rewriting a terminal state would only make the pipeline look for newer uploads.
                return state.model_copy(
                    update={"options": state.options.model_copy(update={"keep_model": keep})}
                )
            wanted = cancel(state, now=utcnow())
            wanted = wanted.model_copy(
                update={"options": wanted.options.model_copy(update={"keep_model": keep})}
            )
            try:
                self.store.put(wanted, etag)
                return wanted
            except ConflictError:
                found = self.store.get(plan.name)
                state, etag = found if found else (None, None)
        raise TeardownFailed(f"the state of {plan.name} keeps changing; try again")

    def _tracked(self, plan: Plan) -> Result:
        if plan.state is not None and plan.state.stage is Stage.REJECTED and not plan.targets:
            return Result(plan.name, False, [], [], False, "nothing")  # rejected: nothing was created
        deadline = self.monotonic() + self.timeout
        state = self._cancel(plan)
        if state is None:  # the state document vanished between our read and write
            return self._untracked(self.plan(plan.name, plan.keep_model))
        deleted: dict[str, Kind] = {r.id: r.kind for r in plan.targets}
        kept = [(r.kind, r.id) for r in plan.kept]
        grace_until: float | None = None
        while True:
            prog = teardown_step(
                self.ops,
                state,
                budget_seconds=max(self.poll, min(STEP_BUDGET_SECONDS, deadline - self.monotonic())),
                interval=self.poll,
                sleep=self.sleep,
                monotonic=self.monotonic,
            )
            for item in prog.deleted:
                kind_value, _, rid = item.partition(" ")
                deleted.setdefault(rid, Kind(kind_value))
                self.say(f"{plan.name}: deleting {KIND_NAMES[Kind(kind_value)]} {rid}")
            if not prog.done:
                if self.monotonic() > deadline:
                    raise self._deadline_error(plan.name, f"{prog.waiting_on} is still there")
                continue
            current = self.store.get(plan.name)
            pipeline_on_it = (
                current is not None
                and current[0].import_id == state.import_id
                and current[0].stage is Stage.TEARING_DOWN
            )
            if pipeline_on_it:  # the pipeline runs this teardown: let it finish (and notify) by itself
                now = self.monotonic()
                grace_until = grace_until or min(deadline, now + PIPELINE_GRACE_SECONDS)
                if now < grace_until:
                    self.sleep(self.poll)
                    continue
            outcome = finish_teardown(
                self.store,
                self.ledger,
                self.ops,
                plan.name,
                state.import_id,
                note=NOTE,
                keep_model=state.options.keep_model,
            )
            if outcome.ledger_error:
                print(
                    f"warning: AI-unit hold of {plan.name} not released: {outcome.ledger_error}",
                    file=sys.stderr,
                )
            if outcome.finished:
                return self._result(plan, deleted, kept, outcome)
            for res in outcome.alive:  # a create that raced the teardown: delete it too
                deleted.setdefault(res.id, res.kind)
            if self.monotonic() > deadline:
                raise self._deadline_error(
                    plan.name, f"{outcome.alive[0].kind.value} {outcome.alive[0].id} is alive"
                )
            if outcome.state is not None:
                state = outcome.state

    def _result(
        self, plan: Plan, deleted: dict[str, Kind], kept: list[tuple[Kind, str]], outcome: FinishOutcome
    ) -> Result:
        rank = {kind: i for i, kind in enumerate(ORDER)}
        ordered = sorted(((k, rid) for rid, k in deleted.items()), key=lambda x: (rank[x[0]], x[1]))
        if outcome.status == "replaced" and outcome.state is not None:
            print(
                f"note: {plan.name} was replaced meanwhile by import {outcome.state.import_id} "
                f"({outcome.state.stage.value}); it was left alone",
                file=sys.stderr,
            )
        status: str = outcome.status
        if status == "already" and not ordered and not kept:
            status = "nothing"
        return Result(plan.name, False, ordered, kept, outcome.status == "torn_down", status)

    def _untracked(self, plan: Plan) -> Result:
        """No state document: delete this bucket's resources tagged with the name, in order."""
        deadline = self.monotonic() + self.timeout
        for res in plan.targets:
            self.say(f"{plan.name}: deleting {KIND_NAMES[res.kind]} {res.id} (untracked)")
            while True:
                try:
                    self.ops.delete(res.kind, res.id, import_id=res.import_id or "")
                    break
                except ResourceBusy as exc:  # still CREATING, or its children are still DELETING
                    if self.monotonic() > deadline:
                        raise self._deadline_error(plan.name, str(exc)) from None
                    self.sleep(self.poll)
            while True:
                current = self.ops.get(res.kind, res.id)
                if current is None or current.lifecycle_state == "DELETED":
                    break
                if self.monotonic() > deadline:
                    raise self._deadline_error(
                        plan.name, f"{res.kind.value} {res.id} is {current.lifecycle_state}"
                    )
                self.sleep(self.poll)
        for res in plan.kept:  # tagged kept: the sweep must not take it for an orphan of a lost state
            while not self.ops.mark_kept(res.id, import_id=res.import_id or ""):
                if self.monotonic() > deadline:
                    raise self._deadline_error(
                        plan.name, f"{res.kind.value} {res.id} is not ACTIVE to be tagged kept"
                    )
                self.sleep(self.poll)
        for import_id in plan.untracked_import_ids:
            try:
                self.ledger.release(import_id)
            except (LedgerUnreadable, ConflictError) as exc:
                print(f"warning: AI-unit hold of {import_id} not released: {exc}", file=sys.stderr)
        deleted = [(r.kind, r.id) for r in plan.targets]
        kept = [(r.kind, r.id) for r in plan.kept]
        return Result(plan.name, False, deleted, kept, False, "untracked" if deleted or kept else "nothing")

    def dry_run(self, plan: Plan) -> Result:
        return Result(
            plan.name,
            True,
            [(r.kind, r.id) for r in plan.targets],
            [(r.kind, r.id) for r in plan.kept],
            False,
            "planned",
        )
