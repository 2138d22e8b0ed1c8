# The smallest complete deployment: a new VCN, the watched bucket, the function, the
# rules, a topic with one e-mail subscription, the dynamic group and the policies.
module "model_import" {
  # A consumer outside this repository uses a git source that keeps the events/ folder
  # next to the module, for example:
  #   source = "git::https://example.com/your-org/oci-model-import.git//terraform?ref=v0.1.0"
  source = "../.."

  providers = {
    oci      = oci
    oci.home = oci.home
  }

  tenancy_ocid     = var.tenancy_ocid
  region           = var.region
  compartment_ocid = var.compartment_ocid
  function_image   = var.function_image
  # Only the function writes the state bucket: keep it where uploaders hold no grant.
  state_compartment_ocid = var.state_compartment_ocid

  notification_subscriptions = [
    { protocol = "EMAIL", endpoint = var.notification_email },
  ]
}
