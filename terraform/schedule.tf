# Optional periodic invocation so the function's sweep (run on every invocation) finds an
# import whose stage deadline passed without any event, such as a lost event. OCI Resource
# Scheduler can start functions on a schedule ("Scheduling Functions" in the OCI Functions
# docs); it invokes with an empty body. Events rules have no timer event.
resource "oci_resource_scheduler_schedule" "sweep" {
  count = local.given.sweep_schedule_cron == null ? 0 : 1

  compartment_id     = var.compartment_ocid
  display_name       = "${var.name_prefix}-sweep"
  description        = "Invoke the model-import function periodically to sweep stalled imports."
  action             = "START_RESOURCE"
  recurrence_type    = "CRON"
  recurrence_details = local.given.sweep_schedule_cron
  freeform_tags      = local.tags

  resources {
    id = oci_functions_function.pipeline.id
  }
}
