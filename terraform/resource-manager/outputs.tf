output "bucket_name" {
  description = "The watched bucket."
  value       = module.model_import.bucket_name
}

output "namespace" {
  description = "Object Storage namespace of the bucket."
  value       = module.model_import.namespace
}

output "topic_id" {
  description = "Notifications topic of the pipeline."
  value       = module.model_import.topic_id
}

output "function_id" {
  description = "OCID of the pipeline function."
  value       = module.model_import.function_id
}

output "dynamic_group_matching_rule" {
  description = "Matching rule of the function's dynamic group."
  value       = module.model_import.dynamic_group_matching_rule
}

output "policy_statements" {
  description = "IAM statements of the deployment (for an administrator when create_policies is false)."
  value       = module.model_import.policy_statements
}

output "upload_instructions" {
  description = "How to start an import."
  value       = module.model_import.upload_instructions
}
