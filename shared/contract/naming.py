"""Uploads meant as an import whose name the pipeline cannot use (`models/My Model/import.json`).

`paths.classify` is strict and answers None for them, which used to leave such an upload
silently ignored although the user meant to start an import. This says what was meant, so
the function can answer with NAME_INVALID instead of silence.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.contract.paths import MANIFEST_FILENAME, MODELS_PREFIX, REQUESTS_PREFIX, valid_name


@dataclass(frozen=True)
class Misnamed:
    kind: str  # "manifest" or "request"
    given: str  # the name as it stands in the object name (may hold anything: show it escaped)


def misnamed_upload(object_name: str) -> Misnamed | None:
    """A manifest or request upload whose import name is not valid; None for anything else.

    `models/<x>/import.json` with any <x> (spaces, `..`, `%2F`, 64+ characters, a newline,
    sub-folders such as `org/name`) and `requests/<x>.json` with any <x> are uploads meant as
    imports; every other object (the weights, the state) is not.
    """
    if object_name.startswith(MODELS_PREFIX) and object_name.endswith("/" + MANIFEST_FILENAME):
        given = object_name[len(MODELS_PREFIX) : -len("/" + MANIFEST_FILENAME)]
        return None if valid_name(given) else Misnamed("manifest", given)
    if object_name.startswith(REQUESTS_PREFIX) and object_name.endswith(".json"):
        given = object_name[len(REQUESTS_PREFIX) : -len(".json")]
        return None if valid_name(given) else Misnamed("request", given)
    return None
