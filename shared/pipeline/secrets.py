"""The Hugging Face token, read from OCI Vault when needed and held only in memory.

It goes to exactly one place: the `accessToken` of the create-imported-model request
body (and the Hub API calls of validation). It is registered with the log redactor the
moment it is read, so no log line can carry it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import oci

from shared.pipeline import logs


class SecretUnavailable(Exception):
    """The secret cannot be read and asking again will not change that; says why, never what it holds."""

    def __init__(self, message: str, code: str = "HF_TOKEN_UNAVAILABLE") -> None:
        super().__init__(message)
        self.code = code


# Answers that stay the same however often we ask: a wrong OCID, a missing policy, a bad request.
# Anything else (429, 5xx) and connection errors propagate: the invocation is retried and the
# stage deadline decides when to give up.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404})


def read_hf_token(secrets_client: Any, secret_id: str) -> str:
    """The current version of the secret, decoded from base64 and stripped."""
    try:
        bundle = secrets_client.get_secret_bundle(secret_id).data
    except oci.exceptions.ServiceError as exc:
        if exc.status not in PERMANENT_STATUSES:
            raise
        raise SecretUnavailable(f"Vault secret {secret_id}: {exc.status} {exc.code}") from None
    content = getattr(bundle.secret_bundle_content, "content", None)
    if not content:
        raise SecretUnavailable(f"Vault secret {secret_id} has no content")
    try:
        token = base64.b64decode(content, validate=True).decode("utf-8").strip()
    except (binascii.Error, UnicodeDecodeError):
        raise SecretUnavailable(f"Vault secret {secret_id} is not base64 text") from None
    if not token:
        raise SecretUnavailable(f"Vault secret {secret_id} is empty")
    logs.register_secret(token)  # before any check: not even a refusal may print it
    bad = header_unsafe(token)
    if bad is not None:
        raise SecretUnavailable(
            f"Vault secret {secret_id} cannot be sent as an HTTP header value: {bad}",
            code="HF_TOKEN_MALFORMED",
        )
    return token


# Longer than any token: Hub tokens are 37 characters (`hf_` and 34 letters). The limits further on
# are the HTTP stacks' header sizes (8 KB is a common server default for all headers together) and
# the Generative AI API's access token field (the local cloud enforces 4,096 characters, so a longer
# token passed VALIDATING and failed at IMPORTING with OCI_API_ERROR). 1,024 stays under all of them.
HF_TOKEN_MAX_CHARS = 1024


def header_unsafe(token: str) -> str | None:
    """Why `token` cannot go in an `Authorization: Bearer` header, never quoting it; None if it can.

    A header value is visible ASCII, spaces and tabs (RFC 9110, section 5.5); a line break
    inside would end the header, and the HTTP library's refusal quotes the whole value. A
    token (Hub tokens are `hf_` and letters) has no reason to hold a space either.
    """
    if len(token) > HF_TOKEN_MAX_CHARS:
        return (
            f"it is {len(token)} characters; a Hugging Face token is about 37 (hf_ and 34 letters), "
            f"and more than {HF_TOKEN_MAX_CHARS} is refused"
        )
    for i, ch in enumerate(token):
        if not 0x21 <= ord(ch) <= 0x7E:
            what = {"\n": "a line break", "\r": "a carriage return", " ": "a space", "\t": "a tab"}.get(
                ch, f"the character U+{ord(ch):04X}"
            )
            return f"{what} at character {i + 1} of {len(token)}"
    return None
