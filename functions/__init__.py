"""The deployed function: `func.py` is the fdk entry point; one module per stage of the import."""
