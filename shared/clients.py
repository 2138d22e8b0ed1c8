"""One factory for every OCI client the project uses, whatever the authentication.

- `MODEL_IMPORT_LOCALCLOUD=<path to localcloud.json>`: every client points at the
  local cloud, signed with the API key of the config file it wrote.
- `OCI_RESOURCE_PRINCIPAL_VERSION` set (inside OCI Functions): resource principal,
  created lazily so that importing this module never needs one.
- otherwise an OCI config file and profile, as the OCI CLI reads them
  (`OCI_CLI_CONFIG_FILE`, `OCI_CLI_PROFILE`, `OCI_CLI_REGION` honoured), or
  instance principal / security token when asked.

Only the endpoint and the signer differ between the three; the code that uses the
clients is the same everywhere.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import oci

LOCALCLOUD_ENV = "MODEL_IMPORT_LOCALCLOUD"
# The profile of the local cloud's config file to sign with, when not its operator's: the
# local cloud sets it for the function, which has an identity (and grants) of its own.
LOCALCLOUD_PROFILE_ENV = "MODEL_IMPORT_LOCALCLOUD_PROFILE"


def bounded_retry_strategy() -> Any:
    """Retries for throttling (429), 5xx and lost connections, at most 3 attempts and ~30 s per call.

    The SDK's default (8 attempts, up to 600 s, and 409 IncorrectState too) can hold one call
    longer than a whole 300 s function invocation; a 409 is a state question the pipeline answers
    itself on its next look. Callers wanting other bounds (the CLI) set their own strategy.
    """
    return oci.retry.RetryStrategyBuilder(
        max_attempts_check=True,
        max_attempts=3,
        total_elapsed_time_check=True,
        total_elapsed_time_seconds=30,
        retry_max_wait_between_calls_seconds=10,
        service_error_check=True,
        service_error_retry_config={429: []},
        service_error_retry_on_any_5xx=True,
    ).get_retry_strategy()


# The inference client's own template (oci/generative_ai_inference/generative_ai_inference_client.py,
# `service_endpoint_template`), without its `{dualStack?ds.:}` option: IPv4, the SDK's default for
# this service (`service_uses_dualstack_endpoints_by_default: False`).
INFERENCE_ENDPOINT_TEMPLATE = "https://inference.generativeai.{region}.oci.{secondLevelDomain}"


def inference_host_url(region: str) -> str:
    """`https://inference.generativeai.<region>.oci.<realm domain>` for a region, no trailing slash.

    The realm's domain comes from the SDK's own resolution (`oci.regions.endpoint_for`, which
    maps the region to its realm: oraclecloud.com for oc1, oraclegovcloud.com for oc2/oc3,
    oraclegovcloud.uk for oc4, ...), so government and sovereign regions get their own host.
    """
    if not region:
        raise ValueError("a region is needed to name the inference host")
    url = oci.regions.endpoint_for(
        "generative_ai_inference", region=region, service_endpoint_template=INFERENCE_ENDPOINT_TEMPLATE
    )
    return str(url).rstrip("/")


class AuthMode(StrEnum):
    API_KEY = "api_key"
    INSTANCE_PRINCIPAL = "instance_principal"
    RESOURCE_PRINCIPAL = "resource_principal"
    SECURITY_TOKEN = "security_token"


@dataclass(frozen=True)
class LocalCloudInfo:
    """What `model-import local up` writes to `<state-dir>/localcloud.json`."""

    endpoint: str
    region: str
    namespace: str
    bucket: str
    compartment_id: str
    topic_id: str
    hf_token_secret_id: str
    hub_endpoint: str
    admin: str
    config_file: str
    profile: str
    state_bucket: str = ""  # the bucket of state documents and ledger, which only the function writes
    uploader_profile: str = ""  # a second identity in config_file: may write only the watched bucket
    ai_unit_price_per_hour: float | None = None  # `local up --price`: every command's default price
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> LocalCloudInfo:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {k: doc[k] for k in cls.__dataclass_fields__ if k in doc and k != "extra"}
        extra = {k: v for k, v in doc.items() if k not in cls.__dataclass_fields__}
        return cls(**known, extra=extra)

    @property
    def genai_region(self) -> str:
        """Generative AI's region: the one region `endpoints` lists besides the home one (a cloud
        started with `CloudConfig(genai_region=...)`), else the home region."""
        endpoints = self.extra.get("endpoints")
        others = [r for r in endpoints if r != self.region] if isinstance(endpoints, dict) else []
        return str(others[0]) if len(others) == 1 else self.region


class ClientFactory:
    """Builds OCI SDK clients for one authentication context."""

    def __init__(
        self,
        *,
        auth: AuthMode | str | None = None,
        config_file: str | None = None,
        profile: str | None = None,
        region: str | None = None,
        endpoint: str | None = None,
        env: Mapping[str, str] | None = None,
        genai_region: str | None = None,
    ) -> None:
        self._env = dict(os.environ if env is None else env)
        self.local: LocalCloudInfo | None = None
        if self._env.get(LOCALCLOUD_ENV):
            self.local = LocalCloudInfo.load(self._env[LOCALCLOUD_ENV])
            config_file = config_file or self.local.config_file
            profile = profile or self._env.get(LOCALCLOUD_PROFILE_ENV) or self.local.profile
            region = region or self.local.region
            endpoint = endpoint or self.local.endpoint
            auth = auth or AuthMode.API_KEY
        elif auth is None:
            auth = (
                AuthMode.RESOURCE_PRINCIPAL
                if self._env.get("OCI_RESOURCE_PRINCIPAL_VERSION")
                else AuthMode(self._env.get("OCI_CLI_AUTH", AuthMode.API_KEY))
            )
        self.auth = AuthMode(auth)
        self.config_file = config_file or self._env.get("OCI_CLI_CONFIG_FILE") or oci.config.DEFAULT_LOCATION
        self.profile = profile or self._env.get("OCI_CLI_PROFILE") or oci.config.DEFAULT_PROFILE
        self._region = region or self._env.get("OCI_CLI_REGION") or None
        self.endpoint = endpoint
        # Generative AI may live in another region than the bucket and the function (REGION):
        # only its clients (control plane and inference) follow it.
        self._genai_region = genai_region or None

    # --- authentication -----------------------------------------------------------------
    @cached_property
    def _config_and_signer(self) -> tuple[dict[str, Any], Any]:
        if self.auth is AuthMode.RESOURCE_PRINCIPAL:
            signer = oci.auth.signers.get_resource_principals_signer()
            return {"region": self._region or signer.region}, signer
        if self.auth is AuthMode.INSTANCE_PRINCIPAL:
            signer = oci.auth.signers.InstancePrincipalsSecurityTokenSigner()
            return {"region": self._region or signer.region}, signer
        config = oci.config.from_file(os.path.expanduser(self.config_file), self.profile)
        if self._region:
            config["region"] = self._region
        if self.auth is AuthMode.SECURITY_TOKEN:
            token = Path(os.path.expanduser(config["security_token_file"])).read_text().strip()
            key = oci.signer.load_private_key_from_file(config["key_file"])
            return config, oci.auth.signers.SecurityTokenSigner(token, key)
        oci.config.validate_config(config)
        return config, None

    @property
    def region(self) -> str:
        """The home region: the bucket's, the function's (Object Storage, Notifications, Vault)."""
        return str(self._config_and_signer[0].get("region") or "")

    @property
    def genai_region(self) -> str:
        """The Generative AI region: REGION when configured, else the home region."""
        return self._genai_region or self.region

    def _endpoint_for(self, region: str | None) -> str | None:
        """The base URL to use for `region`: the local cloud's own URL of that region, or `endpoint`."""
        if self.local is None or not region or region == self.local.region:
            return self.endpoint
        endpoints = self.local.extra.get("endpoints") or {}
        if region not in endpoints:
            raise ValueError(
                f"the local cloud serves no region {region!r} (it serves {', '.join(sorted(endpoints))}); "
                "start it with that Generative AI region or unset REGION"
            )
        return str(endpoints[region])

    def _make(self, cls: Any, *, region: str | None = None, **kwargs: Any) -> Any:
        config, signer = self._config_and_signer
        if region and region != config.get("region"):
            config = {**config, "region": region}  # the SDK builds the endpoint from config["region"]
        if signer is not None:
            kwargs["signer"] = signer
        endpoint = self._endpoint_for(region)
        if endpoint:
            kwargs["service_endpoint"] = endpoint
        kwargs.setdefault("retry_strategy", bounded_retry_strategy())
        return cls(config, **kwargs)

    # --- clients ------------------------------------------------------------------------
    def object_storage(self) -> oci.object_storage.ObjectStorageClient:
        return self._make(oci.object_storage.ObjectStorageClient)

    def generative_ai(self) -> oci.generative_ai.GenerativeAiClient:
        return self._make(oci.generative_ai.GenerativeAiClient, region=self.genai_region)

    def inference(
        self, timeout: float | tuple[float, float] | None = None
    ) -> oci.generative_ai_inference.GenerativeAiInferenceClient:
        """`timeout`: the client's (connect, read) seconds (the SDK's default: 10 s, 60 s)."""
        kwargs = {} if timeout is None else {"timeout": timeout}
        return self._make(
            oci.generative_ai_inference.GenerativeAiInferenceClient, region=self.genai_region, **kwargs
        )

    def limits(self) -> oci.limits.LimitsClient:
        """The Limits API of the Generative AI region (limits are per region)."""
        return self._make(oci.limits.LimitsClient, region=self.genai_region)

    @property
    def tenancy_id(self) -> str:
        """The tenancy (root compartment) OCID: the signer's (resource/instance principal) or the config's."""
        config, signer = self._config_and_signer
        return str(getattr(signer, "tenancy_id", None) or config.get("tenancy") or "")

    def notifications(self) -> oci.ons.NotificationDataPlaneClient:
        return self._make(oci.ons.NotificationDataPlaneClient)

    def secrets(self) -> oci.secrets.SecretsClient:
        return self._make(oci.secrets.SecretsClient)

    def inference_base_url(self) -> str:
        """Base of the inference service, for the OpenAI-compatible route and example calls."""
        endpoint = self._endpoint_for(self.genai_region)
        if endpoint:
            return endpoint.rstrip("/")
        return inference_host_url(self.genai_region)

    def openai_base_url(self) -> str:
        return f"{self.inference_base_url()}/openai/v1"

    def signer(self) -> Any:
        """The request signer, for plain HTTP calls (the OpenAI-compatible route)."""
        config, signer = self._config_and_signer
        if signer is not None:
            return signer
        return oci.signer.Signer.from_config(config)
