# Identity: who may do what. Every grant is explained beside it, with the OCI page that
# documents its resource type, verb and permissions (tests/terraform/test_tf_policies.py
# holds the same list and fails on a name no page documents). IAM writes go to the home
# region (provider oci.home). With create_policies = false nothing here is created and the
# policy_statements / dynamic_group_matching_rule outputs go to an administrator instead.

locals {
  create_dynamic_group = var.create_policies && local.given.existing_dynamic_group_name == null
  # In a named identity domain the group is a domain resource (SCIM API at the domain URL);
  # otherwise the IAM API creates it (in the Default domain where domains exist).
  create_domain_dynamic_group = local.create_dynamic_group && local.given.identity_domain_url != null
  create_iam_dynamic_group    = local.create_dynamic_group && local.given.identity_domain_url == null
  dynamic_group_name          = coalesce(local.given.existing_dynamic_group_name, "${var.name_prefix}-function")

  # Matches exactly this function. resource.id is safe here: the dynamic group depends on
  # the function, and nothing the function needs at creation depends on the group or the
  # policies, so there is no cycle. (The same rule by compartment, ALL {resource.type =
  # 'fnfunc', resource.compartment.id = '...'}, would also admit every other function in
  # the compartment.)
  dynamic_group_matching_rule = "ALL {resource.type = 'fnfunc', resource.id = '${oci_functions_function.pipeline.id}'}"

  # Identity domains: a dynamic group lives in a domain and statements name it as
  # '<domain>'/'<group>'. oci_identity_dynamic_group creates it in the Default domain.
  dynamic_group_ref = (local.create_iam_dynamic_group ? oci_identity_dynamic_group.function[0].name
    : local.create_domain_dynamic_group ? oci_identity_domains_dynamic_resource_group.function[0].display_name
  : local.dynamic_group_name)
  function_subject = (local.given.identity_domain_name == null
    ? "dynamic-group ${local.dynamic_group_ref}"
  : "dynamic-group '${local.given.identity_domain_name}'/'${local.dynamic_group_ref}'")

  # "in tenancy" only when the compartment given is the root compartment itself.
  in_main     = var.compartment_ocid == var.tenancy_ocid ? "in tenancy" : "in compartment id ${var.compartment_ocid}"
  in_genai    = local.genai_compartment_id == var.tenancy_ocid ? "in tenancy" : "in compartment id ${local.genai_compartment_id}"
  secret_comp = coalesce(var.hf_token_secret_compartment_ocid, var.compartment_ocid)
  in_secret   = local.secret_comp == var.tenancy_ocid ? "in tenancy" : "in compartment id ${local.secret_comp}"
  key_comp    = coalesce(var.bucket_kms_key_compartment_ocid, var.compartment_ocid)
  in_key      = local.key_comp == var.tenancy_ocid ? "in tenancy" : "in compartment id ${local.key_comp}"
  in_topic    = local.topic_compartment_id == var.tenancy_ocid ? "in tenancy" : "in compartment id ${local.topic_compartment_id}"
  in_state    = local.state_compartment_id == var.tenancy_ocid ? "in tenancy" : "in compartment id ${local.state_compartment_id}"

  uses_hf_secret = var.create_hf_token_secret || local.given.hf_token_secret_id != null

  # Interpolating null into a template is an error even in a grant that is not enabled.
  hf_token_secret_ref = local.hf_token_secret_id == null ? "" : local.hf_token_secret_id
  kms_key_ref         = local.given.bucket_kms_key_id == null ? "" : local.given.bucket_kms_key_id

  # Each grant is one statement and whether this deployment needs it; the statements are
  # plain templates so tests/terraform can render and parse every one of them.
  function_grants = {
    # Objects of the watched bucket: the function only reads artifacts (headers, config,
    # tokenizer files) and lists prefixes there; it writes nothing the uploaders could not.
    # Source (resource types objects and buckets, the OBJECT_* permissions, the variable
    # target.bucket.name): https://docs.oracle.com/iaas/Content/Identity/Reference/objectstoragepolicyreference.htm
    bucket_objects = {
      enabled   = true
      statement = "Allow ${local.function_subject} to manage objects ${local.in_main} where all {target.bucket.name = '${local.bucket_name}', any {request.permission = 'OBJECT_INSPECT', request.permission = 'OBJECT_READ'}}"
    }
    # Objects of the state bucket: state documents, the ledger and notice markers, created
    # and overwritten with If-None-Match / If-Match, and deleted when done with: the function
    # deletes create logs (functions/common.py CreateLog.end), records it has reconciled
    # (functions/reconcile.py) and orphan records it dropped (functions/orphans.py), and reads
    # a 404 on delete as "already gone" (shared/pipeline/creates.py) - without OBJECT_DELETE,
    # OCI answers 404 NotAuthorizedOrNotFound and those records would pile up, listed by
    # every sweep. `manage objects` cut down to these five permissions: no
    # OBJECT_VERSION_DELETE (previous versions stay until the lifecycle rule expires them), no
    # pre-authenticated requests. This bucket, in a compartment no uploader holds a grant on,
    # is the trust boundary: IAM has no object-name variable, so state in the watched bucket
    # could be written by uploaders. localcloud/access.py grants the local function exactly
    # these permissions per bucket (tests/terraform/test_tf_localcloud_grants.py).
    state_objects = {
      enabled   = true
      statement = "Allow ${local.function_subject} to manage objects ${local.in_state} where all {target.bucket.name = '${local.state_bucket_name}', any {request.permission = 'OBJECT_INSPECT', request.permission = 'OBJECT_READ', request.permission = 'OBJECT_CREATE', request.permission = 'OBJECT_OVERWRITE', request.permission = 'OBJECT_DELETE'}}"
    }
    # Metadata of the watched bucket. UNCONFIRMED: OCI does not document how Generative AI
    # reads an Object Storage source. The import runs on behalf of the caller, so the
    # caller's read of this bucket and its objects is what the service can rely on.
    bucket_read = {
      enabled   = true
      statement = "Allow ${local.function_subject} to read buckets ${local.in_main} where target.bucket.name = '${local.bucket_name}'"
    }
    # The three Generative AI resource types the pipeline creates and tears down. Sources:
    # https://docs.oracle.com/en-us/iaas/Content/generative-ai/imported-model-permissions.htm
    # https://docs.oracle.com/en-us/iaas/Content/generative-ai/dedicated-ai-cluster-permissions.htm
    # https://docs.oracle.com/en-us/iaas/Content/generative-ai/endpoint-permissions.htm
    #
    # Narrowed to what the pipeline calls: Create, Get, List and Delete of all three, Update of
    # imported models only (the kept=true tag); never ChangeCompartment (MOVE), nor Update of a
    # cluster or an endpoint. The permission names follow the pattern OCI documents on
    # https://docs.oracle.com/en-us/iaas/Content/generative-ai/model-permissions.htm
    # (GENERATIVE_AI_MODEL_INSPECT/READ/UPDATE/MOVE/CREATE/DELETE); the page's rows for these
    # three types were not in any copy we could read. So the narrowing is written as exclusions
    # (request.permission != ...): a name that is right removes that permission; a name that is
    # wrong matches nothing and leaves the grant as wide as plain `manage`, never narrower than
    # what the pipeline needs. Safe either way; tests/terraform checks what the pipeline calls
    # is never excluded.
    imported_models = {
      enabled   = true
      statement = "Allow ${local.function_subject} to manage generative-ai-imported-model ${local.in_genai} where request.permission != 'GENERATIVE_AI_IMPORTED_MODEL_MOVE'"
    }
    clusters = {
      enabled   = true
      statement = "Allow ${local.function_subject} to manage generative-ai-dedicated-ai-cluster ${local.in_genai} where all {request.permission != 'GENERATIVE_AI_DEDICATED_AI_CLUSTER_MOVE', request.permission != 'GENERATIVE_AI_DEDICATED_AI_CLUSTER_UPDATE'}"
    }
    endpoints = {
      enabled   = true
      statement = "Allow ${local.function_subject} to manage generative-ai-endpoint ${local.in_genai} where all {request.permission != 'GENERATIVE_AI_ENDPOINT_MOVE', request.permission != 'GENERATIVE_AI_ENDPOINT_UPDATE'}"
    }
    # Polling the work requests that those creates and deletes return (read: GetWorkRequest,
    # ListWorkRequestErrors). Source:
    # https://docs.oracle.com/en-us/iaas/Content/generative-ai/work-request-permissions.htm
    work_requests = {
      enabled   = true
      statement = "Allow ${local.function_subject} to read generative-ai-work-request ${local.in_genai}"
    }
    # The smoke test: one chat or embedding call, by capability (use: Chat, EmbedText). Sources:
    # https://docs.oracle.com/en-us/iaas/Content/generative-ai/chat-permissions.htm
    # https://docs.oracle.com/en-us/iaas/Content/generative-ai/embedding-permissions.htm
    # Rerank is not here: see rerank_grants below.
    inference_chat = {
      enabled   = contains(var.inference_resource_types, "generative-ai-chat")
      statement = "Allow ${local.function_subject} to use generative-ai-chat ${local.in_genai}"
    }
    inference_embedding = {
      enabled   = contains(var.inference_resource_types, "generative-ai-text-embedding")
      statement = "Allow ${local.function_subject} to use generative-ai-text-embedding ${local.in_genai}"
    }
    # The Hugging Face token: this one secret's bundle, nothing else in the vault. Source
    # (secret-bundles, target.secret.id): https://docs.oracle.com/iaas/Content/Identity/Reference/keypolicyreference.htm
    hf_token_secret = {
      enabled   = local.uses_hf_secret
      statement = "Allow ${local.function_subject} to read secret-bundles ${local.in_secret} where target.secret.id = '${local.hf_token_secret_ref}'"
    }
    # Publishing only: `use ons-topics` would also allow subscribing endpoints to topics.
    # A single topic cannot be named: the Notifications policy reference supports only the
    # general variables (no target.topic.id), so this covers the topics of the topic's
    # compartment; topic_compartment_ocid gives the topic a compartment of its own. Source
    # (ons-topics, ONS_TOPIC_PUBLISH): https://docs.oracle.com/iaas/Content/Identity/Reference/notificationpolicyreference.htm
    topic_publish = {
      enabled   = true
      statement = "Allow ${local.function_subject} to use ons-topics ${local.in_topic} where request.permission = 'ONS_TOPIC_PUBLISH'"
    }
  }

  service_grants = {
    # Events delivers matching events to the function (the rules' FAAS actions) as the service
    # cloudEvents. The form OCI documents, "allow service cloudEvents to use functions-family
    # in tenancy" ("Events and IAM Policies", Allow the Events Service to Deliver Events to
    # Action Resources: https://docs.oracle.com/iaas/Content/Events/Concepts/eventspolicy.htm),
    # scoped to the function's compartment: the rules' only action is this one function. No
    # page documents which single functions-family type a delivery needs, so the family it is.
    events_functions = {
      enabled   = true
      statement = "Allow service cloudEvents to use functions-family ${local.in_main}"
    }
    # Object Storage runs the lifecycle rules (delete old versions, abort multipart uploads)
    # as the service objectstorage-<region>, in OCI's documented form "manage object-family"
    # ("Using Object Lifecycle Management", Service Permissions:
    # https://docs.oracle.com/iaas/Content/Object/Tasks/usinglifecyclepolicies.htm). Kept
    # narrower in one way: only the watched bucket (target.bucket.name applies to buckets and
    # objects, objectstoragepolicyreference.htm above). If OCI still refuses the lifecycle
    # policy (PutObjectLifecyclePolicy answers InsufficientServicePermissions on apply, or the
    # rules never delete: old state versions piling up), drop the condition.
    objectstorage_lifecycle = {
      enabled   = true
      statement = "Allow service objectstorage-${var.region} to manage object-family ${local.in_main} where target.bucket.name = '${local.bucket_name}'"
    }
    # The same for the state bucket's lifecycle rule (expire previous state versions).
    objectstorage_lifecycle_state = {
      enabled   = true
      statement = "Allow service objectstorage-${var.region} to manage object-family ${local.in_state} where target.bucket.name = '${local.state_bucket_name}'"
    }
    # Customer-managed key: Object Storage encrypts and decrypts with this one key. Source
    # (keys, target.key.id): https://docs.oracle.com/iaas/Content/Identity/Reference/keypolicyreference.htm
    objectstorage_kms = {
      enabled   = local.given.bucket_kms_key_id != null
      statement = "Allow service objectstorage-${var.region} to use keys ${local.in_key} where target.key.id = '${local.kms_key_ref}'"
    }
  }

  # Resource Scheduler invokes the function as its own principal: the schedule. OCI documents
  # one form for a schedule acting on a resource, "Allow any-user to manage <resource_type> in
  # compartment id <compartment_ocid> where all{request.principal.type='resourceschedule',
  # request.principal.id='<ocid_of_resourceschedule>'}" (Resource Scheduler, Example Policies,
  # Example 2: https://docs.oracle.com/iaas/Content/resource-scheduler/references/example_policies.htm),
  # and for functions the resource type Oracle's own scheduled-function solution grants is
  # functions-family ("Allow any-user to manage functions-family in compartment id ... where
  # all {request.principal.type='resourceschedule'}", https://docs.oracle.com/zh-tw/solutions/credential-expiry-notif-iam/plan1.html;
  # the Functions page "Scheduling Functions",
  # https://docs.oracle.com/iaas/Content/Functions/Tasks/functionsschedulingfunctions-about.htm,
  # names no narrower type). No page documents that read fn-function + use fn-invocation is
  # enough for a schedule's START_RESOURCE, so the documented form it is, pinned to this one
  # schedule by request.principal.id: the only principal it admits is a schedule whose only
  # resource and action are starting this function.
  sweep_grants = {
    invoke_function = {
      enabled   = local.given.sweep_schedule_cron != null
      statement = "Allow any-user to manage functions-family ${local.in_main} where all {request.principal.type = 'resourceschedule', request.principal.id = '${local.sweep_schedule_id}'}"
    }
  }
  sweep_schedule_id = local.given.sweep_schedule_cron == null ? "" : oci_resource_scheduler_schedule.sweep[0].id

  # Rerank: the commercial permission pages we could read name generative-ai-chat and
  # generative-ai-text-embedding and nothing for RerankText. The one page found naming
  # generative-ai-text-rerank is the family list ("Generative AI Individual Resource Types") of
  # https://docs.cloud.sovereigncloud.nz/en-us/iaas/Content/generative-ai/iam-policies.htm,
  # a sovereign realm's copy of the docs. IAM refuses a policy whose statement names an
  # unknown type, so until a commercial-realm page confirms it, it sits in a policy of its
  # own, off by default (create_rerank_policy): were it in the function's policy and unknown
  # in this realm, every grant would go with it. Without it the rerank smoke test reports
  # "not tested" (shared/pipeline/smoke.py).
  rerank_grants = {
    inference_rerank = {
      enabled   = var.create_rerank_policy
      statement = "Allow ${local.function_subject} to use generative-ai-text-rerank ${local.in_genai}"
    }
  }

  function_statements = [for name, grant in local.function_grants : grant.statement if grant.enabled]
  service_statements  = [for name, grant in local.service_grants : grant.statement if grant.enabled]
  sweep_statements    = [for name, grant in local.sweep_grants : grant.statement if grant.enabled]
  rerank_statements   = [for name, grant in local.rerank_grants : grant.statement if grant.enabled]

  policy_statements = concat(local.function_statements, local.service_statements, local.sweep_statements, local.rerank_statements)
}

