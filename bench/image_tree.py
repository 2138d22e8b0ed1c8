"""The function image's Python tree, before and after the oci SDK trim: size, cold import time
and peak RSS. Prints JSON.

There is no Docker daemon here, so the tree is laid out as the Dockerfile lays it, under a
work folder in /tmp: `pip install --target <work>/full/python -r requirements.txt` (the build
stage), shared/, events/ and functions/ copied to <work>/function, and a copy of the tree
trimmed by image/oci_sdk_trim.py with image/oci-services.txt. Each measurement runs a fresh
interpreter with -S (no site-packages: only the standard library and the tree, as in the image)
and PYTHONPATH=<function>:<python>, as the image's ENV does.

    python bench/image_tree.py [--work /tmp/model-import-image] [--reuse] [--runs 5]

--reuse keeps an existing <work>/full tree instead of installing again (pip needs PyPI).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "image"))

import oci_sdk_trim  # noqa: E402  (image/ is not a package: it is copied into the build stage alone)

CORE = ("shared", "events", "functions")

# Runs inside the measured interpreter: import every module of the core (what an invocation may
# load: the entry point, every stage, the sweep), then reach each oci service the code uses the
# way shared/clients.py does (attribute access on `oci`, imported lazily).
PROBE = r"""
import importlib, json, pkgutil, resource, sys, time
services = sys.argv[1].split(",")
started = time.perf_counter()
import functions.func
for package in ("shared", "events", "functions"):
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
import oci
clients = {s: sorted(n for n in dir(getattr(oci, s)) if n.endswith("Client")) for s in services}
seconds = time.perf_counter() - started
print(json.dumps({
    "import_seconds": seconds,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "oci_services_loaded": sorted(
        m.split(".")[1] for m in sys.modules
        if m.count(".") == 1 and m.startswith("oci.") and m.split(".")[1] in set(oci_sdk_trim_services)
    ),
    "clients": clients,
}))
"""


def _mib(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def _python() -> str:
    # The interpreter behind the venv: with -S it sees no site-packages at all.
    return os.path.realpath(sys.executable)


def project_services(services: set[str]) -> set[str]:
    found: set[str] = set()
    for package in CORE:
        for path in (ROOT / package).rglob("*.py"):
            found |= oci_sdk_trim.referenced_services(path.read_text(encoding="utf-8"), "", services)
    return found


def measure(
    function_dir: Path, python_dir: Path, services: set[str], all_services: set[str], runs: int
) -> dict[str, Any]:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{function_dir}:{python_dir}"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    probe = f"oci_sdk_trim_services = {sorted(all_services)!r}\n" + PROBE
    samples = []
    for _ in range(runs + 1):  # the first run warms the page cache and writes no bytecode
        out = subprocess.run(
            [_python(), "-S", "-c", probe, ",".join(sorted(services))],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        samples.append(json.loads(out.stdout))
    samples = samples[1:]
    return {
        "size_mib": _mib(python_dir),
        "oci_sdk_mib": _mib(python_dir / "oci"),
        "files": sum(1 for p in python_dir.rglob("*") if p.is_file()),
        "import_seconds_median": round(statistics.median(s["import_seconds"] for s in samples), 3),
        "peak_rss_mib_median": round(statistics.median(s["peak_rss_mib"] for s in samples), 1),
        "oci_services_loaded": samples[0]["oci_services_loaded"],
        "clients_reached": samples[0]["clients"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/model-import-image"))
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    work: Path = args.work
    full, trimmed, function = work / "full" / "python", work / "trimmed" / "python", work / "function"

    if not (args.reuse and full.is_dir()):
        shutil.rmtree(work / "full", ignore_errors=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--no-cache-dir",
                "--target",
                str(full),
                "-r",
                str(ROOT / "requirements.txt"),
            ],
            check=True,
        )
    shutil.rmtree(function, ignore_errors=True)
    for package in CORE:
        shutil.copytree(ROOT / package, function / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.rmtree(work / "trimmed", ignore_errors=True)
    shutil.copytree(full, trimmed, symlinks=True)
    keep = oci_sdk_trim.read_keep_list(ROOT / "image" / "oci-services.txt")
    all_services = oci_sdk_trim.sdk_services(full / "oci")
    removed = oci_sdk_trim.trim(trimmed / "oci", keep)
    used = project_services(all_services)

    before = measure(function, full, used, all_services, args.runs)
    after = measure(function, trimmed, used, all_services, args.runs)
    print(
        json.dumps(
            {
                "work": str(work),
                "requirements": [
                    line
                    for line in (ROOT / "requirements.txt").read_text().splitlines()
                    if line and line[0] != "#"
                ],
                "kept_services": sorted(keep),
                "services_the_code_uses": sorted(used),
                "removed_packages": len(removed),
                "runs": args.runs,
                "before": before,
                "after": after,
                "saved_mib": round(before["size_mib"] - after["size_mib"], 1),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
