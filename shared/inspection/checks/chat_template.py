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
cannot exhaust the function's memory, and a template cannot run for long: rendering is bounded by
an operation budget, not by wall-clock time. Every loop item, call and filter costs one operation
(a macro call eight; a filter or method over a long string or list one more per 64 items it
reads; `range(n)` n), and the output, `~` and `+` results and `tojson` stop at `MAX_OUTPUT` characters. A
three-turn conversation through the largest real templates costs a few thousand operations; a
template past `MAX_OPERATIONS` is CHAT_TEMPLATE_INVALID, saying it was cut short.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from types import BuiltinMethodType, TracebackType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.runtime import Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment

from shared.findings import Finding, finding

MAX_OUTPUT = 1_000_000
MAX_OPERATIONS = 200_000
#: items a filter or method reads per operation charged (C-speed work over a string or list)
_ITEMS_PER_OPERATION = 64
#: a macro call renders a body in a new frame: about as costly as this many loop items
_MACRO_COST = 8
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


class BudgetExceeded(jinja2.exceptions.SecurityError):
    """The template ran past its operation or output budget."""


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operations = 0

    def charge(self, n: int = 1) -> None:
        self.operations += n
        if self.operations > MAX_OPERATIONS:
            raise BudgetExceeded(
                f"cut short after {MAX_OPERATIONS:,} operations (loop items, calls, filters): "
                "the template loops too long to render a prompt"
            )

    def charge_for(self, value: Any) -> None:
        self.charge(1 + (len(value) // _ITEMS_PER_OPERATION if isinstance(value, _SIZED) else 0))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        receiver = getattr(__obj, "__self__", None) if isinstance(__obj, BuiltinMethodType) else None
        __self.charge_for(receiver)
        if isinstance(__obj, Macro):
            __self.charge(_MACRO_COST - 1)
        if receiver is not None:
            _guard(__obj.__name__, receiver, args, kwargs)
        return _bounded_result(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and right > 64:
            raise jinja2.exceptions.SecurityError("exponent too large")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_OUTPUT:
                    raise jinja2.exceptions.SecurityError("repetition too large")
        if operator == "+" and isinstance(left, _SIZED) and isinstance(right, _SIZED):
            _bounded_length(len(left) + len(right), "+")
        return super().call_binop(context, operator, left, right)

    def budget_loop(self, iterable: Any) -> Iterator[Any]:
        """Every `{% for %}` iterates through this: one operation an item."""
        for item in iterable:
            self.charge()
            yield item

    def budget_concat(self, *parts: Any) -> str:
        """`a ~ b`: jinja2 joins the parts' strings (autoescape off); the result is bounded."""
        text = "".join(str(p) for p in parts)
        _bounded_length(len(text), "~")
        return text

    def budget_range(self, *args: int) -> range:
        r = range(*args)
        self.charge(len(r))
        return r


_SIZED = (str, list, tuple, dict)


def _bounded_length(n: int, what: str) -> None:
    if n > MAX_OUTPUT:
        raise BudgetExceeded(f"a {what} result of {n:,} characters or items (limit {MAX_OUTPUT:,})")


#: string operations whose result can be the input's length times an argument's
_MULTIPLYING = frozenset({"replace", "indent", "wordwrap", "expandtabs"})


def _guard(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a filter or method call whose result could pass MAX_OUTPUT before it is built:
    inputs longer than that together, a width or count beyond it (`ljust`, `center`, `indent`),
    or a `replace`-like growth (the value's length times the largest argument)."""
    extra = (*args, *kwargs.values())
    sized = [len(a) for a in (value, *extra) if isinstance(a, _SIZED)]
    counts = [a for a in extra if isinstance(a, int) and not isinstance(a, bool)]
    _bounded_length(sum(sized), name)
    _bounded_length(max(counts, default=0), name)
    if isinstance(value, str) and name in _MULTIPLYING:
        factor = max([len(a) for a in extra if isinstance(a, str)] + counts + [1])
        _bounded_length(len(value) * factor, name)


def _bounded_result(result: Any) -> Any:
    if isinstance(result, _SIZED):
        _bounded_length(len(result), "call")
    return result


def _charged_filter(env: _Environment, name: str, f: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that charges for what it reads and is bounded like a method call; jinja2's
    pass_context/pass_eval_context/pass_environment marks are kept (functools.wraps copies the
    function's attributes), so the filter's first argument is the value only when it has no mark."""
    passes = getattr(f, "jinja_pass_arg", None) is not None

    @functools.wraps(f)
    def filtered(*args: Any, **kwargs: Any) -> Any:
        first = 1 if passes else 0
        value = args[first] if len(args) > first else None
        env.charge_for(value)
        _guard(name, value, args[first + 1 :], kwargs)
        return _bounded_result(f(*args, **kwargs))

    return filtered


def _budget(env: _Environment, template: nodes.Template) -> nodes.Template:
    """Route every loop's iterable and every `~` through the environment's budget (nodes.
    EnvironmentAttribute: the template cannot name or shadow them)."""
    for loop in template.find_all(nodes.For):
        call = nodes.Call(nodes.EnvironmentAttribute("budget_loop"), [loop.iter], [], None, None)
        call.set_lineno(loop.lineno).set_environment(env)
        loop.iter = call
    for concat in template.find_all(nodes.Concat):
        call = nodes.Call(nodes.EnvironmentAttribute("budget_concat"), list(concat.nodes), [], None, None)
        call.set_lineno(concat.lineno).set_environment(env)
        concat.nodes = [call]
    return template


def _raise(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None, **kwargs: Any) -> str:
    """transformers' tojson, for a value whose JSON stays within MAX_OUTPUT (a list that holds
    itself twice per level doubles at each; a list of one long string repeated multiplies it)."""
    _json_size(value)
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, **kwargs)


#: containers and scalars a tojson value may hold; real tool schemas hold a few hundred
MAX_JSON_NODES = 100_000


def _json_size(value: Any) -> None:
    """Walk the value as json.dumps will (shared parts once per reference), counting nodes and the
    characters of its strings, and stop past the limits."""
    stack, nodes_seen, chars = [value], 0, 0
    while stack:
        item = stack.pop()
        nodes_seen += 1
        if nodes_seen > MAX_JSON_NODES:
            raise BudgetExceeded(f"a tojson value of more than {MAX_JSON_NODES:,} items")
        if isinstance(item, str):
            chars += len(item)
            _bounded_length(chars, "tojson")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


def _environment() -> _Environment:
    extensions = [jinja2.ext.loopcontrols, _Generation]
    env = _Environment(trim_blocks=True, lstrip_blocks=True, extensions=extensions)
    env.filters["tojson"] = _tojson
    env.filters = {name: _charged_filter(env, name, f) for name, f in env.filters.items()}
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = _strftime_now
    env.globals["range"] = env.budget_range
    return env


def _render(env: _Environment, template: str, variables: dict[str, Any]) -> str:
    """Render chunk by chunk, stopping once the output passes MAX_OUTPUT."""
    compiled = env.from_string(_budget(env, env.parse(template)))
    out: list[str] = []
    size = 0
    for chunk in compiled.generate(**variables):
        size += len(chunk)
        _bounded_length(size, "rendered prompt")
        env.charge()
        out.append(chunk)
    return "".join(out)


def render_error(template: str, special_tokens: dict[str, str]) -> tuple[int | None, str] | None:
    """(line, message) when the template fails to parse or to render, else None."""
    env = _environment()
    variables = {"messages": CONVERSATION, "add_generation_prompt": True, **special_tokens}
    try:
        out = _render(env, template, variables)
    except jinja2.exceptions.TemplateSyntaxError as exc:
        return exc.lineno, f"syntax error: {exc.message}"
    except BudgetExceeded as exc:
        return _template_line(exc.__traceback__), str(exc)
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
