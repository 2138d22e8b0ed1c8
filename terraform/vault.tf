# Optional: the Hugging Face token as a Vault secret. The function reads only this one
# secret bundle (see iam.tf); the token is never in the bucket or the function config.
resource "oci_vault_secret" "hf_token" {
  count = var.create_hf_token_secret ? 1 : 0

  compartment_id = coalesce(var.hf_token_secret_compartment_ocid, var.compartment_ocid)
  vault_id       = local.given.vault_id
  key_id         = local.given.vault_key_id
  secret_name    = "${var.name_prefix}-hf-token"
  description    = "Hugging Face access token read by the model-import function."
  freeform_tags  = local.tags

  secret_content {
    content_type = "BASE64"
    content      = base64encode(local.given_hf_token)
  }

  lifecycle {
    precondition {
      condition     = local.given_hf_token != null && local.given.vault_id != null && local.given.vault_key_id != null
      error_message = "create_hf_token_secret needs hf_token, vault_id and vault_key_id."
    }
    precondition {
      condition     = local.given.hf_token_secret_id == null
      error_message = "Set either hf_token_secret_id (existing secret) or create_hf_token_secret, not both."
    }
  }
}
