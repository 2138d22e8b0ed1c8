# Inputs of the module. Every variable is described; every one that can be checked before
# apply is validated. Conditions only reference their own variable (Terraform >= 1.5);
# cross-variable rules are lifecycle preconditions on the resources they concern.
# An optional string (default null) also accepts "": Resource Manager sends "" for a field
# the user cleared, and its stack (resource-manager/main.tf) passes that on as null.

# ------------------------------------------------------------------ placement

variable "tenancy_ocid" {
  description = "OCID of the tenancy. The dynamic group is created at the tenancy (root) level."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.tenancy\\.", var.tenancy_ocid))
    error_message = "tenancy_ocid must be a tenancy OCID (ocid1.tenancy...)."
  }
}

variable "region" {
  description = "Region identifier of the deployment (for example us-chicago-1): bucket, function, rules and topic live here."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be a region identifier such as us-chicago-1."
  }
}

variable "compartment_ocid" {
  description = "Compartment for the bucket, network, function, rules, topic, logs and (by default) the Generative AI resources."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.(compartment|tenancy)\\.", var.compartment_ocid))
    error_message = "compartment_ocid must be a compartment OCID (ocid1.compartment...) or the tenancy OCID."
  }
}

variable "genai_compartment_ocid" {
  description = "Compartment where the pipeline creates imported models, dedicated AI clusters and endpoints (COMPARTMENT_ID). Null: compartment_ocid."
  type        = string
  default     = null

  validation {
    condition     = var.genai_compartment_ocid == null ? true : var.genai_compartment_ocid == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.", var.genai_compartment_ocid))
    error_message = "genai_compartment_ocid must be a compartment OCID or null."
  }
}

variable "genai_region" {
  description = "Region of the Generative AI service the pipeline calls (REGION). Null: the function's own region."
  type        = string
  default     = null

  validation {
    condition     = var.genai_region == null ? true : var.genai_region == "" || can(regex("^[a-z]+(-[a-z]+)+-[0-9]+$", var.genai_region))
    error_message = "genai_region must be a region identifier such as us-chicago-1, or null."
  }
}

variable "genai_project_id" {
  description = "Generative AI project OCID sent as OpenAI-Project on the OpenAI-compatible route (GENAI_PROJECT_ID); OCI documents projects as required there (use-project.htm). Null: none, and the smoke test falls back to the native chat action if the route refuses."
  type        = string
  default     = null

  validation {
    condition     = var.genai_project_id == null ? true : var.genai_project_id == "" || can(regex("^ocid1\\.generativeaiproject\\.", var.genai_project_id))
    error_message = "genai_project_id must be a Generative AI project OCID (ocid1.generativeaiproject...) or null."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (lower case letters, digits and dashes)."
  type        = string
  default     = "model-import"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,29}$", var.name_prefix))
    error_message = "name_prefix must be 2-30 characters: a lower-case letter, then lower-case letters, digits or dashes."
  }
}

variable "freeform_tags" {
  description = "Free-form tags added to every taggable resource this module creates."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.freeform_tags) : !contains(["import-id", "import-name", "step", "managed-by"], k)])
    error_message = "freeform_tags must not use the keys the pipeline reserves: import-id, import-name, step, managed-by."
  }
}

# ------------------------------------------------------------------ bucket

variable "bucket_name" {
  description = "Name of the watched bucket (BUCKET_NAME). Null: <name_prefix>-models."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null ? true : var.bucket_name == "" || can(regex("^[A-Za-z0-9._-]{1,256}$", var.bucket_name))
    error_message = "bucket_name must be 1-256 letters, digits, dots, dashes or underscores."
  }
}

variable "bucket_kms_key_id" {
  description = "OCID of a Vault key to encrypt the bucket with (customer-managed key). Null: Oracle-managed keys."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_kms_key_id == null ? true : var.bucket_kms_key_id == "" || can(regex("^ocid1\\.key\\.", var.bucket_kms_key_id))
    error_message = "bucket_kms_key_id must be a key OCID (ocid1.key...) or null."
  }
}

variable "bucket_kms_key_compartment_ocid" {
  description = "Compartment of bucket_kms_key_id, for the policy that lets Object Storage use the key. Null: compartment_ocid."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_kms_key_compartment_ocid == null ? true : var.bucket_kms_key_compartment_ocid == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.", var.bucket_kms_key_compartment_ocid))
    error_message = "bucket_kms_key_compartment_ocid must be a compartment OCID or null."
  }
}

