output "bucket_name" {
  description = "The watched bucket."
  value       = oci_objectstorage_bucket.models.name
}

output "state_bucket_name" {
  description = "The state bucket: state documents and the AI-unit ledger, written only by the function."
  value       = oci_objectstorage_bucket.state.name
}

output "namespace" {
  description = "Object Storage namespace of the bucket."
  value       = local.namespace
}

output "topic_id" {
  description = "Notifications topic the pipeline publishes to."
  value       = oci_ons_notification_topic.notifications.id
}

output "function_id" {
  description = "OCID of the pipeline function."
  value       = oci_functions_function.pipeline.id
}

output "function_invoke_endpoint" {
  description = "Invoke endpoint of the pipeline function."
  value       = oci_functions_function.pipeline.invoke_endpoint
}

output "application_id" {
  description = "OCID of the Functions application."
  value       = oci_functions_application.this.id
}

output "subnet_id" {
  description = "Subnet the function runs in."
  value       = local.subnet_id
}

output "event_rule_ids" {
  description = "Events rules by contract name (events/rules/<name>.json)."
  value       = { for name, rule in oci_events_rule.pipeline : name => rule.id }
}

output "log_group_id" {
  description = "Log group holding the function invoke log and the rule execution logs."
  value       = oci_logging_log_group.this.id
}

output "function_invoke_log_id" {
  description = "Log with every line the function writes."
  value       = oci_logging_log.function_invoke.id
}

output "hf_token_secret_id" {
  description = "Vault secret the function reads the Hugging Face token from (null when none)."
  value       = local.hf_token_secret_id
}

output "function_config" {
  description = "Configuration passed to the function (no secret in it: the token stays in Vault)."
  value       = local.function_config
}

output "dynamic_group_name" {
  description = "Dynamic group the policies name."
  value       = local.dynamic_group_name
}

output "dynamic_group_matching_rule" {
  description = "Matching rule of the dynamic group (for an administrator when create_policies is false)."
  value       = local.dynamic_group_matching_rule
}

output "policy_statements" {
  description = "Every IAM statement the deployment needs, whether or not this module created the policies."
  value       = local.policy_statements

  # The tenancy-wide guard lives here too: with create_policies = false the policy resources have
  # count = 0 and their preconditions never run, but these statements still go to an
  # administrator, who would paste "in tenancy" for a compartment variable given the tenancy OCID.
  # An output's precondition is checked at every plan.
  precondition {
    condition     = var.allow_tenancy_wide_grants || length(local.tenancy_wide_compartments) == 0
    error_message = "These compartment variables are the tenancy OCID, which would make the function's grants tenancy-wide: ${join(", ", local.tenancy_wide_compartments)}. Give a compartment OCID, or set allow_tenancy_wide_grants = true to deploy in the root compartment on purpose."
  }
}

output "upload_instructions" {
  description = "How to start an import."
  value = join("\n", [
    "Object Storage source: upload the model folder, then the manifest last:",
    "  model-import upload ./my-model --bucket ${oci_objectstorage_bucket.models.name} --name my-model",
    "  (or: oci os object bulk-upload -ns ${local.namespace} -bn ${oci_objectstorage_bucket.models.name} --src-dir ./my-model --object-prefix models/my-model/",
    "   then: echo '{}' | oci os object put -ns ${local.namespace} -bn ${oci_objectstorage_bucket.models.name} --name models/my-model/import.json --file -)",
    "Hugging Face source:",
    "  model-import import-hf org/model --bucket ${oci_objectstorage_bucket.models.name}",
    "Status: model-import status --bucket ${oci_objectstorage_bucket.models.name} --state-bucket ${oci_objectstorage_bucket.state.name}   (state documents under state/ of the state bucket)",
  ])
}
