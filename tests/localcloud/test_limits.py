"""The Limits API emulation and the pipeline's reading of it, through the real SDK."""

from __future__ import annotations

import oci
import pytest

from shared.pipeline.limits import unit_availability
from shared.shapes import get_shape


def test_limits_follow_the_configuration_and_the_live_clusters(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud(unit_limits={"dedicated-unit-a10-count": 2, "dedicated-unit-h100-count": 0})
    limits = cloud.factory.limits()
    tenancy, comp = cloud.factory.tenancy_id, cloud.info.compartment_id
    a10x2, h100 = get_shape("A10_X2"), get_shape("H100_X1")
    assert a10x2 is not None and h100 is not None

    fits = unit_availability(limits, tenancy, comp, a10x2)
    assert (fits.limit, fits.used, fits.available, fits.needed, fits.enough) == (2, 0, 2, 2, True)
    # the limit is the tenancy's; `used` is the Limits API's usage in the compartment queried
    assert f"tenancy limit 2, 0 used in compartment {comp}, 2 available" in fits.describe()
    assert fits.to_json_dict()["used_in_compartment"] == comp
    zero = unit_availability(limits, tenancy, comp, h100)
    assert zero.enough is False and "dedicated-unit-h100-count" in zero.refusal()
    assert "Request a service limit increase" in zero.refusal() or "service limit increase" in zero.refusal()

    genai = cloud.factory.generative_ai()
    genai.create_dedicated_ai_cluster(
        oci.generative_ai.models.CreateDedicatedAiClusterDetails(
            compartment_id=comp, type="HOSTING", unit_shape="A10_X1", unit_count=1
        )
    )
    after = unit_availability(limits, tenancy, comp, a10x2)
    assert (after.used, after.available, after.enough) == (1, 1, False)
    generous = unit_availability(limits, tenancy, comp, get_shape("A100_80G_X1"))  # type: ignore[arg-type]
    assert generous.enough is True and generous.limit == 64


def test_an_unreadable_limit_is_unknown_and_never_blocks(make_localcloud) -> None:  # type: ignore[no-untyped-def]
    cloud = make_localcloud()
    cloud.set_fault(service="limits", status=404, code="NotAuthorizedOrNotFound")
    shape = get_shape("A10_X1")
    assert shape is not None
    got = unit_availability(
        cloud.factory.limits(), cloud.factory.tenancy_id, cloud.info.compartment_id, shape
    )
    assert got.enough is None and "404" in (got.unknown_reason or "")


def test_unknown_limit_names_are_refused_at_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from localcloud.limits import LimitsService

    with pytest.raises(ValueError, match="dedicated-unit-a10-count"):
        LimitsService({"dedicated-unit-tpu-count": 1}, dict)