variable "state_bucket_name" {
  description = "Name of the state bucket (STATE_BUCKET_NAME): state documents, the AI-unit ledger and notice markers, written only by the function. Null: <name_prefix>-state."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_name == null ? true : var.state_bucket_name == "" || can(regex("^[A-Za-z0-9._-]{1,256}$", var.state_bucket_name))
    error_message = "state_bucket_name must be 1-256 letters, digits, dots, dashes or underscores."
  }
}

variable "state_compartment_ocid" {
  description = "Compartment of the state bucket. No uploader may hold a grant on it or on an ancestor of it (README, Who may write what): IAM cannot limit object writes by name, so whoever may write its objects steers what the function deletes and how many AI units it counts. Must differ from compartment_ocid unless allow_shared_state_compartment. Null: compartment_ocid."
  type        = string
  default     = null

  validation {
    condition     = var.state_compartment_ocid == null ? true : var.state_compartment_ocid == "" || can(regex("^ocid1\\.compartment\\.", var.state_compartment_ocid))
    error_message = "state_compartment_ocid must be a compartment OCID (ocid1.compartment...): not the tenancy, whose grants every uploader policy at the root would cover."
  }
}

variable "allow_tenancy_wide_grants" {
  description = "Allow a compartment variable (compartment_ocid, genai_compartment_ocid, bucket_kms_key_compartment_ocid, hf_token_secret_compartment_ocid, topic_compartment_ocid) to be the tenancy OCID. Its grants then read 'in tenancy' and cover every compartment (with genai_compartment_ocid: every Generative AI model, cluster and endpoint of the tenancy). False: such a value is refused at plan."
  type        = bool
  default     = false
}

variable "allow_shared_state_compartment" {
  description = "Allow the state bucket in the watched bucket's compartment (compartment_ocid). Safe only if no uploader holds a grant on that compartment that reaches the state bucket, e.g. every uploader statement has target.bucket.name = '<watched bucket>'."
  type        = bool
  default     = false
}

variable "state_version_retention_days" {
  description = "Days a previous version of an object of the state bucket (state documents, ledger) is kept before the lifecycle policy deletes it."
  type        = number
  default     = 1

  validation {
    condition     = var.state_version_retention_days >= 1 && floor(var.state_version_retention_days) == var.state_version_retention_days
    error_message = "state_version_retention_days must be a whole number of days, at least 1."
  }
}

variable "artifact_version_retention_days" {
  description = "Days a previous (overwritten or deleted) version of a model artifact, manifest or request is kept. Null: kept until deleted by hand."
  type        = number
  default     = 30

  validation {
    condition     = var.artifact_version_retention_days == null ? true : var.artifact_version_retention_days >= 1 && floor(var.artifact_version_retention_days) == var.artifact_version_retention_days
    error_message = "artifact_version_retention_days must be a whole number of days, at least 1, or null."
  }
}

variable "multipart_abort_days" {
  description = "Days after which uncommitted multipart uploads (an interrupted model upload) are aborted and their parts deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.multipart_abort_days >= 1 && floor(var.multipart_abort_days) == var.multipart_abort_days
    error_message = "multipart_abort_days must be a whole number of days, at least 1."
  }
}

# ------------------------------------------------------------------ network

variable "create_network" {
  description = "true: create a VCN with a private subnet, a service gateway (OCI APIs) and a NAT gateway (Hugging Face Hub). false: use existing_subnet_id."
  type        = bool
  default     = true
}

variable "existing_subnet_id" {
  description = "Subnet for the function when create_network is false. It needs a route to the Oracle Services Network and a NAT route to the internet."
  type        = string
  default     = null

  validation {
    condition     = var.existing_subnet_id == null ? true : var.existing_subnet_id == "" || can(regex("^ocid1\\.subnet\\.", var.existing_subnet_id))
    error_message = "existing_subnet_id must be a subnet OCID (ocid1.subnet...) or null."
  }
}

variable "vcn_cidr" {
  description = "CIDR block of the VCN created when create_network is true."
  type        = string
  default     = "10.80.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vcn_cidr))
    error_message = "vcn_cidr must be an IPv4 CIDR block such as 10.80.0.0/16."
  }
}

