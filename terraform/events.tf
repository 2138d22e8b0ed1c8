# One rule per condition file of the event contract (events/rules/<name>.json), rendered
# with templatefile() so that Terraform and the local cloud read the very same JSON. The
# decode/encode round trip only minifies it: one canonical string, so a service that stores
# the condition without the file's line breaks does not show a change on every plan.
resource "oci_events_rule" "pipeline" {
  for_each = local.active_event_rules

  # "Rules apply to events in the rule's compartment and any child compartments" (docstring
  # of oci.events.models.CreateRuleDetails.condition; the provider's events_rule page says the
  # same), so the rule on the state bucket lives in the state bucket's compartment. Its action
  # may be in another compartment ("Managing Rules for Events").
  compartment_id = each.key == "state-written" ? local.state_compartment_id : var.compartment_ocid
  display_name   = "${var.name_prefix}-${each.key}"
  description    = each.value.description
  is_enabled     = true
  condition      = jsonencode(jsondecode(templatefile("${local.event_rules_dir}/${each.key}.json", { bucket_name = oci_objectstorage_bucket.models.name, state_bucket_name = oci_objectstorage_bucket.state.name })))
  freeform_tags  = local.tags

  actions {
    actions {
      action_type = "FAAS"
      is_enabled  = true
      function_id = oci_functions_function.pipeline.id
      description = "Reconcile the import this object belongs to."
    }
  }
}
