"""The base models OCI lists for import, and which of them an inspected model is.

OCI supports explicitly the models its imported-*-models pages list; of any other model it
says it "might have compatibility issues", so test before production; and it accepts a
fine-tune only when it keeps the base model's transformers version and a parameter count
within ±10 % of the base (imported-models.htm, fine-tuned-imported-models.htm; notes in
`../shared/reference/oci-genai.md` §4.1-4.2 and `peers-and-anchors.md` §2.1).

A folder has no model name, so a model is identified by what its artifacts say: the
architecture and the dimensions that tell checkpoints apart (hidden size, layers, attention
and KV heads, MLP width, experts, vocabulary). The same dimensions with another vocabulary
(added tokens) is a fine-tune of that base; both OCI rules are then checked.

Pages the table covers (the rows are the pages' tables as recorded in the reference notes
and `calibration-shapes*.csv`): Google Gemma, Mistral (with intfloat/e5-mistral-7b-instruct),
Meta Llama (the six rows of `calibration-shapes-meta.csv`; the page may list more) and Z.ai
GLM. Not covered (their tables were not retrieved): Alibaba Qwen, Microsoft Phi, OpenAI
gpt-oss; a model of those families is "listing unknown", never "unlisted". A family on none of
OCI's pages (GPT-2, GPTBigCode, Falcon, GPT-NeoX, OPT, BERT, ...) is unlisted: OCI lists no model
of it.

Rows whose public config.json could not be found have no dimensions and identify nothing:
Mistral-Medium-3.5-128B, GLM-5.2-FP8, Llama-3.2-11B-Vision-Instruct,
Llama-3.2-90B-Vision-Instruct-FP8-dynamic, Llama-4-Maverick-17B-128E-Instruct-FP8.
Dimensions come from the config fixtures in `tests/fixtures/configs/` (sources in its
README); a test keeps the two equal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from shared.inspection.sizing import architectures, text_dims, text_section

GOOGLE = "https://docs.oracle.com/en-us/iaas/Content/generative-ai/imported-google-models.htm"
MISTRAL = "https://docs.oracle.com/iaas/Content/generative-ai/imported-mistral-models.htm"
META = "https://docs.oracle.com/en-us/iaas/Content/generative-ai/imported-meta-models.htm"
ZAI = "https://docs.oracle.com/en-us/iaas/Content/generative-ai/imported-zai-models.htm"

#: model_type (of the language model or the wrapper) -> the OCI page that lists that family
FAMILY_PAGES: dict[str, str] = {
    **dict.fromkeys(("gemma", "gemma2", "gemma3", "gemma3_text"), GOOGLE),
    **dict.fromkeys(("mistral", "mixtral", "ministral", "ministral3", "mistral3"), MISTRAL),
    **dict.fromkeys(("llama", "mllama", "llama4", "llama4_text"), META),
    **dict.fromkeys(("glm4_moe", "glm_moe_dsa"), ZAI),
}
PAGES_COVERED = ("Google Gemma", "Mistral", "Meta Llama (six rows)", "Z.ai GLM")
#: family pages OCI has whose tables were not retrieved: a model of these families is "listing
#: unknown"; a family on none of OCI's pages (GPT-2, Falcon, OPT, BERT, ...) is unlisted
UNCOVERED_PAGES: dict[str, str] = {
    "qwen": "Alibaba Qwen",
    "phi": "Microsoft Phi",
    "gpt_oss": "OpenAI gpt-oss",
}
ALL_PAGES = (
    "Alibaba Qwen",
    "Google Gemma",
    "Meta Llama",
    "Microsoft Phi",
    "Mistral",
    "OpenAI gpt-oss",
    "Z.ai GLM",
)

FINETUNE_PARAMETER_TOLERANCE = 0.10  # OCI: within ±10 % of the base model's parameter count

#: (hidden, layers, attention heads, KV heads, MLP width, experts, vocabulary)
Dims = tuple[int, int, int, int, int, int, int]


@dataclass(frozen=True)
class ListedModel:
    hf_id: str
    architecture: str
    dims: Dims | None  # None: no public config.json found, so the row identifies nothing
    parameters: int | None  # the Hub's count
    transformers_version: str | None  # None: not known from a faithful copy of config.json
    page: str
    shapes: tuple[str, ...]  # OCI's recommended shapes, in the page's order


def _m(
    hf_id: str,
    arch: str,
    dims: Dims | None,
    params: int | None,
    tv: str | None,
    page: str,
    *shapes: str,
) -> ListedModel:
    return ListedModel(hf_id, arch, dims, params, tv, page, shapes)


LISTED: tuple[ListedModel, ...] = (
    _m(
        "google/gemma-3-270m-it",
        "Gemma3ForCausalLM",
        (640, 18, 4, 1, 2048, 0, 262144),
        268_098_176,
        None,
        GOOGLE,
        "A100_80G_X1",
    ),
    _m(
        "google/gemma-3-1b-it",
        "Gemma3ForCausalLM",
        (1152, 26, 4, 1, 6912, 0, 262144),
        999_885_952,
        "4.50.0.dev0",
        GOOGLE,
        "A100_80G_X1",
    ),
    _m(
        "google/gemma-3-4b-it",
        "Gemma3ForConditionalGeneration",
        (2560, 34, 8, 4, 10240, 0, 262208),
        4_300_079_472,
        None,
        GOOGLE,
        "A100_80G_X1",
    ),
    _m(
        "google/gemma-3-12b-it",
        "Gemma3ForConditionalGeneration",
        (3840, 48, 16, 8, 15360, 0, 262208),
        12_187_325_040,
        None,
        GOOGLE,
        "A100_80G_X1",
    ),
    _m(
        "google/gemma-3-27b-it",
        "Gemma3ForConditionalGeneration",
        (5376, 62, 32, 16, 21504, 0, 262208),
        27_432_406_640,
        "4.50.0.dev0",
        GOOGLE,
        "A100_80G_X2",
    ),
    _m(
        "google/gemma-2-2b-it",
        "Gemma2ForCausalLM",
        (2304, 26, 8, 4, 9216, 0, 256000),
        2_614_341_888,
        "4.42.4",
        GOOGLE,
        "A100_80G_X1",
    ),
    _m(
        "google/gemma-2-9b-it",
        "Gemma2ForCausalLM",
        (3584, 42, 16, 8, 14336, 0, 256000),
        9_241_705_984,
        "4.42.0.dev0",
        GOOGLE,
        "A100_80G_X1",
    ),
    _m(
        "google/gemma-2-27b-it",
        "Gemma2ForCausalLM",
        (4608, 46, 32, 16, 36864, 0, 256000),
        27_227_128_320,
        None,
        GOOGLE,
        "A100_80G_X2",
    ),
    _m(
        "mistralai/Mistral-Medium-3.5-128B",
        "",
        None,
        None,
        None,
        MISTRAL,
        "H100_X8",
        "A100_80G_X8",
        "H200_X8",
        "B200_X8",
    ),
    _m(
        "mistralai/Devstral-2-123B-Instruct-2512",
        "Ministral3ForCausalLM",
        (12288, 88, 96, 8, 28672, 0, 131072),
        None,
        "5.0.0.dev0",
        MISTRAL,
        "H100_X8",
        "H200_X8",
    ),
    _m(
        "mistralai/Mixtral-8x7B-Instruct-v0.1",
        "MixtralForCausalLM",
        (4096, 32, 32, 8, 14336, 8, 32000),
        46_702_792_704,
        None,
        MISTRAL,
        "A100_80G_X2",
    ),
    _m(
        "mistralai/Mistral-Nemo-Instruct-2407",
        "MistralForCausalLM",
        (5120, 40, 32, 8, 14336, 0, 131072),
        12_247_782_400,
        None,
        MISTRAL,
        "A100_80G_X1",
    ),
    _m(
        "mistralai/Mistral-7B-Instruct-v0.3",
        "MistralForCausalLM",
        (4096, 32, 32, 8, 14336, 0, 32768),
        7_248_023_552,
        None,
        MISTRAL,
        "A100_80G_X1",
    ),
    # v0.1 and v0.2 share these dimensions (they differ in rope_theta and sliding window only)
    _m(
        "mistralai/Mistral-7B-Instruct-v0.2",
        "MistralForCausalLM",
        (4096, 32, 32, 8, 14336, 0, 32000),
        7_241_732_096,
        None,
        MISTRAL,
        "A100_80G_X1",
    ),
    _m(
        "intfloat/e5-mistral-7b-instruct",
        "MistralModel",
        (4096, 32, 32, 8, 14336, 0, 32000),
        7_110_660_096,
        "4.34.0",
        MISTRAL,
        "A10_X1",
    ),
    _m(
        "meta-llama/Llama-2-7b-chat-hf",
        "LlamaForCausalLM",
        (4096, 32, 32, 32, 11008, 0, 32000),
        6_738_415_616,
        None,
        META,
        "A100_80G_X1",
    ),
    _m(
        "meta-llama/Llama-2-13b-chat-hf",
        "LlamaForCausalLM",
        (5120, 40, 40, 40, 13824, 0, 32000),
        13_015_864_320,
        None,
        META,
        "A100_80G_X1",
    ),
    _m(
        "meta-llama/Llama-2-70b-chat-hf",
        "LlamaForCausalLM",
        (8192, 80, 64, 8, 28672, 0, 32000),
        68_976_648_192,
        None,
        META,
        "A100_80G_X4",
    ),
    _m("meta-llama/Llama-3.2-11B-Vision-Instruct", "", None, None, None, META, "A100_80G_X1"),
    _m("RedHatAI/Llama-3.2-90B-Vision-Instruct-FP8-dynamic", "", None, None, None, META, "H100_X4"),
    _m("meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8", "", None, None, None, META, "H100_X8"),
    _m("zai-org/GLM-5.2-FP8", "", None, None, None, ZAI, "H200_X8", "B200_X8"),
)

Status = Literal["listed", "fine-tune", "unlisted", "unknown"]


@dataclass(frozen=True)
class Listing:
    """Which listed model an inspected one is, and which OCI rules it breaks."""

    status: Status
    model: ListedModel | None
    page: str | None
    reason: str
    broken_rules: tuple[str, ...] = ()  # human sentences, one per broken fine-tune rule


def model_dims(config: dict[str, Any]) -> Dims | None:
    dims = text_dims(config)
    if dims is None:
        return None
    return (
        dims.hidden,
        dims.layers,
        dims.heads,
        dims.kv_heads,
        dims.intermediate,
        dims.experts,
        dims.vocab,
    )


def identify(config: dict[str, Any] | None, parameters: int | None) -> Listing | None:
    """Listed, a fine-tune of a listed base, unlisted, or unknown; None when there is no config."""
    if config is None:
        return None
    archs = architectures(config)
    arch = archs[0] if archs else ""
    page = _page(config)
    dims = model_dims(config)
    if dims is not None:
        for row in LISTED:
            if row.dims is None or row.architecture != arch:
                continue
            if row.dims == dims:
                return _checked("listed", row, config, parameters)
            if row.dims[:6] == dims[:6]:  # same network, another vocabulary: a fine-tune with added tokens
                return _checked("fine-tune", row, config, parameters)
    if page is None and _uncovered(config):
        return Listing(
            "unknown",
            None,
            None,
            "listing unknown: OCI's page for this family is not in the table (it covers the "
            f"{', '.join(PAGES_COVERED)} pages)",
        )
    if page is None:
        model_type = _model_type(config) or "none"
        return Listing(
            "unlisted",
            None,
            None,
            f"not among the models OCI lists: OCI has no imported-models page for model_type "
            f"{model_type[:60]!r} (its pages: {', '.join(ALL_PAGES)})",
        )
    return Listing(
        "unlisted",
        None,
        page,
        f"not among the models OCI lists on {page} (identified by architecture and dimensions)",
    )


def _model_type(config: dict[str, Any]) -> str | None:
    section, _ = text_section(config)
    for raw in (config.get("model_type"), section.get("model_type")):
        if isinstance(raw, str) and raw:
            return raw
    return None


def _uncovered(config: dict[str, Any]) -> bool:
    """The model's family has an OCI page the table does not cover (or no model_type says which)."""
    section, _ = text_section(config)
    types = [raw for raw in (section.get("model_type"), config.get("model_type")) if isinstance(raw, str)]
    return not types or any(t.startswith(prefix) for t in types for prefix in UNCOVERED_PAGES)


