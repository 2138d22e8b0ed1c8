"""Core library: contract models, inspection, sizing, clients, state. Knows nothing of fdk or the CLI."""
