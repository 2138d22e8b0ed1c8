"""The contract every piece reads: object paths, manifest, request, state document, settings."""
