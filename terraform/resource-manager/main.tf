# The Resource Manager stack: the module of the parent folder with every one of its inputs
# forwarded (variables.tf is a link to the module's, so the two cannot drift apart). Upload
# a zip holding the terraform/ and events/ folders and set the working directory to
# terraform/resource-manager (see ../README.md).
#
# Resource Manager sends "" for an optional field the user cleared: every optional string
# input goes on to the module as null then, as if never set (the validations accept "").
module "model_import" {
  source = "../"

  providers = {
    oci      = oci
    oci.home = oci.home
  }

  tenancy_ocid                     = var.tenancy_ocid
  region                           = var.region
  compartment_ocid                 = var.compartment_ocid
  genai_compartment_ocid           = var.genai_compartment_ocid == "" ? null : var.genai_compartment_ocid
  genai_region                     = var.genai_region == "" ? null : var.genai_region
  genai_project_id                 = var.genai_project_id == "" ? null : var.genai_project_id
  name_prefix                      = var.name_prefix
  freeform_tags                    = var.freeform_tags
  bucket_name                      = var.bucket_name == "" ? null : var.bucket_name
  state_bucket_name                = var.state_bucket_name == "" ? null : var.state_bucket_name
  state_compartment_ocid           = var.state_compartment_ocid == "" ? null : var.state_compartment_ocid
  allow_shared_state_compartment   = var.allow_shared_state_compartment
  allow_tenancy_wide_grants        = var.allow_tenancy_wide_grants
  bucket_kms_key_id                = var.bucket_kms_key_id == "" ? null : var.bucket_kms_key_id
  bucket_kms_key_compartment_ocid  = var.bucket_kms_key_compartment_ocid == "" ? null : var.bucket_kms_key_compartment_ocid
  state_version_retention_days     = var.state_version_retention_days
  artifact_version_retention_days  = var.artifact_version_retention_days
  multipart_abort_days             = var.multipart_abort_days
  create_network                   = var.create_network
  existing_subnet_id               = var.existing_subnet_id == "" ? null : var.existing_subnet_id
  vcn_cidr                         = var.vcn_cidr
  subnet_cidr                      = var.subnet_cidr
  network_security_group_ids       = var.network_security_group_ids
  function_image                   = var.function_image
  function_memory_mb               = var.function_memory_mb
  function_timeout_seconds         = var.function_timeout_seconds
  application_shape                = var.application_shape
  ai_unit_price_per_hour           = var.ai_unit_price_per_hour == "" ? null : var.ai_unit_price_per_hour
  max_ai_units_per_import          = var.max_ai_units_per_import
  max_ai_units_total               = var.max_ai_units_total
  allowed_shapes                   = var.allowed_shapes
  poll_seconds                     = var.poll_seconds
  poll_interval_seconds            = var.poll_interval_seconds
  stage_deadline_minutes           = var.stage_deadline_minutes
  failure_policy                   = var.failure_policy
  trigger_on_config                = var.trigger_on_config
  serving_context_tokens           = var.serving_context_tokens
  serving_concurrency              = var.serving_concurrency
  log_level                        = var.log_level
  hf_token_secret_id               = var.hf_token_secret_id == "" ? null : var.hf_token_secret_id
  hf_token_secret_compartment_ocid = var.hf_token_secret_compartment_ocid == "" ? null : var.hf_token_secret_compartment_ocid
  create_hf_token_secret           = var.create_hf_token_secret
  hf_token                         = var.hf_token == "" ? null : var.hf_token
  vault_id                         = var.vault_id == "" ? null : var.vault_id
  vault_key_id                     = var.vault_key_id == "" ? null : var.vault_key_id
  topic_name                       = var.topic_name == "" ? null : var.topic_name
  topic_compartment_ocid           = var.topic_compartment_ocid == "" ? null : var.topic_compartment_ocid
  notification_subscriptions       = concat(var.notification_subscriptions, local.email_subscriptions)
  log_retention_days               = var.log_retention_days
  create_policies                  = var.create_policies
  existing_dynamic_group_name      = var.existing_dynamic_group_name == "" ? null : var.existing_dynamic_group_name
  identity_domain_name             = var.identity_domain_name == "" ? null : var.identity_domain_name
  identity_domain_url              = var.identity_domain_url == "" ? null : var.identity_domain_url
  policy_compartment_ocid          = var.policy_compartment_ocid == "" ? null : var.policy_compartment_ocid
  inference_resource_types         = var.inference_resource_types
  create_rerank_policy             = var.create_rerank_policy
  create_limits_policy             = var.create_limits_policy
  policy_propagation_seconds       = var.policy_propagation_seconds
  sweep_schedule_cron              = var.sweep_schedule_cron == "" ? null : var.sweep_schedule_cron
}
