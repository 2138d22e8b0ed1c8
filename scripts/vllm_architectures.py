"""Regenerate `shared/data/vllm_architectures.json` from a named vLLM release.

The table answers one question for the pre-flight: does vLLM (the engine OCI's Open Model
Engine serves imported models with) register this architecture, and as what kind of model?
An architecture vLLM registers loads whether or not the project has a family module for it,
so it is never refused for being unknown to the family table. vLLM is never installed for
this: its sdist or wheel is fetched and `vllm/model_executor/models/registry.py` is read with
`ast` (the `_TEXT_GENERATION_MODELS`, `_EMBEDDING_MODELS`, `_CROSS_ENCODER_MODELS`,
`_MULTIMODAL_MODELS` and `_TRANSFORMERS_SUPPORTED_MODELS` dicts), so nothing of it runs and
nothing of it goes into the function image.

    pip download vllm==0.11.0 --no-deps -d /tmp/vllm
    python scripts/vllm_architectures.py /tmp/vllm/vllm-0.11.0-cp38-abi3-manylinux1_x86_64.whl

(`pip download vllm==0.11.0 --no-deps --no-binary :all:` fetches the 11 MB sdist but then
builds its metadata, which needs the CUDA build dependencies; the 438 MB wheel needs nothing.
The script reads either.)
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "shared" / "data" / "vllm_architectures.json"
REGISTRY = "vllm/model_executor/models/registry.py"
#: registry dict -> the kind recorded for its architectures
KINDS = {
    "_TEXT_GENERATION_MODELS": "text_generation",
    "_EMBEDDING_MODELS": "embedding",
    "_CROSS_ENCODER_MODELS": "cross_encoder",
    "_MULTIMODAL_MODELS": "multimodal",
    # registered to vLLM's Transformers backend: the kind follows the backend class they map to
    "_TRANSFORMERS_SUPPORTED_MODELS": "",
}
BACKEND_KINDS = {
    "TransformersForCausalLM": "text_generation",
    "TransformersForMultimodalLM": "multimodal",
    "TransformersModel": "embedding",
}

Registry = dict[str, tuple[str, str]]


class _Unsupported(ValueError):
    """registry.py uses a construct this reader does not evaluate: fail loudly, never guess."""


def _eval(node: ast.AST, env: dict[str, Any]) -> Any:
    """The few literal forms registry.py uses: dicts (with `**` of earlier dicts or of a dict
    comprehension over `NAME.items()` filtered by `==`/`!=`), tuples, strings, names bound here."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Tuple):
        return tuple(_eval(e, env) for e in node.elts)
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise _Unsupported(f"unknown name {node.id}")
        return env[node.id]
    if isinstance(node, ast.Dict):
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                out.update(_eval(value, env))
            else:
                out[_eval(key, env)] = _eval(value, env)
        return out
    if isinstance(node, ast.DictComp):
        return _dict_comp(node, env)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq | ast.NotEq):
        left, right = _eval(node.left, env), _eval(node.comparators[0], env)
        return (left == right) if isinstance(node.ops[0], ast.Eq) else (left != right)
    raise _Unsupported(f"{type(node).__name__} at line {getattr(node, 'lineno', '?')}")


def _bind(target: ast.AST, value: Any, env: dict[str, Any]) -> None:
    if isinstance(target, ast.Name):
        env[target.id] = value
    elif isinstance(target, ast.Tuple) and isinstance(value, tuple) and len(value) == len(target.elts):
        for t, v in zip(target.elts, value, strict=True):
            _bind(t, v, env)
    else:
        raise _Unsupported(f"comprehension target at line {getattr(target, 'lineno', '?')}")


def _dict_comp(node: ast.DictComp, env: dict[str, Any]) -> dict[Any, Any]:
    if len(node.generators) != 1:
        raise _Unsupported(f"nested comprehension at line {node.lineno}")
    gen = node.generators[0]
    it = gen.iter
    if not (
        isinstance(it, ast.Call)
        and isinstance(it.func, ast.Attribute)
        and it.func.attr == "items"
        and not it.args
    ):
        raise _Unsupported(f"comprehension over something other than NAME.items() at line {node.lineno}")
    source = _eval(it.func.value, env)
    out: dict[Any, Any] = {}
    for item in source.items():
        local = dict(env)
        _bind(gen.target, item, local)
        if all(_eval(cond, local) for cond in gen.ifs):
            out[_eval(node.key, local)] = _eval(node.value, local)
    return out


def registries(source: str) -> dict[str, Registry]:
    """Every module-level `_NAME = {...}` of registry.py that `KINDS` names, evaluated in order."""
    env: dict[str, Any] = {}
    for stmt in ast.parse(source).body:
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else None
        if not isinstance(target, ast.Name) or not isinstance(stmt, ast.Assign):
            continue
        name = target.id
        if name.endswith("_MODELS") and isinstance(stmt.value, ast.Dict):
            try:
                env[name] = _eval(stmt.value, env)
            except _Unsupported:
                if name in KINDS:
                    raise
    missing = [n for n in KINDS if n not in env]
    if missing:
        raise SystemExit(f"{REGISTRY} has no {', '.join(missing)}")
    return {name: env[name] for name in KINDS}


def _read(archive: Path) -> tuple[str, str]:
    """(version, registry.py source) from a vLLM wheel or sdist."""
    match = re.match(r"vllm-(\d[^-]*?)(?:-|\.tar\.gz$)", archive.name)
    if match is None:
        raise SystemExit(f"{archive.name} is not a vLLM wheel or sdist")
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            return match.group(1), zf.read(REGISTRY).decode()
    with tarfile.open(archive) as tf:
        member = next((m for m in tf.getmembers() if m.name.endswith("/" + REGISTRY)), None)
        handle = tf.extractfile(member) if member is not None else None
        if handle is None:
            raise SystemExit(f"{REGISTRY} not in {archive.name}")
        return match.group(1), handle.read().decode()


def build(archive: Path) -> dict[str, object]:
    version, source = _read(archive)
    kinds: dict[str, list[str]] = {}
    for dict_name, registry in registries(source).items():
        for arch, (_module, cls) in registry.items():
            kind = KINDS[dict_name] or BACKEND_KINDS.get(cls)
            if kind is None:
                raise SystemExit(f"{arch}: Transformers backend class {cls} of no known kind")
            if kind not in kinds.setdefault(arch, []):
                kinds[arch].append(kind)
    if len(kinds) < 100:
        raise SystemExit(f"registry not found in {archive.name}: {len(kinds)} architectures")
    return {
        "about": "Architectures vLLM registers, with the kind of model each is registered as "
        "(text_generation, embedding (pooling), cross_encoder (classification/scoring), "
        "multimodal); those of _TRANSFORMERS_SUPPORTED_MODELS by the Transformers backend class they map to. "
        "Generated by scripts/vllm_architectures.py from the named release; "
        "do not edit by hand.",
        "vllm_version": version,
        "source": f"{archive.name}: {REGISTRY} ({', '.join(KINDS)})",
        "regenerate": f"pip download vllm=={version} --no-deps -d /tmp/vllm && "
        f"python scripts/vllm_architectures.py /tmp/vllm/{archive.name}",
        "architectures": {arch: kinds[arch] for arch in sorted(kinds)},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("archive", type=Path, help="a vLLM wheel or sdist fetched with `pip download`")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    table = build(args.archive)
    args.out.write_text(json.dumps(table, indent=1) + "\n")
    archs = table["architectures"]
    assert isinstance(archs, dict)
    print(f"{args.out}: {len(archs)} architectures from vLLM {table['vllm_version']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