variable "subnet_cidr" {
  description = "CIDR block of the function's private subnet (inside vcn_cidr) when create_network is true."
  type        = string
  default     = "10.80.1.0/24"

  validation {
    condition     = can(cidrnetmask(var.subnet_cidr))
    error_message = "subnet_cidr must be an IPv4 CIDR block such as 10.80.1.0/24."
  }
}

variable "network_security_group_ids" {
  description = "Network security groups to attach to the Functions application (optional)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.network_security_group_ids : can(regex("^ocid1\\.networksecuritygroup\\.", id))])
    error_message = "network_security_group_ids must hold network security group OCIDs."
  }
}

# ------------------------------------------------------------------ function

variable "function_image" {
  description = "The function image built from the repository's func.yaml and pushed to OCIR in the deployment region, with a tag or digest: <region-key>.ocir.io/<namespace>/<repo>:<tag>."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.ocir\\.io|ocir\\.[a-z0-9-]+\\.oci\\.oraclecloud\\.com)/[a-z0-9_-]+/[a-z0-9._/-]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$", var.function_image))
    error_message = "function_image must be an OCIR image reference with a tag or digest, such as ord.ocir.io/mytenancy/model-import:0.1.0."
  }
}

variable "function_memory_mb" {
  description = "Memory of the function in MB (the pipeline is measured to fit 256)."
  type        = number
  default     = 256

  validation {
    condition     = contains([128, 256, 512, 1024, 2048, 3072], var.function_memory_mb)
    error_message = "function_memory_mb must be one of 128, 256, 512, 1024, 2048, 3072."
  }
}

variable "function_timeout_seconds" {
  description = "Timeout of one invocation in seconds; OCI allows at most 300. Must exceed poll_seconds plus a margin."
  type        = number
  default     = 300

  validation {
    condition     = var.function_timeout_seconds >= 30 && var.function_timeout_seconds <= 300 && floor(var.function_timeout_seconds) == var.function_timeout_seconds
    error_message = "function_timeout_seconds must be a whole number between 30 and 300."
  }
}

variable "application_shape" {
  description = "Processor architecture of the Functions application; it must match the architecture of function_image."
  type        = string
  default     = "GENERIC_X86"

  validation {
    condition     = contains(["GENERIC_X86", "GENERIC_ARM", "GENERIC_X86_ARM"], var.application_shape)
    error_message = "application_shape must be GENERIC_X86, GENERIC_ARM or GENERIC_X86_ARM."
  }
}

# ------------------------------------------------------------------ pipeline settings (function configuration)

variable "ai_unit_price_per_hour" {
  description = "Price of one AI unit per hour, used to show costs (AI_UNIT_PRICE_PER_HOUR): a number or a decimal string (a string so that a field cleared in Resource Manager, sent as \"\", is unset rather than a failed number conversion). Null or \"\": no cost shown."
  type        = string
  default     = null

  validation {
    condition     = var.ai_unit_price_per_hour == null ? true : can(regex("^([0-9]+(\\.[0-9]+)?)?$", var.ai_unit_price_per_hour))
    error_message = "ai_unit_price_per_hour must be zero or more (such as 2.5), or null."
  }
}

variable "max_ai_units_per_import" {
  description = "Ceiling on the AI units of one import's hosting cluster (MAX_AI_UNITS_PER_IMPORT)."
  type        = number
  default     = 50

  validation {
    condition     = var.max_ai_units_per_import > 0
    error_message = "max_ai_units_per_import must be greater than zero."
  }
}

variable "max_ai_units_total" {
  description = "Ceiling on the AI units held by all live imports together (MAX_AI_UNITS_TOTAL)."
  type        = number
  default     = 100

  validation {
    condition     = var.max_ai_units_total > 0
    error_message = "max_ai_units_total must be greater than zero."
  }
}

variable "allowed_shapes" {
  description = "Unit shapes the pipeline may create, such as [\"A10_X1\", \"H100_X1\"] (ALLOWED_SHAPES). Empty: every shape in the unit table."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_shapes : can(regex("^[A-Z0-9]+(_[A-Z0-9]+)*$", s))])
    error_message = "allowed_shapes must hold unit shape names such as A10_X1 or H100_X2."
  }
}

