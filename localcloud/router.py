"""The Events service: rule conditions from `events/rules/`, OCI's matching, one delivery per rule.

The rules are the same files Terraform renders, filled with the same placeholders by
`events.matching.render_rule`. As on OCI, every rule whose condition matches fires its
action, so an event matching two rules is delivered twice.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from events.matching import RULES, matches, render_rule

log = logging.getLogger("localcloud.router")
Deliver = Callable[[str, dict[str, Any]], object]


@dataclass(frozen=True)
class Rule:
    name: str
    condition: dict[str, Any]


def default_rule_names(optional_settings: Iterable[str] = ()) -> list[str]:
    """Every required rule, plus the optional ones whose setting is on (e.g. TRIGGER_ON_CONFIG)."""
    enabled = {s.upper() for s in optional_settings}
    return [r.name for r in RULES if r.optional_setting is None or r.optional_setting in enabled]


def load_rules(names: Iterable[str], bucket_name: str, state_bucket_name: str) -> list[Rule]:
    """The rules rendered for the watched bucket and the state bucket (Terraform passes the same)."""
    values = {"bucket_name": bucket_name, "state_bucket_name": state_bucket_name}
    return [Rule(name, render_rule(name, values)) for name in names]


class EventRouter:
    def __init__(
        self,
        rules: list[Rule],
        deliver: Deliver | None = None,
        keep: int = 10000,
        delays: Callable[[str], list[float]] | None = None,
    ) -> None:
        self.rules = rules
        self.deliver = deliver
        self.delays = delays  # fault injection: copies and lateness of each delivery
        self._lock = threading.Lock()
        self.routed: deque[dict[str, Any]] = deque(maxlen=keep)

    def matching_rules(self, event: dict[str, Any]) -> list[str]:
        return [rule.name for rule in self.rules if matches(rule.condition, event)]

    def route(self, event: dict[str, Any]) -> list[str]:
        names = self.matching_rules(event)
        with self._lock:
            self.routed.append(
                {
                    "eventID": event.get("eventID"),
                    "rules": names,
                    "resourceName": event.get("data", {}).get("resourceName"),
                    "eventType": event.get("eventType"),
                }
            )
        for name in names:
            if self.deliver is None:
                log.info("rule %s matched %s (no function configured)", name, event.get("eventID"))
                continue
            resource = str((event.get("data") or {}).get("resourceName") or "")
            for delay in self.delays(resource) if self.delays else [0.0]:
                if delay > 0:
                    timer = threading.Timer(delay, self.deliver, args=(name, event))
                    timer.daemon = True
                    timer.start()
                else:
                    self.deliver(name, event)
        return names

    def history(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.routed)
