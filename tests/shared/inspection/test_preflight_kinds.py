"""The kinds of issue 11 beyond the shared cases, on real config.json files where possible."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from shared.contract.manifest import Capability
from shared.findings import Severity
from shared.inspection import LocalFolderSource, inspect_artifacts
from shared.inspection.capability.native import is_native_architecture, transformers_version
from shared.inspection.checks.chat_template import check_template
from shared.inspection.checks.config_rules import check_config, check_remote_code
from shared.inspection.checks.quantization import (
    METHODS,
    bytes_per_weight,
    check_quantization,
    needs_hopper,
)
from shared.inspection.checks.tensors import check_tensors
from shared.inspection.checks.token_ids import ids_from_tokenizer_json
from tests.shared.inspection.builders import (
    FIXTURES,
    TINY_LLAMA_CONFIG,
    Tensors,
    fixture_config,
    tiny_llama_tensors,
    write_model,
    write_safetensors,
)
from tests.shared.inspection.preflight_cases import decoder

TensorMap = dict[str, tuple[str, tuple[int, ...]]]


def as_map(tensors: Tensors) -> TensorMap:
    return {n: (d, tuple(s)) for n, (d, s) in tensors.items()}


def codes(findings: list[Any]) -> list[str]:
    return [f.code for f in findings]


# --- 1. remote code ---------------------------------------------------------------------------


def test_auto_map_needs_remote_code_only_for_an_architecture_transformers_lacks() -> None:
    phi4 = {"architectures": ["Phi3ForCausalLM"], "model_type": "phi3", "auto_map": {}}
    assert check_remote_code(phi4, ["Phi3ForCausalLM"], "phi3") == []
    phi3 = {**phi4, "auto_map": {"AutoModelForCausalLM": "modeling_phi3.Phi3ForCausalLM"}}
    beside = check_remote_code(phi3, ["Phi3ForCausalLM"], "phi3")
    assert codes(beside) == ["REMOTE_CODE_UNUSED"] and beside[0].severity is Severity.WARNING
    custom = {"auto_map": {"AutoModelForCausalLM": "modeling_internlm2.InternLM2ForCausalLM"}}
    needs = check_remote_code(custom, ["InternLM2ForCausalLM"], "internlm2")
    assert codes(needs) == ["REMOTE_CODE"] and "InternLM2ForCausalLM" in needs[0].message
    assert transformers_version() in needs[0].message
    # a native class name under a model_type transformers does not know still needs the custom config
    assert codes(check_remote_code(custom, ["LlamaForCausalLM"], "internlm2")) == ["REMOTE_CODE"]
    assert codes(check_remote_code({"auto_map": ["x"]}, [], None)) == ["CONFIG_INVALID"]


def test_the_native_table_names_its_release_and_knows_the_built_in_families() -> None:
    table = json.loads(
        (Path(__file__).resolve().parents[3] / "shared/data/native_architectures.json").read_text()
    )
    assert table["transformers_version"] == transformers_version() and "pip download" in table["regenerate"]
    for arch in (
        "LlamaForCausalLM",
        "Phi3ForCausalLM",
        "Qwen3ForSequenceClassification",
        "GptOssForCausalLM",
    ):
        assert is_native_architecture(arch)
    assert not is_native_architecture("InternLM2ForCausalLM")


def test_the_generator_reads_the_registry_from_a_wheel(tmp_path: Path) -> None:
    from scripts.native_architectures import build

    modeling = (
        'MODEL_MAPPING_NAMES = OrderedDict([("llama", "LlamaModel"), ("funnel", ("FunnelModel", "F2"))])\n'
    )
    modeling += "X_MAPPING_NAMES = OrderedDict([" + ",".join(f'("t{i}", "A{i}")' for i in range(120)) + "])\n"
    configuration = (
        "CONFIG_MAPPING_NAMES = OrderedDict([" + ",".join(f'("t{i}", "C")' for i in range(120)) + "])\n"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("transformers/models/auto/modeling_auto.py", modeling)
        zf.writestr("transformers/models/auto/configuration_auto.py", configuration)
    wheel = tmp_path / "transformers-9.9.9-py3-none-any.whl"
    wheel.write_bytes(buf.getvalue())
    table = build(wheel)
    assert table["transformers_version"] == "9.9.9"
    assert {"LlamaModel", "FunnelModel", "F2", "A0"} <= set(table["architectures"])  # type: ignore[arg-type]
    assert "t119" in table["model_types"]  # type: ignore[operator]


# --- 8. config types --------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_real_configs_have_no_type_errors(path: Path) -> None:
    assert "CONFIG_INVALID" not in codes(check_config(json.loads(path.read_text())))


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"architectures": 123}, "architectures"),
        ({"architectures": "LlamaForCausalLM"}, "architectures"),
        ({"architectures": ["LlamaForCausalLM", 7]}, "architectures"),
        ({"hidden_size": "4096"}, "hidden_size"),
        ({"num_hidden_layers": 32.5}, "num_hidden_layers"),
        ({"vocab_size": True}, "vocab_size"),
        ({"tie_word_embeddings": "false"}, "tie_word_embeddings"),
        ({"text_config": {"num_attention_heads": "32"}}, "text_config.num_attention_heads"),
    ],
)
def test_wrongly_typed_keys_are_config_invalid_naming_the_key(patch: dict[str, Any], key: str) -> None:
    found = [
        f
        for f in check_config({**fixture_config("meta-llama/Llama-2-7b-chat-hf"), **patch})
        if f.code == "CONFIG_INVALID"
    ]
    assert [f.subject for f in found] == [f"config.json: {key}"] and f"`{key}`" in found[0].message


def test_architectures_of_the_wrong_type_are_never_silently_ignored(tmp_path: Path) -> None:
    write_model(tmp_path, {**TINY_LLAMA_CONFIG, "architectures": 123})
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert not report.ok and "CONFIG_INVALID" in report.codes()


# --- 2. weights against config ----------------------------------------------------------------


def gemma_tensors(c: dict[str, Any], qk_norm: bool) -> Tensors:
    t = decoder(c, head=None, qk_norm=qk_norm)
    for i in range(c["num_hidden_layers"]):
        for norm in ("pre_feedforward_layernorm", "post_feedforward_layernorm"):
            t[f"model.layers.{i}.{norm}.weight"] = ("BF16", [c["hidden_size"]])
    return t


def mixtral_tensors(c: dict[str, Any]) -> Tensors:
    t = {n: v for n, v in decoder(c).items() if ".mlp." not in n}
    h, inter = c["hidden_size"], c["intermediate_size"]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}.block_sparse_moe."
        t[p + "gate.weight"] = ("BF16", [c["num_local_experts"], h])
        for e in range(c["num_local_experts"]):
            t[p + f"experts.{e}.w1.weight"] = ("BF16", [inter, h])
            t[p + f"experts.{e}.w2.weight"] = ("BF16", [h, inter])
            t[p + f"experts.{e}.w3.weight"] = ("BF16", [inter, h])
    return t


def _real(hf_id: str) -> tuple[dict[str, Any], TensorMap]:
    c = fixture_config(hf_id)
    if c["model_type"] == "mixtral":
        return c, as_map(mixtral_tensors(c))
    if c["model_type"].startswith("gemma"):
        return c, as_map(gemma_tensors(c, qk_norm=c["model_type"] == "gemma3_text"))
    head = None if c["architectures"][0].endswith("Model") else "lm_head.weight"
    return c, as_map(decoder(c, head=head, prefix="" if head is None else "model."))


def _params(tensors: TensorMap) -> int:
    total = 0
    for _, shape in tensors.values():
        n = 1
        for d in shape:
            n *= d
        total += n
    return total


REAL = [
    "meta-llama/Llama-2-7b-chat-hf",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "mistralai/Mistral-Nemo-Instruct-2407",
    "mistralai/Mixtral-8x7B-Instruct-v0.1",
    "google/gemma-2-9b-it",
    "google/gemma-2-27b-it",
    "google/gemma-3-1b-it",
    "intfloat/e5-mistral-7b-instruct",
]


@pytest.mark.parametrize("hf_id", REAL)
def test_a_real_checkpoint_layout_matches_its_config(hf_id: str) -> None:
    config, tensors = _real(hf_id)
    assert check_tensors(config, tensors, _params(tensors)) == []


@pytest.mark.parametrize("hf_id", REAL)
def test_a_wrong_shape_names_the_tensor_the_expected_and_the_found_shape(hf_id: str) -> None:
    config, tensors = _real(hf_id)
    prefix = "" if hf_id.startswith("intfloat") else "model."
    name = f"{prefix}layers.3.self_attn.k_proj.weight"
    dtype, shape = tensors[name]
    tensors[name] = (dtype, (shape[0] * 2, shape[1]))  # as if num_key_value_heads were doubled
    found = check_tensors(config, tensors, _params(tensors))
    assert codes(found) == ["WEIGHTS_SHAPE_MISMATCH"]
    assert name in found[0].message and f"[{shape[0]}, {shape[1]}]" in found[0].message
    assert f"[{shape[0] * 2}, {shape[1]}]" in found[0].message


def test_a_missing_layer_tensor_and_extra_layers() -> None:
    config, tensors = _real("mistralai/Mistral-7B-Instruct-v0.3")
    del tensors["model.layers.31.mlp.down_proj.weight"]
    found = check_tensors(config, tensors, _params(tensors))
    assert (
        codes(found) == ["WEIGHTS_TENSOR_MISSING"]
        and "model.layers.31.mlp.down_proj.weight" in found[0].message
    )
    fewer = {**config, "num_hidden_layers": 16}  # the weights hold twice the layers the config says
    _, full = _real("mistralai/Mistral-7B-Instruct-v0.3")
    assert codes(check_tensors(fewer, full, _params(full))) == ["PARAMETERS_MISMATCH"]


@pytest.mark.parametrize(
    ("extra", "layout"),
    [
        ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "PEFT"),
        ("layers.0.attention.wq.weight", "Mistral"),
        ("model.layers.0.self_attn.q_proj.weight._data", "quanto"),
    ],
)
def test_tensors_of_another_layout_are_refused(extra: str, layout: str) -> None:
    config, tensors = _real("meta-llama/Llama-2-7b-chat-hf")
    tensors[extra] = ("BF16", (16, 4096))
    found = check_tensors(config, tensors, _params(tensors))
    assert (
        codes(found) == ["WEIGHTS_FOREIGN_TENSOR"]
        and layout in found[0].message
        and extra in found[0].message
    )


def test_quantized_names_stand_in_for_weights_and_packed_shapes_are_not_compared() -> None:
    config, tensors = _real("meta-llama/Llama-2-7b-chat-hf")
    config = {**config, "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": 128}}
    for name in [n for n in tensors if "_proj.weight" in n]:
        rows, cols = tensors.pop(name)[1]
        stem = name.removesuffix(".weight")
        tensors[stem + ".qweight"] = ("I32", (cols // 8, rows))
        tensors[stem + ".scales"] = ("F16", (cols // 128, rows))
    assert check_tensors(config, tensors, _params(tensors)) == []


# --- 3 and 4. layouts and the index ------------------------------------------------------------


def test_foreign_files_beside_a_complete_model_are_a_warning(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    (tmp_path / "adapter_config.json").write_text("{}")
    (tmp_path / "params.json").write_text("{}")
    (tmp_path / "model-q4.gguf").write_bytes(b"GGUF")
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.ok and "FOREIGN_FILES_UNUSED" in report.codes() and report.parameters


def test_a_sentence_transformers_module_folder_is_not_a_model_one_folder_down(tmp_path: Path) -> None:
    write_model(tmp_path / "x", None)
    (tmp_path / "x" / "1_Pooling").mkdir()
    (tmp_path / "x" / "1_Pooling" / "config.json").write_text("{}")
    report = inspect_artifacts(LocalFolderSource(tmp_path / "x"))
    assert "MODEL_IN_SUBFOLDER" not in report.codes() and "CONFIG_MISSING" in report.codes()


def test_a_stray_beside_a_complete_index_is_not_counted(tmp_path: Path) -> None:
    params = write_model(
        tmp_path, TINY_LLAMA_CONFIG, {"model-00001-of-00001.safetensors": tiny_llama_tensors()}, index=True
    )
    write_safetensors(tmp_path / "extra.safetensors", {"junk": ("BF16", [1000, 1000])})
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.ok and report.parameters == params
    assert [f.severity for f in report.findings if f.code == "SAFETENSORS_UNLISTED"] == [Severity.WARNING]


# --- 5. quantization --------------------------------------------------------------------------


def test_every_method_row_has_a_source_and_a_gpu_family() -> None:
    for row in METHODS.values():
        assert row.source and row.gpu in ("hopper", "any") and row.engines


@pytest.mark.parametrize("method", ["quanto", "eetq", "higgs", "made-up"])
def test_a_method_no_engine_loads_is_an_error(method: str) -> None:
    found = check_quantization({"quantization_config": {"quant_method": method}})
    assert codes(found) == ["QUANTIZATION_UNSUPPORTED"] and method in found[0].message


def test_methods_the_engines_load_and_the_hopper_rule() -> None:
    for method in ("fp8", "compressed-tensors", "bitsandbytes", "mxfp4", "fbgemm_fp8"):
        assert check_quantization({"quantization_config": {"quant_method": method}}) == []
    for method in ("awq", "gptq"):  # their loaders read `bits` (a section without it fails in vLLM)
        section = {"quant_method": method, "bits": 4, "group_size": 128}
        assert check_quantization({"quantization_config": section}) == []
    hqq = {"quant_method": "hqq", "quant_config": {"weight_quant_params": {"nbits": 4, "group_size": 64}}}
    assert check_quantization({"quantization_config": hqq}) == []
    hqq8 = {"quant_method": "hqq", "quant_config": {"weight_quant_params": {"nbits": 8, "group_size": 64}}}
    assert codes(check_quantization({"quantization_config": hqq8})) == ["QUANTIZATION_UNSUPPORTED"]
    gpt_oss = fixture_config("openai/gpt-oss-20b")
    assert needs_hopper(gpt_oss) and bytes_per_weight(gpt_oss) == pytest.approx(4.25 / 8)
    assert needs_hopper({"quantization_config": {"quant_method": "fp8"}})
    assert not needs_hopper({"quantization_config": {"quant_method": "awq", "bits": 4}})
    float8 = {
        "quant_method": "compressed-tensors",
        "config_groups": {"g": {"weights": {"type": "float", "num_bits": 8}}},
    }
    assert needs_hopper({"quantization_config": float8})
    awq = {"quantization_config": {"quant_method": "awq", "bits": 4, "group_size": 128}}
    assert bytes_per_weight(awq) == pytest.approx((4 + 16 / 128 + 4 / 128) / 8)
    assert bytes_per_weight(fixture_config("meta-llama/Llama-2-7b-chat-hf")) is None


def test_fp8_is_placed_on_hopper_not_refused(tmp_path: Path) -> None:
    tensors = {n: ("F8_E4M3" if "_proj" in n else d, s) for n, (d, s) in tiny_llama_tensors().items()}
    write_model(
        tmp_path,
        {**TINY_LLAMA_CONFIG, "quantization_config": {"quant_method": "fp8"}},
        {"model.safetensors": tensors},
    )
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert (
        report.ok
        and report.needs_hopper
        and report.recommended_shape
        and report.recommended_shape.startswith("H")
    )


# --- 6. tokenizer against embeddings, chat template --------------------------------------------


def _tokenizer_folder(root: Path, added_id: int, template: str = "{{ messages[0]['content'] }}") -> None:
    write_model(root, TINY_LLAMA_CONFIG)  # 64 embedding rows
    vocab = {f"t{i}": i for i in range(60)}
    added = [{"id": added_id, "content": "<|tool|>", "special": True}]
    (root / "tokenizer.json").write_text(
        json.dumps({"added_tokens": added, "model": {"type": "BPE", "vocab": vocab}})
    )
    (root / "tokenizer_config.json").write_text(json.dumps({"chat_template": template}))


def test_a_token_id_beyond_the_embedding_rows_is_an_error(tmp_path: Path) -> None:
    _tokenizer_folder(tmp_path, 64)
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    found = [f for f in report.findings if f.code == "TOKENIZER_ID_OUT_OF_RANGE"]
    assert not report.ok and found and "64" in found[0].message and "<|tool|>" in found[0].message
    _tokenizer_folder(tmp_path, 63)
    assert inspect_artifacts(LocalFolderSource(tmp_path)).ok


def test_added_tokens_in_tokenizer_config_count_too(tmp_path: Path) -> None:
    _tokenizer_folder(tmp_path, 10)
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps({"chat_template": "{{ 'x' }}", "added_tokens_decoder": {"70": {"content": "<extra>"}}})
    )
    assert "TOKENIZER_ID_OUT_OF_RANGE" in inspect_artifacts(LocalFolderSource(tmp_path)).codes()


def test_unigram_vocabularies_count_by_position() -> None:
    raw = json.dumps(
        {"model": {"type": "Unigram", "vocab": [["<unk>", 0.0], ["a", -1.5], ["b]", -2e-3]]}}
    ).encode()
    ids = ids_from_tokenizer_json(raw)
    assert ids is not None and ids.max_id == 2


def test_a_template_that_raises_is_an_error_naming_the_line() -> None:
    template = (
        "{% for m in messages %}\n{% if m['role'] == 'assistant' %}\n"
        "{{ raise_exception('Only user turns') }}\n{% endif %}\n{% endfor %}"
    )
    found = check_template(template, "tokenizer_config.json: chat_template", None)
    assert codes(found) == ["CHAT_TEMPLATE_INVALID"] and "line 3" in found[0].message
    assert "Only user turns" in found[0].message
    broken = check_template("{% for m in messages %}\n{{ m['content'] }\n", "chat_template.jinja", None)
    assert codes(broken) == ["CHAT_TEMPLATE_INVALID"] and "line 2" in broken[0].message


def test_templates_written_for_transformers_render() -> None:
    # Mistral v0.1's template refuses non-alternating roles; a normal conversation renders.
    mistral = (
        "{{ bos_token }}{% for message in messages %}"
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/...') }}{% endif %}"
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token }}{% endif %}{% endfor %}"
    )
    assert check_template(mistral, "t", {"bos_token": "<s>", "eos_token": {"content": "</s>"}}) == []
    tools = "{{ messages | tojson(indent=2) }}{% generation %}ok{% endgeneration %}{{ strftime_now('%Y') }}"
    assert check_template(tools, "t", None) == []


def test_chat_template_jinja_takes_precedence_over_tokenizer_config(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    (tmp_path / "tokenizer_config.json").write_text(
        json.dumps({"chat_template": "{{ raise_exception('old') }}"})
    )
    (tmp_path / "chat_template.jinja").write_text("{% for m in messages %}{{ m['content'] }}{% endfor %}")
    assert inspect_artifacts(LocalFolderSource(tmp_path)).ok
    (tmp_path / "chat_template.jinja").write_text("{{ raise_exception('new') }}")
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert "CHAT_TEMPLATE_INVALID" in report.codes() and "new" in str(report.findings)


# --- 7. declared capability against the head --------------------------------------------------


def test_a_declared_reranker_on_a_causal_lm_names_the_way_out(tmp_path: Path) -> None:
    write_model(tmp_path, TINY_LLAMA_CONFIG)
    report = inspect_artifacts(LocalFolderSource(tmp_path), declared=Capability.RERANK)
    mismatch = next(f for f in report.findings if f.code == "CAPABILITY_MISMATCH")
    assert not report.ok and "sequence classification" in mismatch.hint
    seq = {**TINY_LLAMA_CONFIG, "architectures": ["LlamaForSequenceClassification"], "num_labels": 1}
    tensors = {n: v for n, v in tiny_llama_tensors().items() if n != "lm_head.weight"}
    tensors["score.weight"] = ("BF16", [1, 16])
    write_model(tmp_path, seq, {"model.safetensors": tensors})
    assert (
        inspect_artifacts(LocalFolderSource(tmp_path), declared=Capability.RERANK).capability
        is Capability.RERANK
    )


def test_an_embedding_model_saved_as_a_causal_lm_needs_no_head(tmp_path: Path) -> None:
    # gte-Qwen2 style: Qwen2ForCausalLM + sentence-transformers files, decoder weights only
    config = {**TINY_LLAMA_CONFIG, "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"}
    tensors = decoder(config, head=None, prefix="")
    for i in range(config["num_hidden_layers"]):
        for name, rows in (("q", 16), ("k", 8), ("v", 8)):
            tensors[f"layers.{i}.self_attn.{name}_proj.bias"] = ("BF16", [rows])
    write_model(tmp_path, config, {"model.safetensors": tensors}, chat_template=False)
    (tmp_path / "modules.json").write_text(json.dumps([{"idx": 0, "path": "", "type": "Transformer"}]))
    report = inspect_artifacts(LocalFolderSource(tmp_path))
    assert report.ok and report.capability is Capability.EMBEDDING, report.findings
    (tmp_path / "modules.json").unlink()  # served as a generator, the missing head is fatal
    assert "WEIGHTS_TENSOR_MISSING" in inspect_artifacts(LocalFolderSource(tmp_path)).codes()


def test_scanning_a_large_vocabulary_keeps_memory_flat() -> None:
    # One regex over the whole vocabulary kept a backtracking mark per token: 679 MB of peak RSS for
    # a 19 MB tokenizer.json. Element by element it stays near the file's own size.
    script = (
        "import json, resource\n"
        "from shared.inspection.checks.token_ids import ids_from_tokenizer_json\n"
        "vocab = {f'tok{i}\\u00e9': i for i in range(150_000)}\n"
        "vocab['x' * 3_000_000] = 3\n"  # one hostile 3 MB token: 573 MiB with a backtracking string match
        "raw = json.dumps({'added_tokens': [], 'model': {'type': 'BPE', 'vocab': vocab}}).encode()\n"
        "del vocab\n"
        "import gc; gc.collect()\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "ids = ids_from_tokenizer_json(raw)\n"
        "grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before\n"
        "print(ids.max_id, grown // 1024)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    max_id, grown_mib = (int(x) for x in proc.stdout.split())
    assert max_id == 149_999 and grown_mib < 30, proc.stdout