resource "oci_identity_dynamic_group" "function" {
  count    = local.create_iam_dynamic_group ? 1 : 0
  provider = oci.home

  compartment_id = var.tenancy_ocid
  name           = local.dynamic_group_name
  description    = "The model-import pipeline function (resource principal)."
  matching_rule  = local.dynamic_group_matching_rule
  freeform_tags  = local.tags
}

resource "oci_identity_domains_dynamic_resource_group" "function" {
  count    = local.create_domain_dynamic_group ? 1 : 0
  provider = oci.home

  idcs_endpoint = local.given.identity_domain_url
  display_name  = local.dynamic_group_name
  description   = "The model-import pipeline function (resource principal)."
  matching_rule = local.dynamic_group_matching_rule
  schemas       = ["urn:ietf:params:scim:schemas:oracle:idcs:DynamicResourceGroup"]

  lifecycle {
    precondition {
      condition     = local.given.identity_domain_name != null
      error_message = "identity_domain_url needs identity_domain_name: policies name the group as '<domain>'/'<group>'."
    }
  }
}

resource "oci_identity_policy" "function" {
  count    = var.create_policies ? 1 : 0
  provider = oci.home

  compartment_id = local.policy_compartment_id
  name           = "${var.name_prefix}-function"
  description    = "Least privilege of the model-import function: its bucket, its Generative AI resources, one secret, publishing to its topic."
  statements     = local.function_statements
  freeform_tags  = local.tags

  lifecycle {
    # A compartment variable given the tenancy OCID writes "in tenancy": the grant then covers
    # every compartment (the Generative AI one above all: manage every model, cluster and
    # endpoint of the tenancy). Only an explicit choice makes that happen.
    precondition {
      condition     = var.allow_tenancy_wide_grants || length(local.tenancy_wide_compartments) == 0
      error_message = "These compartment variables are the tenancy OCID, which would make the function's grants tenancy-wide: ${join(", ", local.tenancy_wide_compartments)}. Give a compartment OCID, or set allow_tenancy_wide_grants = true to deploy in the root compartment on purpose."
    }
  }
}