variable "poll_seconds" {
  description = "How long one invocation waits on a work request before re-firing itself (POLL_SECONDS, at most 280)."
  type        = number
  default     = 120

  validation {
    condition     = var.poll_seconds >= 0 && var.poll_seconds <= 280 && floor(var.poll_seconds) == var.poll_seconds
    error_message = "poll_seconds must be a whole number between 0 and 280."
  }
}

variable "poll_interval_seconds" {
  description = "Seconds between two polls inside one invocation (POLL_INTERVAL_SECONDS)."
  type        = number
  default     = 10

  validation {
    condition     = var.poll_interval_seconds > 0 && var.poll_interval_seconds <= 60
    error_message = "poll_interval_seconds must be greater than 0 and at most 60."
  }
}

variable "stage_deadline_minutes" {
  description = "Deadline of each stage in minutes (DEADLINE_*_MINUTES): validate, import, cluster, endpoint, smoke."
  type = object({
    validate = optional(number, 30)
    import   = optional(number, 180)
    cluster  = optional(number, 120)
    endpoint = optional(number, 60)
    smoke    = optional(number, 15)
  })
  default = {}

  validation {
    condition     = alltrue([for v in values(var.stage_deadline_minutes) : v > 0 && floor(v) == v])
    error_message = "every stage deadline must be a whole number of minutes greater than zero."
  }
}

variable "failure_policy" {
  description = "What a failed import leaves behind (FAILURE_POLICY): delete tears down what it created, keep keeps it for inspection. Provisioning failures only: a failed smoke test always keeps the deployment."
  type        = string
  default     = "delete"

  validation {
    condition     = contains(["delete", "keep"], var.failure_policy)
    error_message = "failure_policy must be delete or keep."
  }
}

variable "trigger_on_config" {
  description = "Also start an import when models/<name>/config.json is written, once every indexed shard is present (TRIGGER_ON_CONFIG); creates the config-written rule."
  type        = bool
  default     = false
}

variable "serving_context_tokens" {
  description = "Context length the sizing reserves KV cache for (SERVING_CONTEXT_TOKENS). Null: the sizing policy's default."
  type        = number
  default     = null

  validation {
    condition     = var.serving_context_tokens == null ? true : var.serving_context_tokens > 0 && floor(var.serving_context_tokens) == var.serving_context_tokens
    error_message = "serving_context_tokens must be a whole number greater than zero, or null."
  }
}

variable "serving_concurrency" {
  description = "Concurrent sequences the sizing reserves KV cache for (SERVING_CONCURRENCY). Null: the sizing policy's default."
  type        = number
  default     = null

  validation {
    condition     = var.serving_concurrency == null ? true : var.serving_concurrency > 0 && floor(var.serving_concurrency) == var.serving_concurrency
    error_message = "serving_concurrency must be a whole number greater than zero, or null."
  }
}

variable "log_level" {
  description = "Level of the function's JSON logs (LOG_LEVEL)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

# ------------------------------------------------------------------ Hugging Face token (Vault)

variable "hf_token_secret_id" {
  description = "OCID of an existing Vault secret holding the Hugging Face token (HF_TOKEN_SECRET_ID). Leave null to create one (create_hf_token_secret) or to import public models only."
  type        = string
  default     = null

  validation {
    condition     = var.hf_token_secret_id == null ? true : var.hf_token_secret_id == "" || can(regex("^ocid1\\.vaultsecret\\.", var.hf_token_secret_id))
    error_message = "hf_token_secret_id must be a Vault secret OCID (ocid1.vaultsecret...) or null."
  }
}

variable "hf_token_secret_compartment_ocid" {
  description = "Compartment of the Hugging Face token secret, for the read policy. Null: compartment_ocid."
  type        = string
  default     = null

  validation {
    condition     = var.hf_token_secret_compartment_ocid == null ? true : var.hf_token_secret_compartment_ocid == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.", var.hf_token_secret_compartment_ocid))
    error_message = "hf_token_secret_compartment_ocid must be a compartment OCID or null."
  }
}

variable "create_hf_token_secret" {
  description = "Create a Vault secret from hf_token in vault_id, encrypted with vault_key_id. The token then also sits in the Terraform state: protect the state."
  type        = bool
  default     = false
}

variable "hf_token" {
  description = "Hugging Face access token (read scope) stored in the created secret. Only used with create_hf_token_secret."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.hf_token == null ? true : var.hf_token == "" || can(regex("^hf_[A-Za-z0-9]{20,}$", var.hf_token))
    error_message = "hf_token must look like a Hugging Face token (hf_ followed by letters and digits)."
  }
}

