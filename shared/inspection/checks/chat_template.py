"""Render the chat template the way transformers does, in jinja2's sandbox.

OCI serves imported chat models through /v1/chat/completions, where vLLM renders the
template with transformers' `apply_chat_template`. Its environment
(transformers/utils/chat_template_utils.py, `_compile_jinja_template`, 4.57.1):
`ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)` with the
`loopcontrols` extension and a `{% generation %}` block tag, a `tojson` filter that keeps
non-ASCII characters, and the globals `raise_exception` and `strftime_now`. A template that
fails to parse or raises on a short conversation would fail every request, so it is an error
naming the line.

The sandbox also refuses `*` and `**` that would build huge strings or numbers, so a template
cannot exhaust the function's memory.
"""

from __future__ import annotations

import json
from datetime import datetime
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

from shared.findings import Finding, finding

MAX_OUTPUT = 1_000_000
CONVERSATION = [
    {"role": "user", "content": "Hello, who are you?"},
    {"role": "assistant", "content": "I am a helpful assistant."},
    {"role": "user", "content": "What is 2 + 2?"},
]


class _Generation(Extension):
    """transformers' `{% generation %}...{% endgeneration %}` marks assistant text; render the body."""

    tags = {"generation"}

    def parse(self, parser: Any) -> nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and right > 64:
            raise jinja2.exceptions.SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT:
                    raise jinja2.exceptions.SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


def _raise(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None, **kwargs: Any) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, **kwargs)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def _environment() -> _Environment:
    extensions = [jinja2.ext.loopcontrols, _Generation]
    env = _Environment(trim_blocks=True, lstrip_blocks=True, extensions=extensions)
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = _strftime_now
    return env


def render_error(template: str, special_tokens: dict[str, str]) -> tuple[int | None, str] | None:
    """(line, message) when the template fails to parse or to render, else None."""
    env = _environment()
    try:
        compiled = env.from_string(template)
        out = compiled.render(messages=CONVERSATION, add_generation_prompt=True, **special_tokens)
    except jinja2.exceptions.TemplateSyntaxError as exc:
        return exc.lineno, f"syntax error: {exc.message}"
    except Exception as exc:  # any failure of the user's template is a finding, never a crash
        return _template_line(exc.__traceback__), f"{type(exc).__name__}: {str(exc)[:200]}"
    if not out.strip():
        return None, "renders an empty prompt"
    return None


def _template_line(tb: TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def special_tokens(tokenizer_config: dict[str, Any] | None) -> dict[str, str]:
    """bos/eos/... tokens as the template sees them (a dict holds its text in `content`)."""
    out: dict[str, str] = {}
    for key in ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token", "mask_token"):
        value = (tokenizer_config or {}).get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            out[key] = value
    return out


def check_template(template: str, where: str, tokenizer_config: dict[str, Any] | None) -> list[Finding]:
    error = render_error(template, special_tokens(tokenizer_config))
    if error is None:
        return []
    line, message = error
    at = f" at line {line}" if line is not None else ""
    return [
        finding(
            "CHAT_TEMPLATE_INVALID",
            where,
            f"the chat template in {where} fails{at} on a three-turn conversation with "
            f"add_generation_prompt: {message}",
        )
    ]
