"""Service limits of dedicated AI cluster units, read through the OCI Limits API.

Each unit shape counts against a per-tenancy limit named in OCI's table "Dedicated AI Cluster
Unit Sizes for Imported Models" (manage-imported-models.htm, copied to shared/data/unit-shapes.csv:
A10_X2 needs 2 units of `dedicated-unit-a10-count`, ...); real tenancies often start at 0 until
more is requested. It is read at VALIDATING, as soon as the shape is known and before the model
is imported (functions/validate.py), so an import that could never get its cluster fails early,
naming the limit and how to ask for more, instead of importing for hours and deleting the model
after a refused create; and read again in PROVISIONING just before the create (another
deployment may have used the room meanwhile).

The limit is the tenancy's, but `get_resource_availability(service, limit, compartment)` returns
"the number of available resources associated with the given limit" and "the usage in the
selected compartment for the given limit" (its API reference, and Terraform's
`oci_limits_resource_availability` data source): `used` is the usage in the compartment queried,
not the tenancy's, so every output labels it "used in compartment <ocid>" (`describe()`, the
`cost` table, `used_in_compartment` in JSON).

The Limits service name of Generative AI is not written in any page found, so it is looked up:
`list_limit_definitions(tenancy, name=<limit>)` returns the definition with its `service_name`
and `scope_type` (oci/limits/limits_client.py). Availability then comes from
`get_resource_availability(service, limit, compartment)` ("Note that not all resource limits
support this API. If the value is not available, the API returns a 404"), and the limit value
from `list_limit_values`. Whatever cannot be read (no policy, AD-scoped, 404) is reported as
unknown and never blocks: only a limit known to be too low refuses.
Reading limits needs a tenancy-level grant (terraform: create_limits_policy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import oci

from shared.shapes import UnitShape

HOW_TO_REQUEST = (
    "request a service limit increase for {limit} (service Generative AI) in the Console: "
    "Governance & Administration > Limits, Quotas and Usage > Request a service limit increase "
    "(https://docs.oracle.com/iaas/Content/General/Concepts/servicelimits.htm), or choose a shape "
    "whose limit has room (ALLOWED_SHAPES, or unit_shape in the manifest)"
)


@dataclass(frozen=True)
class UnitAvailability:
    shape: str
    limit_name: str
    needed: int
    available: int | None = None  # None: could not be read
    used: int | None = None
    limit: int | None = None  # the tenancy's limit
    service_name: str | None = None
    unknown_reason: str | None = None
    compartment_id: str | None = None  # where `used` was counted (the compartment queried)

    @property
    def enough(self) -> bool | None:
        """True/False when the Limits API answered; None when it could not be read."""
        return None if self.available is None else self.available >= self.needed

    def describe(self) -> str:
        if self.available is None:
            return f"{self.limit_name}: unknown ({self.unknown_reason})"
        limit = f"tenancy limit {self.limit}, " if self.limit is not None else ""
        where = f"compartment {self.compartment_id}" if self.compartment_id else "the compartment queried"
        used = f"{self.used} used in {where}, " if self.used is not None else ""
        return f"{self.limit_name}: {limit}{used}{self.available} available; {self.shape} needs {self.needed}"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "limit_name": self.limit_name,
            "needed": self.needed,
            "available": self.available,
            "used": self.used,
            "used_in_compartment": self.compartment_id,
            "limit": self.limit,
            "enough": self.enough,
            **({"unknown": self.unknown_reason} if self.unknown_reason else {}),
        }

    def refusal(self) -> str:
        return (
            f"the tenancy's limit {self.limit_name} leaves {self.available} unit(s) available "
            f"({self.describe()}), and a {self.shape} cluster needs {self.needed}: "
            + HOW_TO_REQUEST.format(limit=self.limit_name)
        )


def unit_availability(
    client: Any, tenancy_id: str, compartment_id: str, shape: UnitShape, unit_count: int = 1
) -> UnitAvailability:
    """How many units of `shape`'s limit are available in `compartment_id` (None where unknown)."""
    needed = shape.units_required * unit_count
    base = UnitAvailability(shape.name, shape.limit_name, needed)

    def unknown(reason: str) -> UnitAvailability:
        return UnitAvailability(shape.name, shape.limit_name, needed, unknown_reason=reason)

    try:
        definitions = client.list_limit_definitions(tenancy_id, name=shape.limit_name).data or []
        found = next((d for d in definitions if d.name == shape.limit_name), None)
        if found is None:
            return unknown("the Limits API lists no such limit in this region")
        if str(found.scope_type or "").upper() == "AD":
            return unknown("the limit is per availability domain; not checked")
        service = str(found.service_name)
        got = client.get_resource_availability(service, shape.limit_name, compartment_id).data
        values = client.list_limit_values(tenancy_id, service, name=shape.limit_name).data or []
    except oci.exceptions.ServiceError as exc:
        return unknown(f"Limits API answered {exc.status} {exc.code}")
    except (oci.exceptions.RequestException, oci.exceptions.ConnectTimeout) as exc:
        return unknown(f"Limits API unreachable: {type(exc).__name__}")
    if got is None or got.available is None:
        return unknown("the Limits API gives no availability for this limit")
    limit = next((v.value for v in values if str(v.scope_type or "").upper() != "AD"), None)
    return UnitAvailability(
        base.shape,
        base.limit_name,
        needed,
        available=int(got.available),
        used=int(got.used) if got.used is not None else None,
        limit=int(limit) if limit is not None else None,
        service_name=service,
        compartment_id=compartment_id,
    )


def unit_limits_table(client: Any, tenancy_id: str, compartment_id: str) -> list[UnitAvailability]:
    """Every dedicated-unit limit (one row per limit name, as its smallest shape needs it)."""
    from shared.shapes import unit_shapes

    smallest: dict[str, UnitShape] = {}
    for shape in unit_shapes().values():
        best = smallest.get(shape.limit_name)
        if best is None or shape.units_required < best.units_required:
            smallest[shape.limit_name] = shape
    return [unit_availability(client, tenancy_id, compartment_id, s) for _, s in sorted(smallest.items())]
