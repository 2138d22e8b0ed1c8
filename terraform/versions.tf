# The module configures no provider itself: the caller passes two configurations of
# oracle/oci, the default one for the deployment region and `oci.home` for the tenancy's
# home region, where IAM writes (dynamic groups, policies) must go.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    oci = {
      source                = "oracle/oci"
      version               = ">= 6.0.0"
      configuration_aliases = [oci.home]
    }
    # time_sleep: the wait for IAM propagation before the bucket's lifecycle policy (iam.tf).
    time = {
      source  = "hashicorp/time"
      version = ">= 0.9.0"
    }
  }
}
