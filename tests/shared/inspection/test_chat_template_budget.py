"""A chat template cannot run long or build a huge prompt (issue 11, kind 6): rendering is bounded by
an operation and output budget in the sandbox, never by wall-clock time, and a template past it is
CHAT_TEMPLATE_INVALID saying it was cut short. On the previous tree the loops below ran for minutes
(125 million iterations) or exhausted memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.inspection.checks.chat_template import (
    CONVERSATION,
    MAX_OPERATIONS,
    _environment,
    _render,
    check_template,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"

LONG = {
    "nested loops": (
        "{% set xs = range(500) | list %}\n"
        "{% for a in xs %}{% for b in xs %}{% for c in xs %}{% endfor %}{% endfor %}{% endfor %}"
    ),
    "exponential macro": (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}\n{{ f(60) }}"
    ),
    "filters in a loop": "{% for i in range(50000) %}{% set x = range(50000) | join %}{% endfor %}",
    "methods in a loop": (
        "{% set s = 'a b ' * 200000 %}{% for i in range(100000) %}{% set x = s.split() %}{% endfor %}"
    ),
    "shadowed budget names": (
        "{% macro budget_loop(x) %}{% endmacro %}{% set budget_concat = 1 %}\n"
        "{% set xs = range(500) | list %}{% for a in xs %}{% for b in xs %}{% for c in xs %}"
        "{% endfor %}{% endfor %}{% endfor %}"
    ),
}

HUGE = {
    "~ doubling": (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
    ),
    "+ doubling": (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"
    ),
    "replace squaring": (
        "{% set ns = namespace(s='aa') %}{% for i in range(9) %}"
        "{% set ns.s = ns.s | replace('a', ns.s) %}{% endfor %}"
    ),
    "ljust": "{{ 'a'.ljust(10 ** 9) }}",
    "tojson of a repeated long string": "{% set s = 'x' * 100000 %}{{ ([s] * 1000) | tojson }}",
    "tojson of a doubling list": (
        "{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}"
        "{{ ns.x | tojson }}"
    ),
    "output": "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}",
}


@pytest.mark.parametrize("name", list(LONG))
def test_a_template_that_loops_long_is_cut_short(name: str) -> None:
    found = check_template(LONG[name], "chat_template.jinja", None)
    assert [f.code for f in found] == ["CHAT_TEMPLATE_INVALID"]
    assert "cut short" in found[0].message and f"{MAX_OPERATIONS:,} operations" in found[0].message


@pytest.mark.parametrize("name", list(HUGE))
def test_a_template_that_builds_a_huge_prompt_is_stopped_before_it_does(name: str) -> None:
    found = check_template(HUGE[name], "chat_template.jinja", None)
    assert [f.code for f in found] == ["CHAT_TEMPLATE_INVALID"]
    assert "limit 1,000,000" in found[0].message or "more than 100,000 items" in found[0].message


def test_a_real_template_costs_a_sliver_of_the_budget() -> None:
    """Qwen3's template (tool calls, reasoning, a reversed scan of the messages) renders as before."""
    template = (TEMPLATES / "Qwen__Qwen3.jinja").read_text()
    env = _environment()
    out = _render(env, template, {"messages": CONVERSATION, "add_generation_prompt": True})
    assert out.endswith("<|im_start|>user\nWhat is 2 + 2?<|im_end|>\n<|im_start|>assistant\n")
    assert env.operations < MAX_OPERATIONS // 1000
    assert check_template(template, "tokenizer_config.json: chat_template", None) == []


def test_loop_features_still_work_through_the_budget() -> None:
    template = (
        "{% for m in messages %}{{ loop.index }}/{{ loop.length }}{% if loop.last %}!{% endif %}"
        "{% if not loop.first %}{{ loop.previtem['role'] }}{% endif %}{% else %}none{% endfor %}"
        "{% for x in [[1, [2]], [3]] recursive %}"
        "{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}{% endfor %}"
        "{{ messages | map(attribute='role') | join(',') ~ '.' }}"
    )
    env = _environment()
    out = _render(env, template, {"messages": CONVERSATION})
    assert out == "1/32/3user3/3!assistant123user,assistant,user."
