"""Every setting the function reads, typed, with defaults where a default is safe.

In OCI Functions the application and function configuration arrive as environment
variables (`ctx.Config()` is `os.environ`). `Settings.from_env` validates them all at
once and raises one `SettingsError` naming every missing or bad key.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from shared.shapes import unit_shapes


class FailurePolicy(StrEnum):
    DELETE = "delete"  # tear down what a failed import created (default: money is real)
    KEEP = "keep"  # keep it for inspection; `model-import teardown` removes it later


class SettingsError(Exception):
    pass


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    compartment_id: Annotated[str, Field(min_length=1)]
    bucket_name: Annotated[str, Field(min_length=1)]
    # Where the state documents, the ledger and the notice markers live: a bucket only the
    # function (and operators) may write, never the watched one (shared/contract/paths.py).
    state_bucket_name: Annotated[str, Field(min_length=1)]
    topic_id: Annotated[str, Field(min_length=1)]
    namespace: str | None = None  # looked up from Object Storage when unset
    region: str | None = None  # the function's own region when unset
    genai_project_id: str | None = None  # sent as OpenAI-Project on the OpenAI-compatible route
    hf_token_secret_id: str | None = None
    ai_unit_price_per_hour: Annotated[float, Field(ge=0)] | None = None
    max_ai_units_per_import: Annotated[float, Field(gt=0)] = 50.0
    max_ai_units_total: Annotated[float, Field(gt=0)] = 100.0
    allowed_shapes: tuple[str, ...] = ()  # empty: every shape in the unit table
    poll_seconds: Annotated[int, Field(ge=0, le=280)] = 120
    poll_interval_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    deadline_import_minutes: Annotated[int, Field(gt=0)] = 180
    deadline_cluster_minutes: Annotated[int, Field(gt=0)] = 120
    deadline_endpoint_minutes: Annotated[int, Field(gt=0)] = 60
    deadline_smoke_minutes: Annotated[int, Field(gt=0)] = 15
    deadline_validate_minutes: Annotated[int, Field(gt=0)] = 30
    failure_policy: FailurePolicy = FailurePolicy.DELETE
    trigger_on_config: bool = False
    serving_context_tokens: Annotated[int, Field(gt=0)] | None = None  # None: the sizing default
    serving_concurrency: Annotated[int, Field(gt=0)] | None = None
    log_level: str = "INFO"

    @field_validator("allowed_shapes", mode="before")
    @classmethod
    def _split_shapes(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(s.strip() for s in value.split(",") if s.strip())
        return value

    @field_validator("allowed_shapes")
    @classmethod
    def _known_shapes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in value if s not in unit_shapes()]
        if unknown:
            raise ValueError(f"unknown unit shapes {unknown}; known: {', '.join(unit_shapes())}")
        return value

    @model_validator(mode="after")
    def _state_apart(self) -> Settings:
        if self.state_bucket_name == self.bucket_name:
            raise ValueError(
                "STATE_BUCKET_NAME must name another bucket than BUCKET_NAME: uploaders can write the "
                "watched bucket, so state documents there could steer the function"
            )
        return self

    @property
    def usable_shapes(self) -> tuple[str, ...]:
        return self.allowed_shapes or tuple(unit_shapes())

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Read UPPER_SNAKE environment keys (COMPARTMENT_ID, TOPIC_ID, ...)."""
        values = {name: env[name.upper()] for name in cls.model_fields if env.get(name.upper(), "") != ""}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            problems = []
            for err in exc.errors():
                if not err["loc"]:  # a check across keys (model_validator) names its keys itself
                    problems.append(str(err["msg"]).removeprefix("Value error, "))
                    continue
                key = str(err["loc"][0]).upper()
                problems.append(f"{key} is required" if err["type"] == "missing" else f"{key}: {err['msg']}")
            raise SettingsError("invalid function configuration: " + "; ".join(problems)) from None


SETTINGS_DOC: dict[str, str] = {
    "COMPARTMENT_ID": "Compartment where imported models, clusters and endpoints are created (required).",
    "BUCKET_NAME": "The watched bucket (required).",
    "STATE_BUCKET_NAME": (
        "Bucket of the state documents, the AI-unit ledger and notice markers (required); only the "
        "function may write it: another bucket than BUCKET_NAME, in a compartment uploaders hold no grant on."
    ),
    "TOPIC_ID": "Notifications topic for success and failure messages (required).",
    "NAMESPACE": "Object Storage namespace; looked up when unset.",
    "REGION": "Region of the Generative AI service; the function's own region when unset.",
    "GENAI_PROJECT_ID": "Generative AI project OCID sent (as OpenAI-Project) on the OpenAI-compatible route; "
    "OCI documents projects as required there (use-project.htm). Unset: no project header, and the "
    "smoke test falls back to the native chat action if the route refuses.",
    "HF_TOKEN_SECRET_ID": "Vault secret OCID holding the Hugging Face token (needed for gated repos).",
    "AI_UNIT_PRICE_PER_HOUR": "Price of one AI unit per hour, to show costs; unset shows no cost.",
    "MAX_AI_UNITS_PER_IMPORT": "Ceiling on AI units for one import's cluster (default 50).",
    "MAX_AI_UNITS_TOTAL": "Ceiling on AI units across all live imports (default 100).",
    "ALLOWED_SHAPES": "Comma-separated unit shapes the pipeline may create; empty allows all.",
    "POLL_SECONDS": "Seconds one invocation waits on a work request, then re-fires (default 120, max 280).",
    "POLL_INTERVAL_SECONDS": "Seconds between polls inside one invocation (default 10).",
    "DEADLINE_VALIDATE_MINUTES": "Deadline of the validation stage (default 30).",
    "DEADLINE_IMPORT_MINUTES": "Deadline of the import stage (default 180).",
    "DEADLINE_CLUSTER_MINUTES": "Deadline of the cluster stage (default 120).",
    "DEADLINE_ENDPOINT_MINUTES": "Deadline of the endpoint stage (default 60).",
    "DEADLINE_SMOKE_MINUTES": "Deadline of the smoke test (default 15).",
    "FAILURE_POLICY": "'delete' (default) tears down what a failed import created; 'keep' keeps it. "
    "Provisioning failures only: a failed smoke test always keeps the deployment.",
    "TRIGGER_ON_CONFIG": "true: config.json starts an import once every indexed shard is present.",
    "SERVING_CONTEXT_TOKENS": "Context length the sizing reserves KV cache for (default: sizing policy).",
    "SERVING_CONCURRENCY": "Concurrent sequences the sizing reserves KV cache for (default: sizing policy).",
    "LOG_LEVEL": "Log level of the function's JSON logs (default INFO).",
}
