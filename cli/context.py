"""What every command needs from its arguments: clients, namespace, bucket, compartment, price.

Defaults come, in order, from the command line, the environment (the OCI CLI variables and
the function's settings names: `BUCKET_NAME`, `NAMESPACE`, `COMPARTMENT_ID`,
`AI_UNIT_PRICE_PER_HOUR`, `MODEL_IMPORT_GENAI_REGION`), then the local cloud's `localcloud.json`
when `MODEL_IMPORT_LOCALCLOUD` points at one. A value that is still missing is a usage error
naming the option that supplies it.

Generative AI clients (control plane, inference, limits) follow `--genai-region`; Object Storage
stays in the home region (`--region`, the profile's), as the function's clients do (shared/clients.py).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cli.options import add_bucket_options, add_price_option
from cli.output import CliError
from shared.contract import tags

if TYPE_CHECKING:  # the SDK loads on a command's first client, not at start-up (bench/cli_startup.py)
    import oci

    from shared.clients import ClientFactory

# Tags the pipeline puts on every resource it creates (see docs/contract.md).
MANAGED_BY_TAG = tags.MANAGED_BY
MANAGED_BY_VALUE = tags.MANAGED_BY_VALUE
IMPORT_NAME_TAG = tags.IMPORT_NAME
IMPORT_ID_TAG = tags.IMPORT_ID
__all__ = ["CliContext", "add_bucket_options", "add_price_option", "parse_tags"]


class CliContext:
    """Clients and defaults for one command run; every client is built on first use."""

    def __init__(self, args: argparse.Namespace, env: Mapping[str, str] | None = None) -> None:
        self.args = args
        self.env = dict(os.environ if env is None else env)

    @cached_property
    def factory(self) -> ClientFactory:
        from shared.clients import ClientFactory

        try:
            factory = ClientFactory(
                auth=getattr(self.args, "auth", None),
                config_file=getattr(self.args, "config_file", None),
                profile=getattr(self.args, "profile", None),
                region=getattr(self.args, "region", None),
                env=self.env,
                genai_region=self._genai_region_given(),
            )
        except (OSError, ValueError) as exc:
            raise CliError(
                f"cannot read the local cloud description: {exc}; run `model-import local up`"
            ) from exc
        if factory.local is not None:
            from cli.local_check import ensure_running

            ensure_running(factory.local, self.env.get("MODEL_IMPORT_LOCALCLOUD", ""))
            try:
                factory.inference_base_url()  # the local cloud must serve the Generative AI region
            except ValueError as exc:
                raise CliError(f"--genai-region: {exc}", exit_code=2) from None
        return factory

    def _genai_region_given(self) -> str | None:
        """--genai-region, MODEL_IMPORT_GENAI_REGION, then the local cloud's Generative AI region
        (read from localcloud.json); None: Generative AI is in the home region (--region)."""
        value = getattr(self.args, "genai_region", None) or self.env.get("MODEL_IMPORT_GENAI_REGION")
        if value:
            return str(value).strip() or None
        path = self.env.get("MODEL_IMPORT_LOCALCLOUD")
        if not path:
            return None
        from shared.clients import LocalCloudInfo

        try:
            return LocalCloudInfo.load(path).genai_region
        except (OSError, ValueError, TypeError):
            return None  # the factory says what is wrong with the file

    @property
    def genai_region(self) -> str:
        """The region every Generative AI client of this run talks to (control plane, inference, limits)."""
        return self.factory.genai_region

    @cached_property
    def retry_strategy(self) -> Any:
        """Retries for throttling, 5xx and lost connections, bounded so a CLI never hangs for minutes."""
        raw = self.env.get("MODEL_IMPORT_MAX_ATTEMPTS", "").strip()
        attempts = int(raw) if raw.isdigit() and int(raw) > 0 else 5
        import oci

        if attempts == 1:
            return oci.retry.NoneRetryStrategy()
        return oci.retry.RetryStrategyBuilder(
            max_attempts_check=True,
            max_attempts=attempts,
            total_elapsed_time_check=True,
            total_elapsed_time_seconds=120,
            retry_max_wait_between_calls_seconds=15,
            service_error_check=True,
            service_error_retry_on_any_5xx=True,
        ).get_retry_strategy()

    def _with_retries(self, client: Any) -> Any:
        client.retry_strategy = self.retry_strategy
        return client

    @cached_property
    def object_storage(self) -> oci.object_storage.ObjectStorageClient:
        return self._with_retries(self.factory.object_storage())

    @cached_property
    def genai(self) -> oci.generative_ai.GenerativeAiClient:
        return self._with_retries(self.factory.generative_ai())

    @cached_property
    def namespace(self) -> str:
        value = getattr(self.args, "namespace", None) or self.env.get("NAMESPACE")
        if not value and self.factory.local:
            value = self.factory.local.namespace
        if not value:
            value = str(self.object_storage.get_namespace().data)
        return value

    @cached_property
    def bucket(self) -> str:
        value = getattr(self.args, "bucket", None) or self.env.get("BUCKET_NAME")
        if not value and self.factory.local:
            value = self.factory.local.bucket
        if not value:
            raise CliError("no bucket: pass --bucket or set BUCKET_NAME", exit_code=2)
        return value

    @cached_property
    def state_bucket(self) -> str:
        value = getattr(self.args, "state_bucket", None) or self.env.get("STATE_BUCKET_NAME")
        if not value and self.factory.local:
            value = self.factory.local.state_bucket
        if not value:
            raise CliError("no state bucket: pass --state-bucket or set STATE_BUCKET_NAME", exit_code=2)
        return value

    @cached_property
    def compartment_id(self) -> str:
        value = getattr(self.args, "compartment_id", None) or self.env.get("COMPARTMENT_ID")
        if not value and self.factory.local:
            value = self.factory.local.compartment_id
        if not value:
            raise CliError("no compartment: pass --compartment-id or set OCI_CLI_COMPARTMENT_ID", exit_code=2)
        return value

    @property
    def hub_endpoint(self) -> str | None:
        """The Hub to check against: HF_ENDPOINT, else the local cloud's Hub, else huggingface.co."""
        value = self.env.get("HF_ENDPOINT")
        if not value and self.factory.local:
            value = self.factory.local.hub_endpoint
        return value or None

    @cached_property
    def price(self) -> float | None:
        """Price of one AI unit per hour: --price, AI_UNIT_PRICE_PER_HOUR, then the local cloud's
        (`local up --price`); None when nobody said (outputs then say "no price configured")."""
        value: Any = getattr(self.args, "price", None)
        if value is None:
            raw = self.env.get("AI_UNIT_PRICE_PER_HOUR", "").strip()
            if not raw:
                return self._local_price()
            try:
                value = float(raw)
            except ValueError:
                raise CliError(f"AI_UNIT_PRICE_PER_HOUR={raw!r} is not a number", exit_code=2) from None
        if value < 0:
            raise CliError("the AI unit price cannot be negative", exit_code=2)
        return float(value)

    def _local_price(self) -> float | None:
        """The price recorded in localcloud.json, read without reaching the cloud: `inspect` of a
        folder works offline and must not need the local cloud running."""
        path = self.env.get("MODEL_IMPORT_LOCALCLOUD")
        if not path:
            return None
        from shared.clients import LocalCloudInfo

        try:
            value = LocalCloudInfo.load(path).ai_unit_price_per_hour
        except (OSError, ValueError, TypeError):
            return None
        return float(value) if isinstance(value, int | float) and value >= 0 else None


def parse_tags(pairs: list[str] | None) -> dict[str, str]:
    """`--tag k=v` (repeatable) into a dict; a malformed pair is a usage error."""
    tags: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--tag {pair!r}: expected KEY=VALUE", exit_code=2)
        tags[key.strip()] = value
    return tags
