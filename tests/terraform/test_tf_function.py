"""The function gets every setting of the contract as configuration, and the module's defaults
are settings the function itself accepts."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from tfmodel import MODULE_DIR, REPO, load_dir, unwrap

from shared.settings import SETTINGS_DOC, Settings, SettingsError

# Values of the references that only exist after apply.
APPLY_TIME = {
    "local.genai_compartment_id": "ocid1.compartment.oc1..aaaagenai",
    "oci_objectstorage_bucket.models.name": "model-import-models",
    "oci_objectstorage_bucket.state.name": "model-import-state",
    "oci_ons_notification_topic.notifications.id": "ocid1.onstopic.oc1.us-chicago-1.aaaatopic",
    "local.namespace": "mytenancy",
    "local.hf_token_secret_id": None,
}


def _module():  # type: ignore[no-untyped-def]
    return load_dir(MODULE_DIR)


def _default(name: str) -> Any:
    body = _module().variables[name]
    if name == "stage_deadline_minutes":
        # object({validate = optional(number, 30), ...}) with default {}: the optional() defaults apply.
        return {k: int(v) for k, v in re.findall(r"(\w+) = optional\(number, (\d+)\)", body["type"])}
    return body.get("default")


def _evaluate(expression: str) -> str | None:
    """The configuration value Terraform would compute from the variables' defaults.

    Knows exactly the expression shapes locals.function_config_all uses; a new shape fails here
    and must be taught, rather than silently passing."""
    expr = unwrap(expression)
    if expr in APPLY_TIME:
        return APPLY_TIME[expr]
    if m := re.fullmatch(r"(?:var|local\.given)\.(\w+)", expr):
        value = _default(m[1])
        return None if value is None else str(value)
    if m := re.fullmatch(
        r"local\.given\.(\w+) == null \? null : tostring\(tonumber\(local\.given\.\1\)\)", expr
    ):
        value = _default(m[1])
        return None if value in (None, "") else str(float(value)).removesuffix(".0")
    if m := re.fullmatch(r"tostring\(var\.(\w+)\)", expr):
        return str(_default(m[1]))
    if m := re.fullmatch(r"tostring\(var\.(\w+)\.(\w+)\)", expr):
        return str(_default(m[1])[m[2]])
    if m := re.fullmatch(r"var\.(\w+) == null \? null : tostring\(var\.\1\)", expr):
        value = _default(m[1])
        return None if value is None else str(value)
    if m := re.fullmatch(r'join\(",", var\.(\w+)\)', expr):
        return ",".join(_default(m[1]))
    if m := re.fullmatch(r'var\.(\w+) \? "true" : "false"', expr):
        return "true" if _default(m[1]) else "false"
    raise AssertionError(f"the test cannot evaluate {expr!r}: teach _evaluate this shape")


def test_function_config_has_every_setting_of_the_contract() -> None:
    config = _module().locals["function_config_all"]
    missing, unknown = sorted(set(SETTINGS_DOC) - set(config)), sorted(set(config) - set(SETTINGS_DOC))
    assert not missing and not unknown, f"function config lacks settings {missing}, has unknown {unknown}"
    assert _module().locals["function_config"] == (
        '${{for key, value in local.function_config_all : key => value if value != null && value != ""}}'
    )
    assert _module().resource("oci_functions_function", "pipeline")["config"] == "${local.function_config}"


def test_the_default_configuration_is_accepted_by_the_function() -> None:
    config = {key: _evaluate(value) for key, value in _module().locals["function_config_all"].items()}
    env = {key: value for key, value in config.items() if value not in (None, "")}
    settings = Settings.from_env(env)
    assert settings.bucket_name == "model-import-models"
    assert settings.state_bucket_name == "model-import-state"
    assert settings.max_ai_units_per_import == _default("max_ai_units_per_import")
    assert settings.poll_seconds == _default("poll_seconds")
    assert settings.trigger_on_config is False
    # OCI caps the configuration at 4 KB of keys and values.
    assert sum(len(k) + len(v) for k, v in env.items()) < 4096


def test_a_bad_setting_in_the_module_defaults_would_be_caught() -> None:
    config = {key: _evaluate(value) for key, value in _module().locals["function_config_all"].items()}
    env = {key: value for key, value in config.items() if value not in (None, "")}
    env["FAILURE_POLICY"] = "shred"
    with pytest.raises(SettingsError, match="FAILURE_POLICY"):
        Settings.from_env(env)


def test_memory_and_timeout_limits() -> None:
    variables = _module().variables
    assert variables["function_memory_mb"]["default"] == 256
    memory_rule = variables["function_memory_mb"]["validation"][0]["condition"]
    assert "[128, 256, 512, 1024, 2048, 3072]" in memory_rule
    assert variables["function_timeout_seconds"]["default"] == 300
    assert (
        "var.function_timeout_seconds <= 300"
        in variables["function_timeout_seconds"]["validation"][0]["condition"]
    )
    function = _module().resource("oci_functions_function", "pipeline")
    assert function["memory_in_mbs"] == "${var.function_memory_mb}"
    assert function["timeout_in_seconds"] == "${var.function_timeout_seconds}"
    assert function["image"] == "${var.function_image}"


def test_defaults_agree_with_func_yaml() -> None:
    path = REPO / "func.yaml"
    if not path.exists():
        pytest.skip("func.yaml (the pipeline's image definition) is not in the repository yet")
    func = yaml.safe_load(path.read_text(encoding="utf-8"))
    variables = _module().variables
    if "memory" in func:
        assert func["memory"] == variables["function_memory_mb"]["default"]
    if "timeout" in func:
        assert func["timeout"] == variables["function_timeout_seconds"]["default"] <= 300
    assert "functions/func.py" in str(func.get("entrypoint", "")) or func.get("runtime", "").startswith(
        "python"
    )