variable "vault_id" {
  description = "Vault in which the Hugging Face token secret is created (with create_hf_token_secret)."
  type        = string
  default     = null

  validation {
    condition     = var.vault_id == null ? true : var.vault_id == "" || can(regex("^ocid1\\.vault\\.", var.vault_id))
    error_message = "vault_id must be a vault OCID (ocid1.vault...) or null."
  }
}

variable "vault_key_id" {
  description = "Master encryption key of vault_id that encrypts the created secret (with create_hf_token_secret)."
  type        = string
  default     = null

  validation {
    condition     = var.vault_key_id == null ? true : var.vault_key_id == "" || can(regex("^ocid1\\.key\\.", var.vault_key_id))
    error_message = "vault_key_id must be a key OCID (ocid1.key...) or null."
  }
}

# ------------------------------------------------------------------ notifications

variable "topic_name" {
  description = "Name of the Notifications topic (unique in the tenancy). Null: <name_prefix>-notifications."
  type        = string
  default     = null

  validation {
    condition     = var.topic_name == null ? true : var.topic_name == "" || can(regex("^[A-Za-z0-9_-]{1,256}$", var.topic_name))
    error_message = "topic_name must be 1-256 letters, digits, dashes or underscores."
  }
}

variable "topic_compartment_ocid" {
  description = "Compartment of the Notifications topic. OCI cannot narrow a policy to one topic (Notifications supports only the general policy variables), so the publish grant covers this compartment's topics: give the topic a compartment of its own to make that one topic. Null: compartment_ocid."
  type        = string
  default     = null

  validation {
    condition     = var.topic_compartment_ocid == null ? true : var.topic_compartment_ocid == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.", var.topic_compartment_ocid))
    error_message = "topic_compartment_ocid must be a compartment OCID or null."
  }
}

variable "notification_subscriptions" {
  description = "Subscriptions of the topic: protocol (EMAIL, CUSTOM_HTTPS, SLACK, PAGERDUTY, ORACLE_FUNCTIONS, SMS) and endpoint (address, URL, function OCID or phone number). E-mail subscriptions stay pending until confirmed."
  type = list(object({
    protocol = string
    endpoint = string
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.notification_subscriptions : contains(["EMAIL", "CUSTOM_HTTPS", "SLACK", "PAGERDUTY", "ORACLE_FUNCTIONS", "SMS"], s.protocol)])
    error_message = "each subscription protocol must be EMAIL, CUSTOM_HTTPS, SLACK, PAGERDUTY, ORACLE_FUNCTIONS or SMS."
  }

  validation {
    condition     = alltrue([for s in var.notification_subscriptions : length(s.endpoint) > 0 && length(s.endpoint) <= 512])
    error_message = "each subscription endpoint must be 1-512 characters."
  }
}

# ------------------------------------------------------------------ logging

variable "log_retention_days" {
  description = "Retention of the function invoke log and the rule execution logs, in days (OCI allows multiples of 30 up to 180)."
  type        = number
  default     = 30

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180], var.log_retention_days)
    error_message = "log_retention_days must be 30, 60, 90, 120, 150 or 180."
  }
}

# ------------------------------------------------------------------ IAM

variable "create_policies" {
  description = "Create the dynamic group and the IAM policies. false: nothing is created in IAM; hand the policy_statements output (and the dynamic_group_matching_rule) to an administrator."
  type        = bool
  default     = true
}

variable "existing_dynamic_group_name" {
  description = "Use this existing dynamic group (it must match the function) instead of creating one."
  type        = string
  default     = null

  validation {
    condition     = var.existing_dynamic_group_name == null ? true : var.existing_dynamic_group_name == "" || can(regex("^[A-Za-z0-9._-]{1,100}$", var.existing_dynamic_group_name))
    error_message = "existing_dynamic_group_name must be 1-100 letters, digits, dots, dashes or underscores."
  }
}

