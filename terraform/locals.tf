locals {
  # Optional strings given "" (a field cleared in Resource Manager, or `x = ""` in a tfvars
  # file) count as unset: every count, enabled switch and argument of the module reads them
  # from here, never from var.* (coalesce() already skips ""; tests/terraform/test_tf_unset.py).
  given = { for name, value in {
    sweep_schedule_cron         = var.sweep_schedule_cron
    bucket_kms_key_id           = var.bucket_kms_key_id
    hf_token_secret_id          = var.hf_token_secret_id
    existing_subnet_id          = var.existing_subnet_id
    existing_dynamic_group_name = var.existing_dynamic_group_name
    identity_domain_name        = var.identity_domain_name
    identity_domain_url         = var.identity_domain_url
    vault_id                    = var.vault_id
    vault_key_id                = var.vault_key_id
    genai_region                = var.genai_region
    genai_project_id            = var.genai_project_id
    ai_unit_price_per_hour      = var.ai_unit_price_per_hour
  } : name => (value == null ? null : (trimspace(value) == "" ? null : value)) }
  # Apart: the token is sensitive, and the map above feeds counts.
  given_hf_token = var.hf_token == null ? null : (trimspace(var.hf_token) == "" ? null : var.hf_token)

  genai_compartment_id = coalesce(var.genai_compartment_ocid, var.compartment_ocid)
  # IAM refuses a statement naming a compartment outside the subtree of the compartment its
  # policy is attached to ("400-InvalidParameter ... not part of the policy compartment
  # subtree"). The statements name the main, state, Generative AI, topic, secret and key
  # compartments, which may be siblings (the state compartment must be: no uploader grant may
  # reach it), so the policies are attached to the root compartment unless
  # policy_compartment_ocid names a common ancestor of all of them.
  policy_compartment_id = coalesce(var.policy_compartment_ocid, var.tenancy_ocid)
  bucket_name           = coalesce(var.bucket_name, "${var.name_prefix}-models")
  state_bucket_name     = coalesce(var.state_bucket_name, "${var.name_prefix}-state")
  state_compartment_id  = coalesce(var.state_compartment_ocid, var.compartment_ocid)
  topic_name            = coalesce(var.topic_name, "${var.name_prefix}-notifications")
  topic_compartment_id  = coalesce(var.topic_compartment_ocid, var.compartment_ocid)
  namespace             = data.oci_objectstorage_namespace.this.namespace

  tags = merge(var.freeform_tags, { "deployed-by" = "oci-model-import-terraform" })

  # The event contract lives in the repository's events/ folder, next to this module: the
  # rule conditions are read from there and never copied. A consumer must therefore fetch
  # the whole repository (a git source with the //terraform subdirectory), see README.md.
  event_rules_dir = "${path.module}/../events/rules"

  # One entry per rule of events.matching.RULES; optional rules are created only when the
  # setting named in RuleSpec.optional_setting is on (tests/terraform checks both).
  event_rules = {
    "manifest-written" = {
      description = "A manifest models/<name>/import.json was created or overwritten."
      enabled     = true
    }
    "request-written" = {
      description = "A Hugging Face request requests/<name>.json was created or overwritten."
      enabled     = true
    }
    "state-written" = {
      description = "An import's state document was written: reconcile that import."
      enabled     = true
    }
    "source-deleted" = {
      description = "A manifest or request was deleted: tear that deployment down."
      enabled     = true
    }
    "config-written" = {
      description = "models/<name>/config.json was written (optional config-trigger mode)."
      enabled     = var.trigger_on_config
    }
  }
  active_event_rules = { for name, rule in local.event_rules : name => rule if rule.enabled }

  subnet_id = var.create_network ? oci_core_subnet.functions[0].id : local.given.existing_subnet_id

  hf_token_secret_id = var.create_hf_token_secret ? oci_vault_secret.hf_token[0].id : local.given.hf_token_secret_id

  # Every key of shared.settings.SETTINGS_DOC. Unset optional settings are dropped rather
  # than passed empty, so the function applies its own default (Settings.from_env ignores
  # empty values anyway). OCI limits the whole configuration to 4 KB.
  function_config_all = {
    COMPARTMENT_ID            = local.genai_compartment_id
    BUCKET_NAME               = oci_objectstorage_bucket.models.name
    STATE_BUCKET_NAME         = oci_objectstorage_bucket.state.name
    TOPIC_ID                  = oci_ons_notification_topic.notifications.id
    NAMESPACE                 = local.namespace
    REGION                    = local.given.genai_region
    GENAI_PROJECT_ID          = local.given.genai_project_id
    HF_TOKEN_SECRET_ID        = local.hf_token_secret_id
    AI_UNIT_PRICE_PER_HOUR    = local.given.ai_unit_price_per_hour == null ? null : tostring(tonumber(local.given.ai_unit_price_per_hour))
    MAX_AI_UNITS_PER_IMPORT   = tostring(var.max_ai_units_per_import)
    MAX_AI_UNITS_TOTAL        = tostring(var.max_ai_units_total)
    ALLOWED_SHAPES            = join(",", var.allowed_shapes)
    POLL_SECONDS              = tostring(var.poll_seconds)
    POLL_INTERVAL_SECONDS     = tostring(var.poll_interval_seconds)
    DEADLINE_VALIDATE_MINUTES = tostring(var.stage_deadline_minutes.validate)
    DEADLINE_IMPORT_MINUTES   = tostring(var.stage_deadline_minutes.import)
    DEADLINE_CLUSTER_MINUTES  = tostring(var.stage_deadline_minutes.cluster)
    DEADLINE_ENDPOINT_MINUTES = tostring(var.stage_deadline_minutes.endpoint)
    DEADLINE_SMOKE_MINUTES    = tostring(var.stage_deadline_minutes.smoke)
    FAILURE_POLICY            = var.failure_policy
    TRIGGER_ON_CONFIG         = var.trigger_on_config ? "true" : "false"
    SERVING_CONTEXT_TOKENS    = var.serving_context_tokens == null ? null : tostring(var.serving_context_tokens)
    SERVING_CONCURRENCY       = var.serving_concurrency == null ? null : tostring(var.serving_concurrency)
    LOG_LEVEL                 = var.log_level
  }
  function_config = { for key, value in local.function_config_all : key => value if value != null && value != "" }
}
