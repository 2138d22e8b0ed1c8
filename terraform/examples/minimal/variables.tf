variable "tenancy_ocid" {
  description = "OCID of the tenancy."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.tenancy\\.", var.tenancy_ocid))
    error_message = "tenancy_ocid must be a tenancy OCID (ocid1.tenancy...)."
  }
}

variable "region" {
  description = "Region to deploy to, for example us-chicago-1 (one where Generative AI dedicated AI clusters are offered)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be a region identifier such as us-chicago-1."
  }
}

variable "compartment_ocid" {
  description = "Compartment for every resource of the deployment."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.(compartment|tenancy)\\.", var.compartment_ocid))
    error_message = "compartment_ocid must be a compartment OCID."
  }
}

variable "state_compartment_ocid" {
  description = "Compartment of the state bucket (state documents, AI-unit ledger): one no uploader holds a grant on."
  type        = string

  validation {
    condition     = can(regex("^ocid1\\.compartment\\.", var.state_compartment_ocid))
    error_message = "state_compartment_ocid must be a compartment OCID."
  }
}

variable "function_image" {
  description = "The pushed function image, such as ord.ocir.io/<namespace>/model-import:0.1.0 (see the module README)."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]+(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$", var.function_image))
    error_message = "function_image must be an image reference with a tag or a digest."
  }
}

variable "notification_email" {
  description = "E-mail address that receives import notifications (confirm the subscription e-mail OCI sends)."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.notification_email))
    error_message = "notification_email must be an e-mail address."
  }
}

variable "config_file_profile" {
  description = "Profile of ~/.oci/config to authenticate with. Null: the provider's default (DEFAULT, or the environment in Cloud Shell)."
  type        = string
  default     = null
}
