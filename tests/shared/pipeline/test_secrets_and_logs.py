"""The Hub token: read from the local Vault, never printed by our logs or the SDK's."""

from __future__ import annotations

import io
import json
import logging

import pytest

from shared.pipeline import logs
from shared.pipeline.secrets import SecretUnavailable, read_hf_token


def test_token_comes_from_vault_and_is_redacted_everywhere(localcloud) -> None:  # type: ignore[no-untyped-def]
    token = read_hf_token(localcloud.factory.secrets(), localcloud.info.hf_token_secret_id)
    assert token.startswith("hf_")
    out = io.StringIO()
    logs.configure("DEBUG", stream=out)
    with logs.bound(import_id="tiny-1", event_id="ev-1"):
        logs.get_logger("t").info("calling with %s", token, extra={"body": f'{{"accessToken": "{token}"}}'})
    line = json.loads(out.getvalue().splitlines()[0])
    assert token not in out.getvalue()
    assert line["import_id"] == "tiny-1" and line["event_id"] == "ev-1"
    assert line["msg"] == "calling with ***"
    logs.forget_secret(token)


def test_sdk_debug_logging_cannot_print_the_token() -> None:
    logs.register_secret("hf_supersecretvalue")
    logs.configure("INFO")
    sdk = logging.getLogger("oci.base_client.4242")  # the SDK's per-client logger under log_requests
    sdk.setLevel(logging.DEBUG)
    seen = io.StringIO()
    handler = logging.StreamHandler(seen)  # a handler added afterwards, with no filter of ours
    sdk.addHandler(handler)
    try:
        sdk.debug("Request body: %s", '{"accessToken": "hf_supersecretvalue"}')
        sdk.debug("and in the message itself: hf_supersecretvalue")
    finally:
        sdk.removeHandler(handler)
        logs.forget_secret("hf_supersecretvalue")
    assert seen.getvalue().count("***") == 2
    assert "hf_supersecretvalue" not in seen.getvalue()
    assert logging.getLogger("oci").getEffectiveLevel() >= logging.WARNING


def test_missing_secret_is_a_clear_error(localcloud) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SecretUnavailable, match=r"ocid1\.vaultsecret\.oc1\.\.missing"):
        read_hf_token(localcloud.factory.secrets(), "ocid1.vaultsecret.oc1..missing")
