"""Every pre-flight case of ../shared/cases/preflight gives its expected verdict (issue 11).

The project builds its own equivalent of each case (preflight_cases.py), so the cases are
tested on a clean clone where ../shared is absent; where the shared folder exists, its own
script is run too, against the installed `model-import` command.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from shared.inspection import LocalFolderSource, inspect_artifacts
from tests.shared.inspection.preflight_cases import CASES, mismatches

SHARED_CASES = Path(__file__).resolve().parents[3].parent / "shared" / "cases" / "preflight"


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case_gives_its_expected_verdict(case_id: str, tmp_path: Path) -> None:
    build, expected = CASES[case_id]
    build(tmp_path)
    doc = inspect_artifacts(LocalFolderSource(tmp_path)).to_json_dict()
    assert mismatches(doc, expected) == [], [(f["code"], f["message"]) for f in doc["findings"]]


def test_the_kinds_are_named_for_what_they_are(tmp_path: Path) -> None:
    """Beyond the verdicts: each case's finding names the fault, and nothing misleads."""
    codes = {}
    for case_id in ("RW01", "RW01b", "RW02", "RW04", "RW05", "RW09", "RW12", "RW14", "RW17", "RW18"):
        CASES[case_id][0](tmp_path / case_id)
        codes[case_id] = set(inspect_artifacts(LocalFolderSource(tmp_path / case_id)).codes())
    assert "PEFT_ADAPTER" in codes["RW01"] and "PEFT_ADAPTER" in codes["RW01b"]
    assert "MISTRAL_NATIVE_LAYOUT" in codes["RW02"] and "WEIGHTS_MISSING" not in codes["RW02"]
    assert "GGUF_WEIGHTS" in codes["RW04"]
    assert "MODEL_IN_SUBFOLDER" in codes["RW05"] and "TOKENIZER_MISSING" not in codes["RW05"]
    assert "SAFETENSORS_UNLISTED" in codes["RW09"] and "INDEX_SHARD_UNLISTED" not in codes["RW09"]
    assert "WEIGHTS_TENSOR_MISSING" in codes["RW12"]
    assert "LM_HEAD_UNUSED" in codes["RW14"]
    assert {"QUANTIZATION_UNSUPPORTED", "WEIGHTS_FOREIGN_TENSOR"} <= codes["RW17"]
    assert "FOREIGN_FILES_UNUSED" in codes["RW18"]


@pytest.mark.skipif(not SHARED_CASES.is_dir(), reason=f"{SHARED_CASES} is absent (a clone without ../shared)")
def test_the_shared_script_passes_every_case(tmp_path: Path) -> None:
    cli = Path(sys.executable).parent / "model-import"
    proc = subprocess.run(
        [sys.executable, str(SHARED_CASES / "make_cases.py"), str(tmp_path), "--check", str(cli)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 differ" in proc.stdout


def test_the_notification_and_inspect_output_name_the_new_findings_with_their_remedy(tmp_path: Path) -> None:
    from cli.commands.inspect import print_report
    from shared.contract.state import Stage
    from shared.pipeline.notifier import rejection_message
    from tests.shared.pipeline.pipeline_states import make_state

    CASES["RW01b"][0](tmp_path)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    state = make_state(stage=Stage.REJECTED).model_copy(update={"findings": report.findings})
    message = rejection_message(state)
    assert "PEFT_ADAPTER" in message.title and "merge_and_unload()" in message.body
    out = io.StringIO()
    print_report(report, out)
    assert "PEFT_ADAPTER" in out.getvalue() and "what to do: Merge the adapter" in out.getvalue()
