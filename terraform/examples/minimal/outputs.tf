output "bucket_name" {
  description = "The watched bucket."
  value       = module.model_import.bucket_name
}

output "topic_id" {
  description = "Notifications topic of the pipeline."
  value       = module.model_import.topic_id
}

output "function_id" {
  description = "OCID of the pipeline function."
  value       = module.model_import.function_id
}

output "upload_instructions" {
  description = "How to start an import."
  value       = module.model_import.upload_instructions
}

output "policy_statements" {
  description = "IAM statements of the deployment."
  value       = module.model_import.policy_statements
}
