"""Service and configuration errors become one line that says what to do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import oci
import pytest

from cli.errors import explain, service_error_line
from cli.main import main


def service_error(
    status: int, code: str, message: str = "boom", op: str = "get_thing"
) -> oci.exceptions.ServiceError:
    return oci.exceptions.ServiceError(
        status, code, {"opc-request-id": "REQ123"}, message, operation_name=op, target_service="genai"
    )


def test_service_errors_name_status_code_operation_and_remedy() -> None:
    line = service_error_line(
        service_error(404, "NotAuthorizedOrNotFound", "not\nfound", "get_imported_model")
    )
    assert line == (
        "404 NotAuthorizedOrNotFound on get_imported_model: not found — "
        "check the OCID or name, the compartment and your policies"
    )
    assert "wait a moment" in service_error_line(service_error(429, "TooManyRequests"))
    assert "someone else changed it" in service_error_line(service_error(412, "NoEtagMatch"))
    five = service_error_line(service_error(503, "ServiceUnavailable"))
    assert "run again later" in five and "REQ123" in five
    assert explain(ValueError("x")) is None


def test_missing_config_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.delenv("MODEL_IMPORT_LOCALCLOUD", raising=False)
    monkeypatch.delenv("OCI_RESOURCE_PRINCIPAL_VERSION", raising=False)
    code = main(
        ["list", "--config-file", str(tmp_path / "nope"), "--compartment-id", "ocid1.compartment.oc1..x"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "--config-file" in err and "Traceback" not in err


def test_unreachable_service_is_one_line(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_IMPORT_MAX_ATTEMPTS", "1")  # the default retries for up to two minutes
    cli.handle.cloud.stop()
    res = cli("list")
    assert res.code == 1
    # the local cloud is checked before the first SDK call (cli/local_check.py): named, with how to start it
    assert res.err.startswith("error: the local cloud in ") and "does not answer" in res.err
    assert "model-import local up" in res.err and res.err.count("\n") == 1
