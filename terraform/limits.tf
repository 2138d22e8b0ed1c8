# Optional: let the function read service limits, so an import whose unit shape has no room
# under the tenancy's limit (dedicated-unit-a10-count, ...: often 0 until requested) is refused
# before anything is created (shared/pipeline/limits.py). Limits are tenancy-wide, so the grant
# can only be written at the tenancy; it reads limits and availability, nothing else:
# "Allow group LimitsAndUsageViewers to inspect resource-availability in tenancy"
# (https://docs.oracle.com/iaas/Content/General/Concepts/servicelimits.htm). GetResourceAvailability
# is also covered by `read` in public policies; both are granted so either reading works. Without
# this policy the function reads nothing, logs the limit as unknown, and never blocks on it.
locals {
  limits_statements = [
    "Allow ${local.function_subject} to inspect resource-availability in tenancy",
    "Allow ${local.function_subject} to read resource-availability in tenancy",
  ]
}

resource "oci_identity_policy" "limits" {
  count    = var.create_policies && var.create_limits_policy ? 1 : 0
  provider = oci.home

  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-limits"
  description    = "The model-import function may read service limits (tenancy-wide, read only)."
  statements     = local.limits_statements
  freeform_tags  = local.tags
}