variable "identity_domain_name" {
  description = "Identity domain of the dynamic group, written as '<domain>'/'<group>' in policy statements (Default for the default domain). Null: no domain prefix (tenancies without identity domains)."
  type        = string
  default     = null

  validation {
    condition     = var.identity_domain_name == null ? true : var.identity_domain_name == "" || can(regex("^[A-Za-z0-9._-]{1,100}$", var.identity_domain_name))
    error_message = "identity_domain_name must be 1-100 letters, digits, dots, dashes or underscores, or null."
  }
}

variable "identity_domain_url" {
  description = "URL of the identity domain to create the dynamic group in (the domain's \"Domain URL\", https://idcs-....identity.oraclecloud.com:443), with identity_domain_name. Null: create it with the IAM API (Default domain, or tenancies without identity domains)."
  type        = string
  default     = null

  validation {
    condition     = var.identity_domain_url == null ? true : var.identity_domain_url == "" || can(regex("^https://[A-Za-z0-9.-]+(:[0-9]+)?/?$", var.identity_domain_url))
    error_message = "identity_domain_url must be an https URL such as https://idcs-0123456789abcdef.identity.oraclecloud.com:443, or null."
  }
}

variable "policy_compartment_ocid" {
  description = "Compartment the policies are attached to. IAM refuses a statement naming a compartment outside the subtree of its policy's compartment, so this must be a common ancestor of every compartment the statements name (main, state, Generative AI, topic, secret, key): the state compartment is a sibling in the usual layout. Null: the root compartment (tenancy)."
  type        = string
  default     = null

  validation {
    condition     = var.policy_compartment_ocid == null ? true : var.policy_compartment_ocid == "" || can(regex("^ocid1\\.(compartment|tenancy)\\.", var.policy_compartment_ocid))
    error_message = "policy_compartment_ocid must be a compartment OCID or the tenancy OCID, or null."
  }
}

variable "inference_resource_types" {
  description = "Documented inference resource types the function may use for its smoke test: generative-ai-chat (Chat), generative-ai-text-embedding (EmbedText). Rerank: create_rerank_policy."
  type        = list(string)
  default     = ["generative-ai-chat", "generative-ai-text-embedding"]

  validation {
    condition     = alltrue([for t in var.inference_resource_types : contains(["generative-ai-chat", "generative-ai-text-embedding"], t)])
    error_message = "inference_resource_types may only hold generative-ai-chat and generative-ai-text-embedding (rerank has its own policy: create_rerank_policy)."
  }
}

variable "create_rerank_policy" {
  description = "Also create a separate policy granting `use generative-ai-text-rerank`, so the smoke test can call rerank. No OCI page documents that resource type; if IAM refuses it only this policy fails. Off: a rerank model's smoke test reports \"not tested\"."
  type        = bool
  default     = false
}

variable "create_limits_policy" {
  description = "Also create a tenancy-level policy letting the function read service limits (inspect/read resource-availability in tenancy), so a shape whose dedicated-unit limit has no room is refused before anything is created. Off: limits are not read and never block."
  type        = bool
  default     = false
}

variable "policy_propagation_seconds" {
  description = "Seconds to wait after the services policy is written (home region) before the bucket's lifecycle policy and key are set (deployment region). 0: no wait; re-apply if OCI answers InsufficientServicePermissions."
  type        = number
  default     = 120

  validation {
    condition     = var.policy_propagation_seconds >= 0 && var.policy_propagation_seconds <= 1800 && floor(var.policy_propagation_seconds) == var.policy_propagation_seconds
    error_message = "policy_propagation_seconds must be a whole number of seconds from 0 to 1800."
  }
}

# ------------------------------------------------------------------ sweep schedule

variable "sweep_schedule_cron" {
  description = "UNIX cron expression (UTC) on which OCI Resource Scheduler invokes the function so that its sweep finds stalled imports and deployments whose manifest is gone (no OCI document promises that Events delivers or redelivers an event). Default every 15 minutes. Null: no schedule (then run model-import sweep --fix yourself)."
  type        = string
  default     = "*/15 * * * *"

  validation {
    condition     = var.sweep_schedule_cron == null ? true : var.sweep_schedule_cron == "" || length(split(" ", trimspace(var.sweep_schedule_cron))) == 5
    error_message = "sweep_schedule_cron must be a five-field UNIX cron expression, or null."
  }
}
