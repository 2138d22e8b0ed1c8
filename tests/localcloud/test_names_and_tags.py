"""localcloud refuses what OCI refuses: object names with LF, CR or NUL, and tags beyond OCI's limits.

Before issue 12 it stored `models/nl\\n/import.json` and any tags, so the pipeline met inputs
the real services never hand it (and tests could not see a tag the real service would refuse).
"""

from __future__ import annotations

from typing import Any

import oci
import pytest
from oci.generative_ai import models as M

COMP = "ocid1.compartment.oc1..localcloud"


@pytest.mark.parametrize("name", ["models/nl\n/import.json", "a\rb", "nul\0.json"])
def test_object_names_with_line_breaks_or_nul_are_refused(localcloud: Any, name: str) -> None:
    client = localcloud.factory.object_storage()
    with pytest.raises(oci.exceptions.ServiceError) as info:
        client.put_object(localcloud.info.namespace, localcloud.info.bucket, name, b"{}")
    assert info.value.status == 400 and info.value.code == "InvalidObjectName"


def test_ordinary_unicode_names_still_work(localcloud: Any) -> None:
    client = localcloud.factory.object_storage()
    client.put_object(localcloud.info.namespace, localcloud.info.bucket, "models/ünï côde/import.json", b"{}")


@pytest.mark.parametrize(
    "tags",
    [
        {f"k{i}": "v" for i in range(65)},
        {"k" * 101: "v"},
        {"k": "v" * 257},
        {f"k{i}": "v" * 200 for i in range(30)},  # 64 or fewer, but over 5 KB
    ],
)
def test_tags_beyond_oci_limits_are_refused(localcloud: Any, tags: dict[str, str]) -> None:
    client = localcloud.factory.generative_ai()
    details = M.CreateDedicatedAiClusterDetails(
        compartment_id=COMP, type="HOSTING", unit_count=1, unit_shape="A10_X1", freeform_tags=tags
    )
    with pytest.raises(oci.exceptions.ServiceError) as info:
        client.create_dedicated_ai_cluster(details)
    assert info.value.status == 400


def test_tags_at_the_limits_pass(localcloud: Any) -> None:
    client = localcloud.factory.generative_ai()
    tags = {"k" * 100: "v" * 256, **{f"k{i}": "v" for i in range(10)}}
    details = M.CreateDedicatedAiClusterDetails(
        compartment_id=COMP, type="HOSTING", unit_count=1, unit_shape="A10_X1", freeform_tags=tags
    )
    assert client.create_dedicated_ai_cluster(details).data.freeform_tags == tags
