resource "oci_ons_notification_topic" "notifications" {
  compartment_id = local.topic_compartment_id
  name           = local.topic_name
  description    = "Success and failure notifications of model imports."
  freeform_tags  = local.tags
}

resource "oci_ons_subscription" "notifications" {
  for_each = { for s in var.notification_subscriptions : "${s.protocol}:${s.endpoint}" => s }

  compartment_id = local.topic_compartment_id
  topic_id       = oci_ons_notification_topic.notifications.id
  protocol       = each.value.protocol
  endpoint       = each.value.endpoint
  freeform_tags  = local.tags
}
