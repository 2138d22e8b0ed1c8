"""Turn SDK and configuration failures into one line that says what happened and what to do."""

from __future__ import annotations

import sys
from typing import Any

# What a person can do about each service error, by HTTP status (and code where it matters).
_HINTS_BY_CODE: dict[str, str] = {
    "NotAuthorizedOrNotFound": "check the OCID or name, the compartment and your policies",
    "NotAuthenticated": "check the API key, fingerprint and tenancy of your profile, and the clock",
    "IncorrectState": "the resource is busy or in the wrong state; wait for it and run again",
    "NoEtagMatch": "someone else changed it meanwhile; run the command again",
    "TooManyRequests": "throttled by the service; wait a moment and run again",
    "LimitExceeded": "a service limit is reached; ask for a limit increase or free some resources",
    "QuotaExceeded": "a compartment quota is reached; free some resources or raise the quota",
}
_HINTS_BY_STATUS: dict[int, str] = {
    400: "check the values you passed",
    401: _HINTS_BY_CODE["NotAuthenticated"],
    404: _HINTS_BY_CODE["NotAuthorizedOrNotFound"],
    409: "it conflicts with the current state; check it with `model-import status` and run again",
    412: _HINTS_BY_CODE["NoEtagMatch"],
    429: _HINTS_BY_CODE["TooManyRequests"],
}


# Commands that write state documents or the ledger, or need the function's Generative AI grants
# (docs/cli.md, "Who may run what"): an uploader's identity gets 404 NotAuthorizedOrNotFound.
OPERATOR_ONLY = frozenset({"retry", "cancel", "teardown", "sweep"})
_DENIED_CODES = frozenset(
    {"NotAuthorizedOrNotFound", "NotAuthorized", "Forbidden", "NotAuthorizedOrResourceAlreadyExists"}
)


def explain(exc: BaseException, args: Any = None) -> str | None:
    """One line for a failure we recognise, or None for a real surprise; `args` (the command's
    parsed arguments) names the command and profile in the line."""
    # An SDK exception can only come from an SDK already loaded: a command that never used it
    # (`inspect FOLDER`, `findings`) must not pay its import to learn that.
    oci: Any = sys.modules.get("oci")
    if oci is None:
        return _plain_line(exc)
    if isinstance(exc, oci.exceptions.ServiceError):
        command = getattr(args, "command", None)
        if command in OPERATOR_ONLY and _denied(exc):
            return service_error_line(exc, hint=_operator_hint(command, getattr(args, "profile", None)))
        return service_error_line(exc)
    if isinstance(exc, oci.exceptions.ConfigFileNotFound):
        return _no_config_line(getattr(args, "config_file", None))
    if isinstance(exc, oci.exceptions.ProfileNotFound):
        return (
            f"no profile {getattr(args, 'profile', None) or 'DEFAULT'} in the OCI config file — pass "
            "--profile NAME (env OCI_CLI_PROFILE) or add it with `oci setup config`"
        )
    if isinstance(exc, oci.exceptions.InvalidConfig | oci.exceptions.InvalidPrivateKey):
        return (
            f"invalid OCI configuration: {exc} — run `oci setup repair-file-permissions` or fix the profile"
        )
    if isinstance(exc, oci.exceptions.RequestException):
        return _unreachable(exc)
    return _plain_line(exc)


def _denied(exc: Any) -> bool:
    return int(exc.status) in (401, 403, 404) and str(exc.code) in _DENIED_CODES | {"NotAuthenticated"}


def _operator_hint(command: str, profile: str | None) -> str:
    who = f"profile {profile}" if profile else "this identity"
    return (
        f"`{command}` is operator-only (docs/cli.md, who may run what) and {who} lacks the grant: "
        "run it with the operator's --profile"
    )


def _no_config_line(config_file: str | None) -> str:
    """A missing OCI config file: which one, and the ways to have one (the SDK's text is 230 characters)."""
    import os

    path = config_file or os.environ.get("OCI_CLI_CONFIG_FILE") or "~/.oci/config"
    return (
        f"no OCI config file at {path} — create it with `oci setup config`, pass --config-file "
        "(env OCI_CLI_CONFIG_FILE), or point MODEL_IMPORT_LOCALCLOUD at a local cloud's localcloud.json"
    )


def _plain_line(exc: BaseException) -> str | None:
    if isinstance(exc, ConnectionError):
        return _unreachable(exc)
    return None


def _unreachable(exc: BaseException) -> str:
    return f"cannot reach the service: {exc} — check the region, your network or that the local cloud runs"


def service_error_line(exc: Any, hint: str | None = None) -> str:
    """One line for an `oci.exceptions.ServiceError`: status, code, operation, message, what to do
    (`hint`, else one by code or status)."""
    given = hint is not None
    hint = hint or _HINTS_BY_CODE.get(str(exc.code)) or _HINTS_BY_STATUS.get(int(exc.status))
    if hint is None and int(exc.status) >= 500:
        hint = "the service failed; run again later"
    operation = f" on {exc.operation_name}" if exc.operation_name else ""
    message = " ".join(str(exc.message or "").split())
    line = f"{exc.status} {exc.code}{operation}: {message}"
    if (
        hint
        and not given
        and int(exc.status) == 404
        and str(getattr(exc, "target_service", "")).startswith("generative_ai")
    ):
        # Generative AI of another region answers 404 (or lists nothing): the likeliest cause in a
        # deployment whose bucket and Generative AI are in different regions.
        hint += ", and the Generative AI region (--genai-region, env MODEL_IMPORT_GENAI_REGION)"
    if hint:
        line += f" — {hint}"
    if exc.request_id and int(exc.status) >= 500:
        line += f" (opc-request-id {exc.request_id})"
    return line
