# OCI Resource Manager authenticates the provider itself and fills tenancy_ocid, region and
# compartment_ocid from the stack; schema.yaml hides the first two.
provider "oci" {
  region = var.region
}

data "oci_identity_region_subscriptions" "home" {
  tenancy_id = var.tenancy_ocid

  filter {
    name   = "is_home_region"
    values = [true]
  }
}

# IAM (dynamic group, policies) can only be written in the tenancy's home region.
provider "oci" {
  alias  = "home"
  region = data.oci_identity_region_subscriptions.home.region_subscriptions[0].region_name
}
