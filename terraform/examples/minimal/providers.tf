# Authentication comes from ~/.oci/config (profile config_file_profile) or, in Cloud Shell
# and Resource Manager, from the environment. Nothing secret is written here.
provider "oci" {
  region              = var.region
  config_file_profile = var.config_file_profile
}

# IAM (dynamic group, policies) can only be written in the tenancy's home region.
data "oci_identity_region_subscriptions" "home" {
  tenancy_id = var.tenancy_ocid

  filter {
    name   = "is_home_region"
    values = [true]
  }
}

provider "oci" {
  alias               = "home"
  region              = data.oci_identity_region_subscriptions.home.region_subscriptions[0].region_name
  config_file_profile = var.config_file_profile
}
