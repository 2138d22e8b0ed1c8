"""The function image, checked without a Docker daemon: the oci SDK keep-list covers every
service the function imports, the trim refuses a keep-list the SDK itself needs more than,
the Dockerfile trims, makes its files readable by the runtime's uid and keeps lazy service
imports, and .dockerignore (read by Docker's own matcher, docker-py's exclude_paths) sends
only what the Dockerfile copies. bench/image_tree.py measures the trimmed tree."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import oci
import pytest
from docker.utils.build import exclude_paths
from dockerfile_parse import DockerfileParser
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "image"))

import oci_sdk_trim  # noqa: E402  (image/ is copied alone into the build stage, not a package)

CORE = ("shared", "events", "functions")
KEEP_FILE = ROOT / "image" / "oci-services.txt"
SDK = Path(oci.__file__).parent


def _keep() -> set[str]:
    return oci_sdk_trim.read_keep_list(KEEP_FILE)


def _services() -> set[str]:
    return oci_sdk_trim.sdk_services(SDK)


def _project_services() -> dict[str, set[str]]:
    found = {}
    for package in CORE:
        for path in sorted((ROOT / package).rglob("*.py")):
            used = oci_sdk_trim.referenced_services(path.read_text(encoding="utf-8"), "", _services())
            if used:
                found[str(path.relative_to(ROOT))] = used
    return found


def test_keep_list_covers_every_service_the_function_imports() -> None:
    lacking = {f: s - _keep() for f, s in _project_services().items() if s - _keep()}
    assert lacking == {}, f"add these services to {KEEP_FILE.relative_to(ROOT)}: {lacking}"
    # Sanity: the scan does find the services the pipeline is known to call.
    assert set().union(*_project_services().values()) >= {"generative_ai", "object_storage", "ons"}


def test_keep_list_names_only_services_of_the_sdk_and_keeps_limits() -> None:
    assert _keep() <= _services()
    # Another stage reads service limits before it creates a cluster (oci.limits).
    assert "limits" in _keep()


def test_the_scan_sees_every_import_form() -> None:
    source = (
        "import oci\nimport oci.dns\nfrom oci.identity import IdentityClient\nfrom oci import limits\n"
        "x = oci.vault.VaultsClient\nfrom oci.exceptions import ServiceError\nimport ocid\n"
    )
    assert oci_sdk_trim.referenced_services(source, "", _services()) == {"dns", "identity", "limits", "vault"}
    # Relative imports inside the SDK: oci/pagination/pagination_utils.py does `from .. import dns`.
    assert oci_sdk_trim.referenced_services("from .. import dns\n", "oci.pagination", _services()) == {"dns"}


def test_keep_list_is_closed_over_the_kept_sdk() -> None:
    assert oci_sdk_trim.missing(SDK, _keep()) == {}
    # Without dns, oci.pagination (imported by `import oci`) would fail in the image.
    assert oci_sdk_trim.missing(SDK, _keep() - {"dns"}) == {"pagination/pagination_utils.py": {"dns"}}


def _fake_sdk(root: Path) -> Path:
    sdk = root / "oci"
    (sdk / "pagination").mkdir(parents=True)
    (sdk / "__init__.py").write_text(
        "from . import auth, pagination\n__all__ = ['auth', 'pagination', 'dns', 'ons', 'identity']\n"
        "from . import dns, ons, identity\n"
    )
    (sdk / "pagination" / "__init__.py").write_text("from .. import dns\n")
    for name in ("auth", "dns", "ons", "identity"):
        (sdk / name).mkdir()
        (sdk / name / "__init__.py").write_text("")
    return sdk


def test_trim_removes_only_unkept_services(tmp_path: Path) -> None:
    sdk = _fake_sdk(tmp_path)
    assert oci_sdk_trim.trim(sdk, {"dns", "ons"}) == ["identity"]
    assert sorted(p.name for p in sdk.iterdir() if p.is_dir()) == ["auth", "dns", "ons", "pagination"]


def test_trim_refuses_a_keep_list_the_sdk_needs_more_than(tmp_path: Path) -> None:
    sdk = _fake_sdk(tmp_path)
    with pytest.raises(SystemExit, match="pagination"):
        oci_sdk_trim.trim(sdk, {"ons"})
    with pytest.raises(SystemExit, match="no service"):
        oci_sdk_trim.trim(sdk, {"dns", "ons", "nosuch"})
    assert (sdk / "identity").is_dir(), "a refused trim removes nothing"


def _stages() -> list[list[dict[str, str]]]:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    stages: list[list[dict[str, str]]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages and instruction["instruction"] != "COMMENT":
            stages[-1].append(instruction)
    return stages


def test_dockerfile_trims_the_sdk_in_the_build_stage() -> None:
    build, _ = _stages()
    runs = [i["value"] for i in build if i["instruction"] == "RUN"]
    trim = [r for r in runs if "oci_sdk_trim.py" in r]
    assert trim, "the build stage must trim the oci SDK"
    assert "/python/oci image/oci-services.txt" in trim[0]
    assert trim[0].index("pip3 install --target /python/") < trim[0].index("oci_sdk_trim.py")


def test_dockerfile_makes_everything_readable_by_the_runtime_user() -> None:
    _, final = _stages()
    kinds = [i["instruction"] for i in final]
    chmods = [n for n, i in enumerate(final) if i["instruction"] == "RUN" and "chmod -R o+r" in i["value"]]
    assert chmods, "OCI Functions runs as a uid that owns no file: chmod -R o+r as the Fn CLI does"
    (index,) = chmods
    assert {"/python", "/function"} <= set(final[index]["value"].split())
    last_copy = max(n for n, kind in enumerate(kinds) if kind == "COPY")
    assert index > last_copy, "the chmod must come after every COPY"


def test_dockerfile_keeps_lazy_service_imports_and_matches_func_yaml() -> None:
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    env = {}
    for instruction in parser.structure:
        if instruction["instruction"] == "ENV":
            key, _, value = instruction["value"].partition("=")
            env[key] = value
    # A removed service would be imported at `import oci` if lazy imports were disabled.
    assert env.get("OCI_PYTHON_SDK_LAZY_IMPORTS_DISABLED", "False").lower() != "true"
    assert env["PYTHONPATH"] == "/function:/python"
    entrypoint = next(i["value"] for i in parser.structure if i["instruction"] == "ENTRYPOINT")
    func_yaml = (ROOT / "func.yaml").read_text()
    assert '"/python/bin/fdk", "/function/functions/func.py", "handler"' in entrypoint
    assert "entrypoint: /python/bin/fdk /function/functions/func.py handler" in func_yaml


def _dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def _context(root: Path) -> set[str]:
    return {
        p for p in exclude_paths(str(root), _dockerignore(), dockerfile="Dockerfile") if (root / p).is_file()
    }


def test_dockerignore_sends_what_the_dockerfile_copies_and_nothing_else(tmp_path: Path) -> None:
    files = [
        "requirements.txt",
        "Dockerfile",
        "image/oci-services.txt",
        "image/oci_sdk_trim.py",
        "shared/settings.py",
        "shared/data/unit-shapes.csv",
        "events/rules/object-written.json",
        "functions/func.py",
        # Left out:
        ".venv/lib/python3.11/site-packages/oci/__init__.py",
        ".venv-checkov/bin/checkov",
        ".git/HEAD",
        "tests/test_image.py",
        "cli/main.py",
        "localcloud/server.py",
        "terraform/main.tf",
        "shared/__pycache__/settings.cpython-311.pyc",
        "functions/sub/__pycache__/x.cpython-311.pyc",
        ".localcloud/state.json",
    ]
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / ".dockerignore").write_text((ROOT / ".dockerignore").read_text())
    assert _context(tmp_path) == {
        ".dockerignore",
        "Dockerfile",
        "requirements.txt",
        "image/oci-services.txt",
        "image/oci_sdk_trim.py",
        "shared/settings.py",
        "shared/data/unit-shapes.csv",
        "events/rules/object-written.json",
        "functions/func.py",
    }


def test_every_path_the_dockerfile_copies_from_the_context_is_sent() -> None:
    context = _context(ROOT)
    parser = DockerfileParser(path=str(ROOT / "Dockerfile"))
    for instruction in parser.structure:
        if instruction["instruction"] != "COPY" or "--from" in instruction["value"]:
            continue
        sources = instruction["value"].split()[:-1]
        for source in sources:
            source = source.rstrip("/")
            if (ROOT / source).is_dir():
                tracked = {str(p.relative_to(ROOT)) for p in (ROOT / source).rglob("*.py")}
                assert tracked and tracked <= context, f"{source}: {sorted(tracked - context)[:5]}"
            else:
                assert source in context, source
    # The repository's real context is small (the .venv alone is ~750 MB).
    assert sum((ROOT / p).stat().st_size for p in context) < 5 * 2**20


def test_build_backend_supports_the_license_string() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(pyproject["project"]["license"], str)
    # A plain SPDX `license` string (PEP 639) needs setuptools >= 77.
    (setuptools,) = [
        Requirement(r) for r in pyproject["build-system"]["requires"] if r.startswith("setuptools")
    ]
    assert "76.9" not in setuptools.specifier and "77.0" in setuptools.specifier
