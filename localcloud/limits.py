"""The Limits API (20190729) for dedicated AI cluster units, as `oci.limits.LimitsClient` calls it.

One limit per unit family (the `limit_name` column of shared/data/unit-shapes.csv), REGION
scope; usage is what the live hosting clusters of the local Generative AI take (units_required
x unitCount per cluster, DELETED ones freed). Values come from `CloudConfig.unit_limits`
(limit name -> value); unset limits are generous (DEFAULT_UNIT_LIMIT), and 0 is allowed, as on a
new tenancy. The service name "generative-ai" is this emulation's choice: the pipeline never
assumes it, it finds it through list_limit_definitions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from localcloud.web import Request, Response, Route, ServiceError, route
from shared.shapes import unit_shapes

API = "/20190729"
SERVICE = "limits"
SERVICE_NAME = "generative-ai"
DEFAULT_UNIT_LIMIT = 64


def invalid(message: str) -> ServiceError:
    return ServiceError(400, "InvalidParameter", message)


class LimitsService:
    def __init__(self, values: Mapping[str, int], units_in_use: Callable[[], dict[str, int]]) -> None:
        names = sorted({s.limit_name for s in unit_shapes().values()})
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError(f"unknown unit limits {unknown}; known: {', '.join(names)}")
        self.values = {n: int(values.get(n, DEFAULT_UNIT_LIMIT)) for n in names}
        self.units_in_use = units_in_use

    def routes(self) -> list[Route]:
        return [
            route("GET", f"{API}/limitDefinitions", self.list_definitions, SERVICE),
            route("GET", f"{API}/limitValues", self.list_values, SERVICE),
            route(
                "GET",
                f"{API}/services/{{serviceName}}/limits/{{limitName}}/resourceAvailability",
                self.availability,
                SERVICE,
            ),
        ]

    @staticmethod
    def _compartment(req: Request) -> str:
        compartment = req.q("compartmentId")
        if not compartment:
            raise invalid("compartmentId is required")
        return compartment

    def _names(self, req: Request) -> list[str]:
        service = req.q("serviceName")
        if service and service != SERVICE_NAME:
            return []
        return [n for n in self.values if not req.q("name") or n == req.q("name")]

    def list_definitions(self, req: Request) -> Response:
        self._compartment(req)
        items = [
            {
                "name": n,
                "serviceName": SERVICE_NAME,
                "description": f"Dedicated AI cluster units ({n})",
                "scopeType": "REGION",
                "areQuotasSupported": True,
                "isResourceAvailabilitySupported": True,
                "isDeprecated": False,
                "isEligibleForLimitIncrease": True,
                "isDynamic": False,
            }
            for n in self._names(req)
        ]
        return Response.json(items)

    def list_values(self, req: Request) -> Response:
        self._compartment(req)
        if not req.q("serviceName"):
            raise invalid("serviceName is required")
        items = [{"name": n, "scopeType": "REGION", "value": self.values[n]} for n in self._names(req)]
        return Response.json(items)

    def availability(self, req: Request) -> Response:
        self._compartment(req)
        service, name = req.params["serviceName"], req.params["limitName"]
        if service != SERVICE_NAME or name not in self.values:
            raise ServiceError(404, "NotAuthorizedOrNotFound", f"no limit {name} in service {service}")
        if req.q("availabilityDomain"):
            raise invalid(f"{name} has REGION scope: omit availabilityDomain")
        used = self.units_in_use().get(name, 0)
        return Response.json({"used": used, "available": max(0, self.values[name] - used)})
