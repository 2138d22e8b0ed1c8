"""The findings catalogue: every code the product can report, in one registry.

Codes are part of the public interface (CLI JSON output, notifications, state
documents). Never rename one; add a new code instead. The reference page
`docs/findings.md` is generated from this registry (`python -m shared.findings`)
and a test keeps the two identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    meaning: str
    remedy: str
    group: str


_E, _W = Severity.ERROR, Severity.WARNING

_RULES: tuple[Rule, ...] = (
    # --- inputs: manifests, requests, events -------------------------------------------
    Rule(
        "MANIFEST_INVALID",
        _E,
        "The manifest is not a JSON object, or a value has the wrong type or range.",
        "Fix the named field in models/<name>/import.json; `{}` is a valid manifest.",
        "input",
    ),
    Rule(
        "MANIFEST_UNKNOWN_KEY",
        _E,
        "The manifest has a key the contract does not define.",
        "Remove or rename the named key in models/<name>/import.json; keys are snake_case "
        "(see docs/contract.md).",
        "input",
    ),
    Rule(
        "MANIFEST_TOO_LARGE",
        _E,
        "The manifest is larger than the size cap (64 KiB).",
        "Keep the manifest small: it holds options, not model files.",
        "input",
    ),
    Rule(
        "REQUEST_UNKNOWN_KEY",
        _E,
        "The Hugging Face request has a key the contract does not define.",
        "Remove or rename the named key in requests/<name>.json; keys are snake_case (see docs/contract.md).",
        "input",
    ),
    Rule(
        "REQUEST_TOO_LARGE",
        _E,
        "The Hugging Face request is larger than the size cap (64 KiB).",
        'Keep the request small: it names the model and options, e.g. {"model_id": "org/name"}.',
        "input",
    ),
    Rule(
        "REQUEST_INVALID",
        _E,
        "The Hugging Face request is not valid (model_id missing or malformed, "
        "revision neither a branch name nor a 40-hex commit).",
        'Fix the named field in requests/<name>.json, e.g. {"model_id": "org/name"}.',
        "input",
    ),
    Rule(
        "NAME_INVALID",
        _E,
        "The import name taken from the object path is not usable as a name.",
        "Use 1-63 characters: letters, digits, '.', '_' or '-', starting with a letter or digit.",
        "input",
    ),
    Rule(
        "EVENT_MALFORMED",
        _E,
        "The delivered event is not an OCI CloudEvent the function understands.",
        "Check the Events rule: it must deliver Object Storage object events unchanged.",
        "input",
    ),
    # --- the artifacts --------------------------------------------------------------------
    Rule(
        "SOURCE_UNREADABLE",
        _E,
        "The artifact source could not be listed or read.",
        "Check the bucket, prefix or repo id and that the function's policy allows reading it.",
        "artifacts",
    ),
    Rule(
        "OBJECT_NAME_UNSAFE",
        _E,
        "An object name contains '..', a control character or an absolute path.",
        "Rename the object; OCI and the serving runtime must not interpret names as paths outside "
        "the model folder.",
        "artifacts",
    ),
    Rule(
        "FILE_TOO_LARGE",
        _E,
        "A small metadata file (tokenizer config, index, chat template) exceeds its read cap.",
        "Check the file is the real metadata file and not weights saved under its name.",
        "artifacts",
    ),
    Rule(
        "CONFIG_MISSING",
        _E,
        "There is no config.json at the top of the model folder.",
        "Upload the Hugging Face config.json next to the weights; OCI requires exactly that name.",
        "artifacts",
    ),
    Rule(
        "CONFIG_NOT_JSON",
        _E,
        "config.json does not parse as JSON (NaN and Infinity are accepted).",
        "Re-export config.json with `model.config.save_pretrained()`.",
        "artifacts",
    ),
    Rule(
        "CONFIG_TOO_LARGE",
        _E,
        "config.json is larger than the read cap (1 MiB).",
        "A real config.json is a few KiB; check that the right file was uploaded.",
        "artifacts",
    ),
    Rule(
        "ARCHITECTURE_MISSING",
        _E,
        "config.json names no `architectures` and no known `model_type`.",
        'Add `architectures` (e.g. ["LlamaForCausalLM"]) as transformers writes it.',
        "artifacts",
    ),
    Rule(
        "ARCHITECTURE_UNSUPPORTED",
        _E,
        "No engine can load the architecture: vLLM does not register it "
        "(shared/data/vllm_architectures.json), transformers does not ship it (so vLLM's Transformers "
        "backend cannot load it either) and no `auto_map` maps it to custom code.",
        "Import a model of an architecture vLLM registers (shared/data/vllm_architectures.json lists "
        "them), or re-save the weights as such an architecture.",
        "artifacts",
    ),
    Rule(
        "ARCHITECTURE_NO_FAMILY",
        _W,
        "vLLM loads the architecture (its registry, or its Transformers backend for a class transformers "
        "ships), but the pre-flight has no family module for it: the weights are checked only for tensors "
        "of another layout, and the parameter count is an approximation that never refuses.",
        "Test the model on a dedicated AI cluster before production.",
        "artifacts",
    ),
    Rule(
        "REMOTE_CODE",
        _E,
        "config.json maps an architecture that transformers does not ship to custom Python code "
        "(`auto_map`): the model loads only with remote code.",
        "OCI does not run remote code; use a model whose architecture is built into transformers.",
        "artifacts",
    ),
    # --- issue 11: what the serving engine will do with the artifacts (kinds 1-8) ----------
    Rule(
        "REMOTE_CODE_UNUSED",
        _W,
        "config.json has an `auto_map`, but its architecture is built into transformers, which then "
        "loads the native class without the custom code.",
        "Nothing to do: the custom code is not run. Remove `auto_map` to silence this warning.",
        "artifacts",
    ),
    Rule(
        "CONFIG_INVALID",
        _E,
        "A config.json key has the wrong type (`architectures` not a list of strings, a size that is "
        "not an integer, a flag that is not a boolean, a section that is not an object).",
        "Fix the named key as transformers writes it (`model.config.save_pretrained()`).",
        "artifacts",
    ),
    Rule(
        "PEFT_ADAPTER",
        _E,
        "The folder holds a PEFT (LoRA) adapter (adapter_config.json, adapter_model.*), not a model.",
        "Merge the adapter into its base model (peft `merge_and_unload()`, then `save_pretrained()`) "
        "and upload the merged folder: OCI imports whole models only.",
        "artifacts",
    ),
    Rule(
        "MISTRAL_NATIVE_LAYOUT",
        _E,
        "The folder holds Mistral's native format (params.json, consolidated*.safetensors, tekken.json) "
        "without the Hugging Face layout; vLLM needs --load-format mistral for it, which an import "
        "cannot pass.",
        "Upload the Hugging Face-format files (config.json, model-*.safetensors, tokenizer) the model's "
        "repository also ships, or convert with transformers' convert_mistral_weights_to_hf.py.",
        "artifacts",
    ),
    Rule(
        "GGUF_WEIGHTS",
        _E,
        "The folder holds GGUF files (llama.cpp's format) instead of a Hugging Face checkpoint.",
        "Upload the original safetensors checkpoint the GGUF files were made from.",
        "artifacts",
    ),
    Rule(
        "MODEL_IN_SUBFOLDER",
        _E,
        "config.json is not at the top of the folder but one folder down.",
        "Point the import at the sub-folder (the prefix that ends in it), or move its files up one level.",
        "artifacts",
    ),
    Rule(
        "FOREIGN_FILES_UNUSED",
        _W,
        "Files of another layout (Mistral-native, GGUF, a PEFT adapter) sit beside a complete Hugging "
        "Face model; the runtime ignores them and they are not counted.",
        "Delete them to save upload time and storage.",
        "artifacts",
    ),
    Rule(
        "SAFETENSORS_UNLISTED",
        _W,
        "A .safetensors file sits beside a complete model.safetensors.index.json that does not list it; "
        "the engines load only the files the index names, so it is not counted.",
        "Delete the stray file: it is uploaded for nothing.",
        "artifacts",
    ),
    Rule(
        "WEIGHTS_TENSOR_MISSING",
        _E,
        "A tensor the architecture needs (per config.json) is not in the safetensors weights; the "
        "engine would refuse to load or serve a randomly initialised layer.",
        "Re-save the complete model (`save_pretrained()`); for lm_head.weight with untied embeddings, "
        "restore the head (or set tie_word_embeddings true only if the model was trained tied).",
        "artifacts",
    ),
    Rule(
        "WEIGHTS_SHAPE_MISMATCH",
        _E,
        "A tensor's shape differs from the one config.json implies.",
        "Upload the config.json saved with these weights: the two describe different models.",
        "artifacts",
    ),
    Rule(
        "WEIGHTS_FOREIGN_TENSOR",
        _E,
        "The weights hold tensors of another layout (PEFT lora_A/lora_B, Mistral-native "
        "layers.N.attention.wq, optimum-quanto ._data/._scale) that the engine cannot map.",
        "Convert to the Hugging Face layout: merge an adapter, convert Mistral-native weights, "
        "dequantize quanto weights; the message names which.",
        "artifacts",
    ),
    Rule(
        "PARAMETERS_MISMATCH",
        _E,
        "The parameter count in the safetensors headers differs from what config.json describes by more "
        "than the tolerance (15 %).",
        "Upload the config.json saved with these weights, or the weights the config describes.",
        "artifacts",
    ),
    Rule(
        "LM_HEAD_UNUSED",
        _W,
        "tie_word_embeddings is true but lm_head.weight is stored too; vLLM skips it (some SGLang "
        "versions failed on it).",
        "Nothing to do for vLLM; re-save without the duplicate head to be safe on every runtime.",
        "artifacts",
    ),
    Rule(
        "QUANTIZATION_UNSUPPORTED",
        _E,
        "The `quant_method` is one that neither vLLM nor SGLang loads (quanto, eetq, higgs, ...).",
        "Import the unquantized model, or quantize with a method the engines load (fp8, awq, gptq, "
        "compressed-tensors, bitsandbytes, mxfp4); docs/preflight.md lists them.",
        "artifacts",
    ),
    Rule(
        "TOKENIZER_ID_OUT_OF_RANGE",
        _E,
        "A token id the tokenizer can emit (vocabulary or added token) is not below the number of "
        "embedding rows; the engine fails on the first prompt that contains it.",
        "Resize the embeddings to the tokenizer (`model.resize_token_embeddings(len(tokenizer))`) and "
        "re-save, or remove the added tokens.",
        "artifacts",
    ),
    Rule(
        "TOKENIZER_TEKKEN_OUT_OF_RANGE",
        _W,
        "Mistral's tekken.json beside the Hugging Face tokenizer declares more token ids than the "
        "embedding has rows; the engine reads tekken.json only when it runs Mistral's own tokenizer "
        "(vLLM `--tokenizer-mode mistral`), which would then fail on the ids beyond the rows.",
        "Remove tekken.json, or upload the one saved with these weights.",
        "artifacts",
    ),
    Rule(
        "CHAT_TEMPLATE_INVALID",
        _E,
        "The chat template does not render a short conversation (a syntax error, or it raises).",
        "Fix the template at the named line; try it with "
        "`tokenizer.apply_chat_template(messages, add_generation_prompt=True)`.",
        "artifacts",
    ),
    Rule(
        "WEIGHTS_MISSING",
        _E,
        "No *.safetensors weights were found.",
        "Upload the safetensors shards (and model.safetensors.index.json when sharded).",
        "artifacts",
    ),
    Rule(
        "WEIGHTS_PICKLE_ONLY",
        _E,
        "Weights exist only as pickle files (*.bin, *.pt, *.pth), which can run code when loaded.",
        "Convert to safetensors (e.g. `model.save_pretrained(dir, safe_serialization=True)`).",
        "artifacts",
    ),
    Rule(
        "WEIGHTS_PICKLE_PRESENT",
        _W,
        "Pickle weight files sit beside the safetensors weights.",
        "Delete the *.bin/*.pt files from the folder: they are unused and unsafe.",
        "artifacts",
    ),
    Rule(
        "INDEX_INVALID",
        _E,
        "model.safetensors.index.json is not valid JSON or has no `weight_map`.",
        "Re-save the model so transformers writes a complete index.",
        "artifacts",
    ),
    Rule(
        "INDEX_ABSENT",
        _W,
        "Several .safetensors shards and no model.safetensors.index.json. vLLM and SGLang load every "
        ".safetensors file of the folder when there is no index, so the model loads and every shard "
        "is counted; transformers' from_pretrained needs the index to find the shards.",
        "Nothing to do for serving; to load the folder with transformers too, re-save it with "
        "`save_pretrained()` or upload the index saved with these shards.",
        "artifacts",
    ),
    Rule(
        "INDEX_SHARD_MISSING",
        _E,
        "A shard listed in model.safetensors.index.json is not present.",
        "Upload the named shard; the upload may have been interrupted.",
        "artifacts",
    ),
    Rule(
        "INDEX_SHARD_UNLISTED",
        _E,
        "A safetensors shard is present but not listed in an index that also lists absent shards "
        "(the index and the shards come from different saves).",
        "Remove the stray shard or regenerate the index.",
        "artifacts",
    ),
    Rule(
        "SAFETENSORS_HEADER_INVALID",
        _E,
        "A safetensors header is unreadable: bad length, bad JSON, "
        "unknown dtype, or tensor offsets outside the object.",
        "Re-upload the named shard; it is truncated or not a safetensors file.",
        "artifacts",
    ),
    Rule(
        "SAFETENSORS_HEADERS_TOO_LARGE",
        _E,
        "The safetensors headers of the model hold more than any real model has: over 16 MB in one "
        "header, 40 MB in all, or 400,000 tensors in all (the largest real checkpoints have about "
        "280,000, ~16 MB of headers). Refused before they are kept, so the function stays within "
        "its memory.",
        "Check that the shards are the model's own and complete (not a folder of several models); "
        "a model this large cannot be imported: import a smaller variant or a checkpoint with "
        "fused experts.",
        "artifacts",
    ),
    Rule(
        "TOKENIZER_MISSING",
        _E,
        "No tokenizer files (tokenizer.json, tokenizer.model or vocab files).",
        "Upload the tokenizer files saved with the model (`tokenizer.save_pretrained()`).",
        "artifacts",
    ),
    Rule(
        "CHAT_TEMPLATE_MISSING",
        _E,
        "A chat model has no chat template; OCI serves it through /v1/chat/completions, which needs one.",
        "Add `chat_template` to tokenizer_config.json or ship chat_template.jinja.",
        "artifacts",
    ),
    Rule(
        "CAPABILITY_UNDETECTED",
        _E,
        "No capability could be inferred from the artifacts.",
        "Declare `capability` in the manifest (TEXT_TO_TEXT, IMAGE_TEXT_TO_TEXT, EMBEDDING or RERANK).",
        "capability",
    ),
    Rule(
        "CAPABILITY_AMBIGUOUS",
        _E,
        "The artifacts fit more than one capability.",
        "Declare `capability` in the manifest to choose between the named candidates.",
        "capability",
    ),
    Rule(
        "CAPABILITY_MISMATCH",
        _E,
        "The declared capability contradicts the artifacts.",
        "Correct `capability` in the manifest, or upload the model the capability describes.",
        "capability",
    ),
    Rule(
        "CAPABILITY_UNSUPPORTED",
        _E,
        "The capability is not one an imported model may have.",
        "Use exactly one of TEXT_TO_TEXT, IMAGE_TEXT_TO_TEXT, EMBEDDING, RERANK.",
        "capability",
    ),
    # --- listing: which model OCI lists this is (issue 11, shared/inspection/listed_models.py) --
    Rule(
        "MODEL_UNLISTED",
        _W,
        "OCI's page for this model's family does not list a model with its architecture and "
        "dimensions; OCI says unlisted models might have compatibility issues.",
        "Test the model on a dedicated AI cluster before production, or import a model the page lists.",
        "sizing",
    ),
    Rule(
        "LISTED_FINETUNE_RULE",
        _W,
        "The model has the architecture of a model OCI lists but breaks an OCI fine-tune rule: the "
        "base's transformers version, a parameter count within ±10 % of the base.",
        "Save the fine-tune with the base's transformers version and keep its architecture; "
        "otherwise treat it as unlisted and test before production.",
        "sizing",
    ),
    Rule(
        "PARAMETERS_ESTIMATED",
        _W,
        "No safetensors header could be read; parameters and memory are estimated from config.json.",
        "Treat the shape as provisional until the weights are inspected.",
        "sizing",
    ),
    Rule(
        "MODEL_TOO_LARGE",
        _E,
        "The model's memory need exceeds every allowed unit shape.",
        "Use a quantized variant, allow larger shapes, or import a smaller model.",
        "sizing",
    ),
    Rule(
        "QUANTIZATION_NEEDS_HOPPER",
        _E,
        "The weights are quantized in a format (FP8, MXFP4) that needs "
        "Hopper GPUs, and the chosen shape has none.",
        "Use an H100 or H200 shape, or a BF16 variant.",
        "sizing",
    ),
    Rule(
        "SHAPE_UNKNOWN",
        _E,
        "The requested unit shape is not in the unit-shape table.",
        "Use one of the shapes listed in docs/contract.md (A10_X1 ... H200_X8).",
        "sizing",
    ),
    Rule(
        "SHAPE_NOT_ALLOWED",
        _E,
        "The requested unit shape is not in the allowed set for this deployment.",
        "Pick an allowed shape, or ask the operator to extend ALLOWED_SHAPES.",
        "sizing",
    ),
    Rule(
        "SHAPE_TOO_SMALL",
        _E,
        "The requested unit shape has less GPU memory than the model needs.",
        "Remove `unit_shape` to get the recommendation, or pick a larger shape.",
        "sizing",
    ),
    Rule(
        "PRICE_UNSET",
        _W,
        "No price per AI unit is configured, so no cost can be shown.",
        "Set AI_UNIT_PRICE_PER_HOUR (or --price) to see costs.",
        "sizing",
    ),
    # --- Hugging Face ---------------------------------------------------------------------
    Rule(
        "HF_REVISION_UNRESOLVED",
        _E,
        "The revision looks like a short commit hash, and the Hub did not resolve it to a full "
        "commit; OCI's import takes a branch name or a full commit (a short hash would be sent "
        "as a branch and not found).",
        "Give the full 40-character commit id (or a branch name) as revision in requests/<name>.json.",
        "huggingface",
    ),
    Rule(
        "HF_REPO_NOT_FOUND",
        _E,
        "The Hugging Face repository or revision does not exist.",
        "Check model_id and revision on the Hub.",
        "huggingface",
    ),
    Rule(
        "HF_ACCESS_DENIED",
        _E,
        "The repository is gated or private and the token is missing or refused.",
        "Accept the model's licence on the Hub and store a read token in the Vault secret.",
        "huggingface",
    ),
    Rule(
        "HF_TOKEN_UNAVAILABLE",
        _E,
        "The Hugging Face token could not be read from Vault.",
        "Check HF_TOKEN_SECRET_ID and the policy that lets the function read that secret.",
        "huggingface",
    ),
    Rule(
        "HF_TOKEN_MALFORMED",
        _E,
        "The Hugging Face token read from Vault cannot be sent as an HTTP header value "
        "(a line break, a control character or non-ASCII text inside it, or longer than any token: "
        "over 1,024 characters).",
        "Store the bare token (one line, `hf_...`) as the secret's content; asking again will not help.",
        "huggingface",
    ),
    # --- the pipeline ---------------------------------------------------------------------
    Rule(
        "AI_UNITS_CEILING_IMPORT",
        _E,
        "The cluster would exceed the AI-unit ceiling for one import.",
        "Pick a smaller shape or raise MAX_AI_UNITS_PER_IMPORT.",
        "pipeline",
    ),
    Rule(
        "AI_UNITS_CEILING_TOTAL",
        _E,
        "The cluster would exceed the AI-unit ceiling across live imports.",
        "Tear down an idle deployment (`model-import teardown`) or raise MAX_AI_UNITS_TOTAL.",
        "pipeline",
    ),
    Rule(
        "WORK_REQUEST_FAILED",
        _E,
        "An OCI work request ended FAILED or CANCELED.",
        "Read the work request errors in the notification; fix the cause, then `model-import retry`.",
        "pipeline",
    ),
    Rule(
        "RESOURCE_FAILED",
        _E,
        "An OCI resource reached FAILED or NEEDS_ATTENTION.",
        "Inspect the resource in the console; `model-import retry` starts the stage again.",
        "pipeline",
    ),
    Rule(
        "STAGE_DEADLINE_EXCEEDED",
        _E,
        "A stage did not finish before its deadline.",
        "Check service limits and the work request; `model-import retry` resumes the stage.",
        "pipeline",
    ),
    Rule(
        "SMOKE_TEST_FAILED",
        _E,
        "The endpoint is ACTIVE but did not answer a test call correctly.",
        "Call the endpoint by hand (see the notification) and check the model's chat template.",
        "pipeline",
    ),
    Rule(
        "RESOURCE_NOT_OURS",
        _E,
        "A state names a resource whose freeform tags do not prove it belongs to this deployment and import; "
        "it was not changed or deleted.",
        "Check who wrote the state document (only the function and operators may write the state bucket); "
        "delete the resource by hand only if it is really yours.",
        "pipeline",
    ),
    Rule(
        "OCI_API_ERROR",
        _E,
        "An OCI API call failed with an error that retries did not clear.",
        "Read the status and code in the message; check policies and service limits.",
        "pipeline",
    ),
    Rule(
        "UNIT_LIMIT_INSUFFICIENT",
        _E,
        "The tenancy's service limit for the shape's dedicated AI cluster units (read through the "
        "Limits API at validation, before the model is imported, and again just before the cluster "
        "is created) leaves fewer units than the cluster needs; new tenancies often have 0 until "
        "they ask. The message gives the tenancy's limit, the units used in the compartment queried "
        "(the Limits API counts usage per compartment, not for the tenancy) and those available.",
        "Request a service limit increase for the named limit (Console: Governance & Administration > "
        "Limits, Quotas and Usage), or choose a shape whose limit has room; then `model-import retry`.",
        "pipeline",
    ),
    Rule(
        "LIMIT_EXCEEDED",
        _E,
        "OCI refused a create because a service limit or quota is reached.",
        "Request a limit increase for the named unit shape, or choose another shape.",
        "pipeline",
    ),
    Rule(
        "UNHANDLED_ERROR",
        _E,
        "Handling this import raised the same unexpected error twice in a row; retrying cannot help.",
        "If the message names a file or field, fix it and upload the manifest (or request) again; "
        "otherwise report it with the import id (the function log has the traceback).",
        "pipeline",
    ),
)

CATALOGUE: dict[str, Rule] = {r.code: r for r in _RULES}


class Finding(BaseModel):
    """One result of a check, about one object or field."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    subject: str
    message: str
    hint: str


def finding(code: str, subject: str, message: str | None = None, hint: str | None = None) -> Finding:
    """Build a finding from the catalogue; an unknown code is a programming error."""
    rule = CATALOGUE[code]
    return Finding(
        code=code,
        severity=rule.severity,
        subject=subject,
        message=message or rule.meaning,
        hint=hint or rule.remedy,
    )


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def render_reference() -> str:
    """The Markdown reference page, generated from the registry."""
    lines = [
        "# Findings reference",
        "",
        "Generated by `python -m shared.findings > docs/findings.md`; do not edit by hand.",
        "Severity `error` rejects the import; `warning` is reported and the import goes on.",
        "A result is `ok` when it has no error.",
        "",
    ]
    groups: dict[str, list[Rule]] = {}
    for rule in _RULES:
        groups.setdefault(rule.group, []).append(rule)
    for group, rules in groups.items():
        lines += [
            f"## {group}",
            "",
            "| code | severity | meaning | what to do |",
            "| --- | --- | --- | --- |",
        ]
        for r in rules:
            lines.append(f"| `{r.code}` | {r.severity.value} | {_cell(r.meaning)} | {_cell(r.remedy)} |")
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(render_reference(), end="")
