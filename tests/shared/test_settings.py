from __future__ import annotations

import pytest

from shared.settings import SETTINGS_DOC, FailurePolicy, Settings, SettingsError

REQUIRED = {
    "COMPARTMENT_ID": "ocid1.compartment.oc1..x",
    "BUCKET_NAME": "drop",
    "STATE_BUCKET_NAME": "drop-state",
    "TOPIC_ID": "ocid1.onstopic.oc1..t",
}


def test_defaults_are_safe() -> None:
    s = Settings.from_env(REQUIRED)
    assert s.failure_policy is FailurePolicy.DELETE
    assert s.poll_seconds < 300  # below the OCI Functions limit
    assert s.ai_unit_price_per_hour is None  # no invented price
    assert s.trigger_on_config is False
    assert "H200_X8" in s.usable_shapes


def test_one_error_names_everything_missing_or_bad() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env(
            {"POLL_SECONDS": "301", "FAILURE_POLICY": "shrug", "ALLOWED_SHAPES": "A10_X1,B200_X8"}
        )
    text = str(info.value)
    for key in (
        "COMPARTMENT_ID",
        "BUCKET_NAME",
        "STATE_BUCKET_NAME",
        "TOPIC_ID",
        "POLL_SECONDS",
        "FAILURE_POLICY",
        "B200_X8",
    ):
        assert key in text


def test_values_are_typed() -> None:
    s = Settings.from_env(
        {
            **REQUIRED,
            "AI_UNIT_PRICE_PER_HOUR": "2.5",
            "ALLOWED_SHAPES": "A10_X1, H100_X1",
            "TRIGGER_ON_CONFIG": "true",
        }
    )
    assert s.ai_unit_price_per_hour == 2.5
    assert s.usable_shapes == ("A10_X1", "H100_X1")
    assert s.trigger_on_config is True


def test_empty_values_mean_unset() -> None:
    s = Settings.from_env({**REQUIRED, "AI_UNIT_PRICE_PER_HOUR": "", "HF_TOKEN_SECRET_ID": ""})
    assert s.ai_unit_price_per_hour is None and s.hf_token_secret_id is None


def test_every_setting_is_documented() -> None:
    assert set(SETTINGS_DOC) == {name.upper() for name in Settings.model_fields}


def test_the_state_bucket_is_never_the_watched_bucket() -> None:
    """Uploaders write the watched bucket: state and ledger there would let them steer the function."""
    with pytest.raises(SettingsError, match="STATE_BUCKET_NAME must name another bucket than BUCKET_NAME"):
        Settings.from_env({**REQUIRED, "STATE_BUCKET_NAME": REQUIRED["BUCKET_NAME"]})
