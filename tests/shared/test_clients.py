"""The client factory's pure parts: the inference host per realm."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.clients import ClientFactory, inference_host_url


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-chicago-1", "https://inference.generativeai.us-chicago-1.oci.oraclecloud.com"),
        ("us-gov-ashburn-1", "https://inference.generativeai.us-gov-ashburn-1.oci.oraclegovcloud.com"),
        ("uk-gov-london-1", "https://inference.generativeai.uk-gov-london-1.oci.oraclegovcloud.uk"),
    ],
)
def test_inference_host_follows_the_realm_of_the_region(region: str, host: str) -> None:
    assert inference_host_url(region) == host


def test_inference_host_needs_a_region() -> None:
    with pytest.raises(ValueError, match="region"):
        inference_host_url("")


def test_factory_builds_the_government_host_from_its_config(tmp_path: Path, _localcloud_key: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[DEFAULT]\nuser=ocid1.user.oc2..u\nfingerprint="
        + ":".join(["ab"] * 16)
        + "\ntenancy=ocid1.tenancy.oc2..t\n"
        f"region=us-gov-ashburn-1\nkey_file={_localcloud_key}\n"
    )
    factory = ClientFactory(auth="api_key", config_file=str(config), env={})
    assert factory.openai_base_url() == (
        "https://inference.generativeai.us-gov-ashburn-1.oci.oraclegovcloud.com/openai/v1"
    )
