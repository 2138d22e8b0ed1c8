resource "oci_logging_log_group" "this" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-logs"
  description    = "Function invocations and Events rule executions of the model-import pipeline."
  freeform_tags  = local.tags
}

# Everything the function prints (its JSON log lines) lands in the application's invoke log.
resource "oci_logging_log" "function_invoke" {
  display_name       = "${var.name_prefix}-function-invoke"
  log_group_id       = oci_logging_log_group.this.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days
  freeform_tags      = local.tags

  configuration {
    compartment_id = var.compartment_ocid

    source {
      category    = "invoke"
      resource    = oci_functions_application.this.id
      service     = "functions"
      source_type = "OCISERVICE"
    }
  }
}

# Shows whether a rule matched and whether delivering to the function succeeded.
resource "oci_logging_log" "rule_execution" {
  for_each = oci_events_rule.pipeline

  display_name       = "${var.name_prefix}-rule-${each.key}"
  log_group_id       = oci_logging_log_group.this.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days
  freeform_tags      = local.tags

  configuration {
    # The rule's own compartment: the state-written rule lives in the state compartment.
    compartment_id = each.value.compartment_id

    source {
      category    = "ruleexecutionlog"
      resource    = each.value.id
      service     = "cloudevents"
      source_type = "OCISERVICE"
    }
  }
}
