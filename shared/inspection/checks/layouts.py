"""Folders that are something other than a Hugging Face model, named for what they are.

OCI imports the Hugging Face layout (config.json at the top, docs manage-imported-models.htm,
`../shared/reference/oci-genai.md` 4.3) and serves it with vLLM or SGLang. Four other layouts
are uploaded by mistake often enough to deserve their own finding and remedy:

- a PEFT adapter (`adapter_config.json`, `adapter_model.safetensors`): what trainers such as
  TRL and AutoTrain save; it has to be merged into the base model first;
- Mistral's native format (`params.json`, `consolidated*.safetensors`, `tekken.json`): vLLM
  loads it only with `--config-format/--load-format mistral`, which an import cannot pass;
- GGUF files (llama.cpp's format);
- a model one folder down (an archive or prefix one level too high).

Beside a complete Hugging Face model these files are unused (the engines read config.json and
the safetensors the index names), so they are a warning there, not an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.findings import Finding, finding
from shared.inspection.sources.base import FileEntry

ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors", "adapter_model.bin")
MISTRAL_NATIVE_FILES = ("params.json", "tekken.json")


def is_adapter_weights(name: str) -> bool:
    return name.startswith("adapter_model.")


def is_mistral_native_weights(name: str) -> bool:
    return name.startswith("consolidated") and name.endswith(".safetensors")


@dataclass(frozen=True)
class LayoutCheck:
    findings: list[Finding] = field(default_factory=list)
    #: the folder is a Hugging Face model (config.json at the top, not an adapter): size it
    is_model: bool = True
    #: a foreign layout explains why the top holds no model weights or tokenizer
    explains_missing: bool = False


def check_layout(entries: Sequence[FileEntry]) -> LayoutCheck:
    root = sorted(e.name for e in entries if "/" not in e.name)
    names = set(root)
    has_config = "config.json" in names
    hf_weights = [
        n
        for n in root
        if n.endswith(".safetensors") and not is_adapter_weights(n) and not is_mistral_native_weights(n)
    ]
    complete = has_config and bool(hf_weights)
    adapter = [n for n in root if n in ADAPTER_FILES]
    native = [n for n in root if n in MISTRAL_NATIVE_FILES or is_mistral_native_weights(n)]
    gguf = [n for n in root if n.lower().endswith(".gguf")]
    sub_models = sorted({e.name.split("/")[0] for e in entries if e.name.count("/") == 1 and _is_config(e)})

    if complete:
        unused = adapter + native + gguf
        if not unused:
            return LayoutCheck()
        return LayoutCheck(
            [
                finding(
                    "FOREIGN_FILES_UNUSED",
                    unused[0],
                    f"{_list(unused)} beside the Hugging Face model: the runtime does not read them",
                )
            ]
        )
    found: list[Finding] = []
    if adapter:
        found.append(
            finding(
                "PEFT_ADAPTER",
                adapter[0],
                f"{_list(adapter)}: a PEFT adapter, not a model"
                + ("; the config.json beside it describes the base model, not these weights" * has_config),
            )
        )
    if native and not hf_weights:
        found.append(
            finding(
                "MISTRAL_NATIVE_LAYOUT",
                native[0],
                f"{_list(native)}: Mistral's native format, not the Hugging Face layout OCI imports",
            )
        )
    if gguf:
        found.append(
            finding(
                "GGUF_WEIGHTS",
                gguf[0],
                f"{_list(gguf)}: GGUF (llama.cpp) files, which an OCI import does not load",
            )
        )
    if not has_config and sub_models:
        first = sub_models[0]
        found.append(
            finding(
                "MODEL_IN_SUBFOLDER",
                f"{first}/config.json",
                f"the model is one folder down: {', '.join(s + '/config.json' for s in sub_models[:3])}",
                f"Point the import at the prefix that ends in `{first}/` (e.g. models/<name>/{first}/), "
                "or move its files up one level.",
            )
        )
    return LayoutCheck(found, is_model=has_config and not adapter, explains_missing=bool(found))


def _is_config(entry: FileEntry) -> bool:
    # sentence-transformers keep module configs one level down (1_Pooling/config.json): not a model
    folder = entry.name.split("/")[0]
    return entry.name.endswith("/config.json") and not folder.split("_")[0].isdigit()


def _list(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(n[:120] for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
