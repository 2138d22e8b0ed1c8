"""Remove the oci SDK service packages the function does not use, at image build time.

    python3 oci_sdk_trim.py /python/oci oci-services.txt

The oci wheel is ~500 MiB, almost all of it one package per OCI service. The function calls
a handful; the keep-list (oci-services.txt) names them. The SDK's own `import oci` loads no
service package (on Python >= 3.7 `oci/__init__.py` imports a service lazily, on first
attribute access `oci.<service>`), so a removed service costs nothing until something asks
for it: the trim therefore refuses to run when a kept part of the SDK imports a service that
the keep-list lacks (oci.pagination imports oci.dns), and tests/test_image.py fails when the
project code does.

Standard library only: it runs in the build stage of the Dockerfile, before any project code.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path


def read_keep_list(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.add(name)
    return names


def sdk_services(oci_dir: Path) -> set[str]:
    """What the trim may remove: the service packages, as the SDK lists them (the names of
    `__all__` in oci/__init__.py that are folders of oci/; the rest of `__all__` is the core:
    auth, config, retry, ...), and the optional extras."""
    tree = ast.parse((oci_dir / "__init__.py").read_text(encoding="utf-8"))
    listed: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            value = node.value
            if isinstance(value, ast.List | ast.Tuple):
                listed |= {
                    e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                }
    core = {"auth", "circuit_breaker", "pagination", "retry", "_vendor"}
    services = {name for name in listed if (oci_dir / name).is_dir() and name not in core}
    # Two optional extras that no core module imports, each pulling in services of its own:
    # the Agent Development Kit (oci.addons: generative_ai_agent*) and client-side
    # encryption (oci.encryption: key_management). They go unless kept, like a service.
    return services | {name for name in EXTRAS if (oci_dir / name).is_dir()}


EXTRAS = ("addons", "encryption")


def referenced_services(source: str, package: str, services: Iterable[str]) -> set[str]:
    """The oci services a module's source imports or reaches as `oci.<service>`.

    `package` is the dotted package of the module (for relative imports inside the SDK,
    e.g. "oci.pagination"); "" for project code.
    """
    wanted = set(services)
    found: set[str] = set()

    def service_of(dotted: str) -> None:
        parts = dotted.split(".")
        if len(parts) >= 2 and parts[0] == "oci" and parts[1] in wanted:
            found.add(parts[1])

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                service_of(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            service_of(module)
            for alias in node.names:
                service_of(f"{module}.{alias.name}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "oci":
            service_of(f"oci.{node.attr}")
    return found


def _package_of(path: Path, root: Path) -> str:
    relative = path.relative_to(root.parent).with_suffix("")
    parts = list(relative.parts)
    return ".".join(parts if path.name == "__init__.py" else parts[:-1]).removesuffix(".__init__")


def sdk_needs(oci_dir: Path, keep: set[str], services: set[str]) -> dict[str, set[str]]:
    """For each file the trim keeps: the services it imports. Keys are paths relative to oci/."""
    removed = services - keep
    needs = {}
    for path in sorted(oci_dir.rglob("*.py")):
        top = path.relative_to(oci_dir).parts[0]
        if top in removed:
            continue
        if path == oci_dir / "__init__.py":
            # It names every service, but imports them only when lazy imports are disabled
            # (OCI_PYTHON_SDK_LAZY_IMPORTS_DISABLED=true, which the image must not set); by
            # default a service is imported on first use of oci.<service>.
            continue
        found = referenced_services(path.read_text(encoding="utf-8"), _package_of(path, oci_dir), services)
        if found:
            needs[str(path.relative_to(oci_dir))] = found
    return needs


def missing(oci_dir: Path, keep: set[str]) -> dict[str, set[str]]:
    """Kept files that import a service the keep-list lacks."""
    services = sdk_services(oci_dir)
    return {f: s - keep for f, s in sdk_needs(oci_dir, keep, services).items() if s - keep}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def trim(oci_dir: Path, keep: set[str]) -> list[str]:
    """Remove every service package not kept; returns the removed names."""
    services = sdk_services(oci_dir)
    unknown = keep - services
    if unknown:
        raise SystemExit(f"keep-list names no service of this SDK: {sorted(unknown)}")
    lacking = missing(oci_dir, keep)
    if lacking:
        lines = "\n".join(f"  {f}: {sorted(s)}" for f, s in sorted(lacking.items()))
        raise SystemExit(f"the SDK's kept code imports services the keep-list lacks:\n{lines}")
    removed = sorted(services - keep)
    for name in removed:
        shutil.rmtree(oci_dir / name)
    return removed


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    oci_dir, keep_file = Path(argv[1]), Path(argv[2])
    before = _size(oci_dir)
    removed = trim(oci_dir, read_keep_list(keep_file))
    after = _size(oci_dir)
    print(
        f"oci SDK trimmed: {len(removed)} service packages removed, "
        f"{before / 2**20:.0f} MiB -> {after / 2**20:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