def _page(config: dict[str, Any]) -> str | None:
    section, _ = text_section(config)
    for raw in (section.get("model_type"), config.get("model_type")):
        if isinstance(raw, str) and raw in FAMILY_PAGES:
            return FAMILY_PAGES[raw]
    return None


def _checked(status: Status, row: ListedModel, config: dict[str, Any], parameters: int | None) -> Listing:
    broken: list[str] = []
    mine = config.get("transformers_version")
    if (
        row.transformers_version
        and isinstance(mine, str)
        and _release(mine) != _release(row.transformers_version)
    ):
        broken.append(
            f"transformers_version {mine[:40]} differs from the base's {row.transformers_version}: OCI "
            "accepts a fine-tune only with its base's transformers version, and may fail to import or "
            "serve it"
        )
    if row.parameters and parameters:
        drift = (parameters - row.parameters) / row.parameters
        if abs(drift) > FINETUNE_PARAMETER_TOLERANCE:
            broken.append(
                f"{parameters:,} parameters are {drift:+.1%} from the base's {row.parameters:,}: OCI "
                "accepts a fine-tune only within ±10 % of its base, so it treats this as an unlisted model"
            )
    what = "OCI lists this model" if status == "listed" else "a fine-tune of a model OCI lists"
    return Listing(status, row, row.page, f"{what}: {row.hf_id} ({row.page})", tuple(broken))


def _release(version: str) -> str:
    """The release a version names: '4.50.0.dev0' and '4.50.0' are the same release line."""
    match = re.match(r"\d+\.\d+(\.\d+)?", version.strip())
    return match.group(0) if match else version.strip()
