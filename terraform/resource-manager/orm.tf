# Inputs only the Resource Manager stack has: its form cannot edit a list of objects, so
# one e-mail subscription gets a plain field.
variable "notification_email" {
  description = "E-mail address subscribed to the notifications topic (added to notification_subscriptions). Null: none."
  type        = string
  default     = null

  validation {
    condition     = var.notification_email == null ? true : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.notification_email))
    error_message = "notification_email must be an e-mail address, or null."
  }
}

locals {
  email_subscriptions = var.notification_email == null ? [] : [{ protocol = "EMAIL", endpoint = var.notification_email }]
}
