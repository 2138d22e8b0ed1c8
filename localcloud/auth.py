"""The API key the local cloud accepts, and verification of OCI request signatures.

The SDK signs every request with draft-cavage HTTP signatures (`oci/signer.py`):
`Authorization: Signature version="1",keyId="<tenancy>/<user>/<fingerprint>",
algorithm="rsa-sha256",headers="date (request-target) host ...",signature="<b64>"`.
The signing string is one `name: value` line per listed header, `(request-target)`
being `<method> <path?query>`. Bodies of JSON requests are covered through
`x-content-sha256`; object uploads are signed without their body, as on OCI.

Three identities sign requests, each with its own key and user OCID: the operator (the
CLI), the function (in OCI a resource principal; here it holds exactly the object permissions
terraform/iam.tf grants it) and an uploader, who may write the watched bucket and only read the
state bucket, as the policy terraform/README.md assumes for uploaders. `localcloud/access.py`
enforces what each may do.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from localcloud.web import ServiceError

TENANCY_ID = "ocid1.tenancy.oc1..localcloud"
USER_ID = "ocid1.user.oc1..localcloud"
PROFILE = "LOCALCLOUD"
UPLOADER_USER_ID = "ocid1.user.oc1..localcloud-uploader"
UPLOADER_PROFILE = "LOCALCLOUD_UPLOADER"
UPLOADER_KEY_FILE = "uploader_api_key.pem"
# The function: in OCI a resource principal whose grants are its dynamic group's policies
# (terraform/iam.tf); here a key of its own with those grants (localcloud/access.py).
FUNCTION_USER_ID = "ocid1.user.oc1..localcloud-function"
FUNCTION_PROFILE = "LOCALCLOUD_FUNCTION"
FUNCTION_KEY_FILE = "function_api_key.pem"
MAX_CLOCK_SKEW_SECONDS = 300.0  # OCI refuses requests whose date is off by more than 5 minutes
REQUIRED_HEADERS = ("date", "(request-target)", "host")
BODY_HEADERS = ("content-length", "content-type", "x-content-sha256")
_PARAM = re.compile(r'([A-Za-z]+)="([^"]*)"')


def not_authenticated(message: str) -> ServiceError:
    return ServiceError(401, "NotAuthenticated", message)


def fingerprint_of(public_key: rsa.RSAPublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.md5(der, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


@dataclass(frozen=True)
class ApiKey:
    key_file: Path
    public_key: rsa.RSAPublicKey
    fingerprint: str
    user_id: str = USER_ID

    @property
    def key_id(self) -> str:
        return f"{TENANCY_ID}/{self.user_id}/{self.fingerprint}"

    @classmethod
    def load_or_create(
        cls, folder: Path, file_name: str = "oci_api_key.pem", user_id: str = USER_ID
    ) -> ApiKey:
        """One key per identity and state directory, kept across restarts so config files stay valid."""
        folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / file_name
        if not key_file.exists():
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
        loaded = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{key_file} is not an RSA private key")
        public = loaded.public_key()
        return cls(key_file, public, fingerprint_of(public), user_id)

    def profile_text(self, region: str, profile: str) -> str:
        return (
            f"[{profile}]\n"
            f"user={self.user_id}\n"
            f"fingerprint={self.fingerprint}\n"
            f"tenancy={TENANCY_ID}\n"
            f"region={region}\n"
            f"key_file={self.key_file}\n"
        )

    def write_config(self, path: Path, region: str, profile: str = PROFILE) -> Path:
        """An OCI config file (as the OCI CLI reads it) whose profile signs with this key."""
        path.write_text(self.profile_text(region, profile), encoding="utf-8")
        return path


def write_config(path: Path, region: str, profiles: dict[str, ApiKey]) -> Path:
    """One OCI config file with a profile per identity (e.g. LOCALCLOUD and LOCALCLOUD_UPLOADER)."""
    path.write_text(
        "\n".join(key.profile_text(region, name) for name, key in profiles.items()), encoding="utf-8"
    )
    return path


def signing_key(keys: list[ApiKey], headers: dict[str, str]) -> ApiKey:
    """The key whose keyId the request names; a 401 when it names none of them."""
    auth = headers.get("authorization")
    if not auth:
        raise not_authenticated("the request is not signed: missing Authorization header")
    key_id = parse_authorization(auth).get("keyId")
    for key in keys:
        if key.key_id == key_id:
            return key
    raise not_authenticated(f"unknown keyId {key_id!r}")


def parse_authorization(value: str) -> dict[str, str]:
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "signature":
        raise not_authenticated("the Authorization header must use the Signature scheme")
    return dict(_PARAM.findall(rest))


def verify_request(
    key: ApiKey,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes | None,
    now: float | None = None,
    *,
    body_signed: bool = False,
) -> None:
    """Raise a 401 `ServiceError` unless the request carries a valid signature by `key`.

    `headers` have lower-cased names; `target` is the path and query as sent; `body` is
    the buffered body (None when it is not to be checked). `body_signed`: the signature must
    also cover the body headers, as OCI demands of POST/PUT/PATCH except object uploads.
    """
    auth = headers.get("authorization")
    if not auth:
        raise not_authenticated("the request is not signed: missing Authorization header")
    params = parse_authorization(auth)
    if params.get("keyId") != key.key_id:
        raise not_authenticated(f"unknown keyId {params.get('keyId')!r}")
    if params.get("algorithm", "rsa-sha256") != "rsa-sha256":
        raise not_authenticated("only rsa-sha256 signatures are accepted")
    signed = params.get("headers", "date").lower().split()
    missing = [h for h in REQUIRED_HEADERS + (BODY_HEADERS if body_signed else ()) if h not in signed]
    if missing:
        raise not_authenticated(f"the signature does not cover {missing}")
    lines = []
    for name in signed:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {target}")
        elif name in headers:
            lines.append(f"{name}: {headers[name]}")
        else:
            raise not_authenticated(f"signed header {name!r} is missing from the request")
    try:
        signature = base64.b64decode(params.get("signature", ""), validate=True)
        key.public_key.verify(signature, "\n".join(lines).encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        raise not_authenticated("the signature does not verify against the configured API key") from None
    try:
        date = email.utils.parsedate_to_datetime(headers["date"]) if "date" in headers else None
    except (TypeError, ValueError):
        date = None
    if date is None or abs(date.timestamp() - (now or time.time())) > MAX_CLOCK_SKEW_SECONDS:
        raise not_authenticated("the Date header is missing or more than 5 minutes off")
    if "x-content-sha256" in signed and body is not None:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        if digest != headers["x-content-sha256"]:
            raise not_authenticated("x-content-sha256 does not match the body")
