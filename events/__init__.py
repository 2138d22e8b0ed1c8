"""The event contract: typed CloudEvent models, Events rule conditions, sample payloads."""
