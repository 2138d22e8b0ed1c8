"""Where each default comes from: the command line, then the environment, then localcloud.json."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from cli.context import CliContext, parse_tags
from cli.output import CliError


def ns(**kw: Any) -> argparse.Namespace:
    base = {"auth": None, "config_file": None, "profile": None, "region": None, "compartment_id": None}
    return argparse.Namespace(**{**base, **kw})


def test_local_cloud_supplies_bucket_namespace_compartment_and_hub(localcloud: Any) -> None:
    ctx = CliContext(ns(bucket=None, namespace=None, price=None), env=localcloud.env)
    assert ctx.bucket == localcloud.info.bucket
    assert ctx.namespace == localcloud.info.namespace
    assert ctx.compartment_id == localcloud.info.compartment_id
    assert ctx.hub_endpoint == localcloud.info.hub_endpoint
    assert ctx.price is None


def test_command_line_beats_environment_beats_local_cloud(localcloud: Any) -> None:
    env = {
        **localcloud.env,
        "BUCKET_NAME": "from-env",
        "AI_UNIT_PRICE_PER_HOUR": "3.5",
        "HF_ENDPOINT": "http://h",
    }
    ctx = CliContext(ns(bucket=None, namespace=None, price=None), env=env)
    assert ctx.bucket == "from-env" and ctx.price == 3.5 and ctx.hub_endpoint == "http://h"
    ctx = CliContext(ns(bucket="from-args", namespace="n", price=1.0, compartment_id="c"), env=env)
    assert (ctx.bucket, ctx.namespace, ctx.price, ctx.compartment_id) == ("from-args", "n", 1.0, "c")


def test_missing_values_are_usage_errors_naming_the_option() -> None:
    ctx = CliContext(ns(bucket=None, namespace=None, price=None), env={})
    with pytest.raises(CliError) as bucket:
        _ = ctx.bucket
    assert bucket.value.exit_code == 2 and "--bucket" in str(bucket.value)
    with pytest.raises(CliError) as comp:
        _ = ctx.compartment_id
    assert "--compartment-id" in str(comp.value)
    bad = CliContext(ns(price=None), env={"AI_UNIT_PRICE_PER_HOUR": "cheap"})
    with pytest.raises(CliError):
        _ = bad.price


def test_oci_cli_environment_variables_are_honoured(tmp_path: Any) -> None:
    env = {
        "OCI_CLI_PROFILE": "OTHER",
        "OCI_CLI_CONFIG_FILE": str(tmp_path / "cfg"),
        "OCI_CLI_REGION": "eu-frankfurt-1",
    }
    ctx = CliContext(ns(), env=env)
    assert ctx.factory.profile == "OTHER" and ctx.factory.config_file == str(tmp_path / "cfg")
    assert ctx.factory._region == "eu-frankfurt-1"


def test_parse_tags() -> None:
    assert parse_tags(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(CliError):
        parse_tags(["novalue"])
