resource "oci_functions_application" "this" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-app"
  subnet_ids                 = [local.subnet_id]
  network_security_group_ids = var.network_security_group_ids
  shape                      = var.application_shape
  freeform_tags              = local.tags

  lifecycle {
    precondition {
      condition     = var.create_network || local.given.existing_subnet_id != null
      error_message = "Set existing_subnet_id when create_network is false."
    }
  }
}

# The one deployable function: the image built from the repository's func.yaml (fdk entry
# point functions/func.py:handler). Every pipeline setting arrives as configuration, which
# the function sees as environment variables and validates at start-up.
resource "oci_functions_function" "pipeline" {
  application_id     = oci_functions_application.this.id
  display_name       = "${var.name_prefix}-pipeline"
  image              = var.function_image
  memory_in_mbs      = var.function_memory_mb
  timeout_in_seconds = var.function_timeout_seconds
  config             = local.function_config
  freeform_tags      = local.tags

  lifecycle {
    precondition {
      # A waiting stage polls for poll_seconds and then rewrites its state document; it
      # needs time left for that write before the platform kills the invocation.
      condition     = var.poll_seconds + 20 <= var.function_timeout_seconds
      error_message = "poll_seconds + 20 must not exceed function_timeout_seconds."
    }
  }
}
