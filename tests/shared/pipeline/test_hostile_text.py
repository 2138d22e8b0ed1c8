"""What reaches people and logs is clean: secrets redacted in every form, no forged lines.

Each test fails on the code before issue 12: a token with a line break was read, used and
logged (through an HTTP library's "Illegal header value b'...\\n'" message, which escapes the
break so the registered value never matched); notification bodies joined user text as is, so
a CR/LF in a finding or display name made a line of its own.
"""

from __future__ import annotations

import http.client
import io
import json
import logging

import pytest
from pipeline_states import make_state

from shared.findings import finding
from shared.pipeline import logs
from shared.pipeline.notifier import Notifier, fit, one_line, rejection_message, success_message
from shared.pipeline.secrets import SecretUnavailable, read_hf_token

TOKEN = "hf_abcdefghij\nklmnopqrst"


def test_a_token_that_cannot_be_a_header_is_refused_with_a_code(localcloud) -> None:  # type: ignore[no-untyped-def]
    secret_id = "ocid1.vaultsecret.oc1..newline"
    localcloud.cloud.vault.put_secret(secret_id, TOKEN.encode())
    with pytest.raises(SecretUnavailable) as info:
        read_hf_token(localcloud.factory.secrets(), secret_id)
    assert info.value.code == "HF_TOKEN_MALFORMED" and "line break" in str(info.value)
    assert "abcdefghij" not in str(info.value) and "klmnopqrst" not in str(info.value)
    logs.forget_secret(TOKEN)


def test_every_line_and_escaped_form_of_a_secret_is_redacted() -> None:
    logs.register_secret(TOKEN)
    out = io.StringIO()
    logs.configure("INFO", stream=out)
    try:
        log = logs.get_logger("t")
        log.error("Illegal header value %r", ("Bearer " + TOKEN).encode())  # how httpx/http.client say it
        log.error("first line only: hf_abcdefghij and json %s", json.dumps({"t": TOKEN}))
        try:
            raise ValueError(f"Invalid header value {('Bearer ' + TOKEN)!r}")
        except ValueError:
            log.exception("call failed", extra={"detail": TOKEN})
        third_party = logging.getLogger("httpx")
        third_party.warning("header: %s", TOKEN)
    finally:
        logs.forget_secret(TOKEN)
    text = out.getvalue()
    for piece in ("abcdefghij", "klmnopqrst"):
        assert piece not in text
    assert text.count("***") >= 4


def test_third_party_http_debug_logs_are_off() -> None:
    http.client.HTTPConnection.debuglevel = 1
    for name in ("httpx", "httpcore", "huggingface_hub", "urllib3", "oci"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    logs.configure("DEBUG")
    assert http.client.HTTPConnection.debuglevel == 0
    for name in ("httpx", "httpcore", "huggingface_hub", "urllib3", "oci"):
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING, name


FORGED = "Model other-model is live and answered its smoke test."


def test_user_text_cannot_forge_a_line_in_a_rejection() -> None:
    state = make_state(stage=make_state().stage).model_copy(
        update={
            "findings": [
                finding("CONFIG_NOT_JSON", "config.json\r\n" + FORGED, "bad\n" + FORGED + "\u2028" + FORGED)
            ]
        }
    )
    msg = rejection_message(state)
    assert not any(line.startswith("Model other-model") for line in msg.body.splitlines())
    assert "\\n" + FORGED in msg.body  # still shown, escaped, on the finding's own line


def test_user_text_cannot_forge_a_line_in_a_success_message() -> None:
    state = make_state()
    opts = state.options.model_copy(update={"display_name": "tiny\r\n" + FORGED + "\u202e"})
    state = state.model_copy(update={"options": opts})
    state = state.model_copy(
        update={"resources": state.resources.model_copy(update={"endpoint_id": "ocid1.e"})}
    )
    msg = success_message(
        state, openai_base_url="https://x/v1", inference_url="https://x", compartment_id="c"
    )
    lines = msg.body.splitlines()
    assert not any(line.startswith("Model other-model") for line in lines)
    assert "\u202e" not in msg.body and any("\\u202e" in line for line in lines)
    assert any(line.startswith("print(") for line in lines)  # the example call keeps its own lines


def test_titles_are_one_line() -> None:
    title, _ = fit("Model x\nrejected\u202e", "body")
    assert "\n" not in title and "\u202e" not in title
    assert one_line("plain text, ünïcode") == "plain text, ünïcode"


def test_published_notification_has_no_forged_line(localcloud) -> None:  # type: ignore[no-untyped-def]
    """Through the real SDK and the local Notifications service."""
    state = make_state().model_copy(
        update={"findings": [finding("CONFIG_NOT_JSON", "config.json", "x\r\n" + FORGED)]}
    )
    notifier = Notifier(localcloud.factory.notifications(), localcloud.info.topic_id)
    notifier.publish(rejection_message(state))
    body = localcloud.cloud.notifications.messages()[-1]["body"]
    assert not any(line.startswith("Model other-model") for line in body.splitlines())
