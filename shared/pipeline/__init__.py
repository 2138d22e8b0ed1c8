"""The pipeline's core: state store, AI-unit ledger, Generative AI operations, notifications,
smoke tests, the sweep and teardown. It knows nothing of fdk or events; `functions/` drives it."""