locals {
  # Which compartment variables name the tenancy itself (see the precondition above).
  tenancy_wide_compartments = [
    for name, value in {
      compartment_ocid                 = var.compartment_ocid
      genai_compartment_ocid           = var.genai_compartment_ocid
      bucket_kms_key_compartment_ocid  = var.bucket_kms_key_compartment_ocid
      hf_token_secret_compartment_ocid = var.hf_token_secret_compartment_ocid
      topic_compartment_ocid           = var.topic_compartment_ocid
    } : name if value == var.tenancy_ocid
  ]
}

resource "oci_identity_policy" "services" {
  count    = var.create_policies ? 1 : 0
  provider = oci.home

  compartment_id = local.policy_compartment_id
  name           = "${var.name_prefix}-services"
  description    = "Events may invoke the model-import function; Object Storage may run the bucket's lifecycle rules."
  statements     = local.service_statements
  freeform_tags  = local.tags
}

resource "oci_identity_policy" "sweep_schedule" {
  count    = var.create_policies && local.given.sweep_schedule_cron != null ? 1 : 0
  provider = oci.home

  compartment_id = local.policy_compartment_id
  name           = "${var.name_prefix}-sweep-schedule"
  description    = "The sweep schedule may invoke the model-import function."
  statements     = local.sweep_statements
  freeform_tags  = local.tags
}

resource "oci_identity_policy" "rerank" {
  count    = var.create_policies && var.create_rerank_policy ? 1 : 0
  provider = oci.home

  compartment_id = local.policy_compartment_id
  name           = "${var.name_prefix}-rerank"
  description    = "The model-import function may call rerank on its endpoints (resource type undocumented: kept apart)."
  statements     = local.rerank_statements
  freeform_tags  = local.tags
}

# Policies are written in the home region; the deployment region sees them after a delay that
# OCI does not bound (the provider's oci_identity_policy docs: "typically within 10 seconds";
# a function's resource-principal token is cached for up to ~15 minutes on top). The bucket's
# lifecycle policy and customer-managed key are refused until Object Storage holds its grant
# in this region, so they wait here after the services policy is created or changed. If an
# apply still fails with InsufficientServicePermissions, run `terraform apply` again.
resource "time_sleep" "policy_propagation" {
  count = var.create_policies ? 1 : 0

  create_duration = "${var.policy_propagation_seconds}s"
  triggers = {
    services = join("\n", local.service_statements)
  }

  depends_on = [oci_identity_policy.services]
}
