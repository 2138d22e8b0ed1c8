# The watched bucket (docs/contract.md): models/<name>/ artifacts and manifest, and
# requests/<name>.json. Uploaders write it. Object events must be on, or no rule ever fires.
# What the function trusts (state documents, ledger) is in the state bucket below.
resource "oci_objectstorage_bucket" "models" {
  #checkov:skip=CKV_OCI_9:A customer-managed key is optional (bucket_kms_key_id); without one Object Storage still encrypts every object with an Oracle-managed key.
  compartment_id        = var.compartment_ocid
  namespace             = local.namespace
  name                  = local.bucket_name
  access_type           = "NoPublicAccess"
  object_events_enabled = true
  versioning            = "Enabled"
  storage_tier          = "Standard"
  kms_key_id            = local.given.bucket_kms_key_id
  freeform_tags         = local.tags

  # With a customer-managed key, Object Storage must be allowed to use the key first, and the
  # grant must have reached this region (iam.tf, time_sleep.policy_propagation).
  depends_on = [oci_identity_policy.services, time_sleep.policy_propagation]
}

resource "oci_objectstorage_object_lifecycle_policy" "models" {
  namespace = local.namespace
  bucket    = oci_objectstorage_bucket.models.name

  # An interrupted multi-gigabyte upload leaves parts that are billed until aborted.
  rules {
    name        = "abort-stale-multipart-uploads"
    action      = "ABORT"
    target      = "multipart-uploads"
    is_enabled  = true
    time_amount = var.multipart_abort_days
    time_unit   = "DAYS"
  }

  # Overwritten or deleted artifacts, manifests and requests: kept for a while so a mistake
  # can be undone, then deleted so old weights are not stored forever.
  dynamic "rules" {
    for_each = var.artifact_version_retention_days == null ? [] : [var.artifact_version_retention_days]

    content {
      name        = "expire-previous-artifact-versions"
      action      = "DELETE"
      target      = "previous-object-versions"
      is_enabled  = true
      time_amount = rules.value
      time_unit   = "DAYS"

      object_name_filter {
        inclusion_prefixes = ["models/", "requests/"]
      }
    }
  }

  # OCI refuses a lifecycle policy while the Object Storage service lacks the permissions to
  # carry it out, so the service policy must exist first (or be applied by an administrator
  # beforehand when create_policies is false), and have reached this region.
  depends_on = [oci_identity_policy.services, time_sleep.policy_propagation]
}

# The state bucket: state/<name>.json, ledger.json, notices/ (docs/contract.md). Only the
# function writes it (and operators who hold a grant on its compartment). It is a bucket of
# its own, in a compartment the uploaders hold no grant on, because OCI IAM cannot limit
# object writes by name: the Object Storage policy reference offers target.bucket.name but
# no object-name variable (https://docs.oracle.com/iaas/Content/Identity/Reference/objectstoragepolicyreference.htm),
# and the importer grant OCI documents, manage object-family in a compartment, covers every
# bucket there. Object events are on: the state-written rule watches this bucket.
resource "oci_objectstorage_bucket" "state" {
  #checkov:skip=CKV_OCI_9:A customer-managed key is optional (bucket_kms_key_id); without one Object Storage still encrypts every object with an Oracle-managed key.
  compartment_id        = local.state_compartment_id
  namespace             = local.namespace
  name                  = local.state_bucket_name
  access_type           = "NoPublicAccess"
  object_events_enabled = true
  versioning            = "Enabled"
  storage_tier          = "Standard"
  kms_key_id            = local.given.bucket_kms_key_id
  freeform_tags         = local.tags

  lifecycle {
    precondition {
      condition     = local.state_compartment_id != var.compartment_ocid || var.allow_shared_state_compartment
      error_message = "The state bucket must be in another compartment than the watched bucket (state_compartment_ocid), one no uploader holds a grant on; set allow_shared_state_compartment = true only if no uploader grant there reaches it."
    }
    precondition {
      condition     = local.state_bucket_name != local.bucket_name
      error_message = "state_bucket_name must differ from bucket_name."
    }
  }

  # The same wait as the watched bucket: with a customer-managed key, Object Storage must
  # hold its grant on the key in this region first.
  depends_on = [oci_identity_policy.services, time_sleep.policy_propagation]
}

# Each state document is rewritten many times per import (every stage, every re-fired wait)
# with If-Match, and the ledger on every reservation; in a versioned bucket every rewrite
# keeps the previous version. They are worthless after a day: delete them.
resource "oci_objectstorage_object_lifecycle_policy" "state" {
  namespace = local.namespace
  bucket    = oci_objectstorage_bucket.state.name

  rules {
    name        = "expire-previous-state-versions"
    action      = "DELETE"
    target      = "previous-object-versions"
    is_enabled  = true
    time_amount = var.state_version_retention_days
    time_unit   = "DAYS"
  }

  # OCI refuses a lifecycle policy until Object Storage holds its grant in this region.
  depends_on = [oci_identity_policy.services, time_sleep.policy_propagation]
}
