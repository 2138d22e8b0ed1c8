# Inputs only the Resource Manager stack has: its form cannot edit a list of objects, so
# one e-mail subscription gets a plain field.
variable "notification_email" {
  description = "E-mail address subscribed to the notifications topic (added to notification_subscriptions). Null: none."
  type        = string
  default     = null

  validation {
    condition     = var.notification_email == null ? true : var.notification_email == "" || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.notification_email))
    error_message = "notification_email must be an e-mail address, or null."
  }
}

locals {
  # "": a field cleared in Resource Manager, unset.
  notification_email  = var.notification_email == "" ? null : var.notification_email
  email_subscriptions = local.notification_email == null ? [] : [{ protocol = "EMAIL", endpoint = local.notification_email }]
}
