"""The module README documents every input and output and the steps a user cannot guess."""

from __future__ import annotations

from tfmodel import MODULE_DIR, STACK_DIR, load_dir

README = (MODULE_DIR / "README.md").read_text(encoding="utf-8")


def test_every_input_and_output_is_documented() -> None:
    for name in [*load_dir(MODULE_DIR).variables, *load_dir(STACK_DIR).variables]:
        assert f"`{name}`" in README, f"input {name} is missing from terraform/README.md"
    for name in load_dir(MODULE_DIR).outputs:
        assert f"| `{name}` |" in README, f"output {name} is missing from terraform/README.md"


def test_teardown_comes_before_destroy() -> None:
    teardown = README.find("model-import teardown --all")
    destroy = README.find("terraform destroy", teardown)
    assert teardown != -1 and destroy > teardown, "README: teardown --all, then destroy"


def test_build_push_apply_and_schedule_are_explained() -> None:
    steps = ("fn build", "docker push", "terraform apply", "func.yaml", "Resource Scheduler", "schema.yaml")
    for step in steps:
        assert step in README, f"the README does not explain {step!r}"
