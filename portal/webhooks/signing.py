"""Standard Webhooks signing secrets and signatures (https://www.standardwebhooks.com/).

A secret is `whsec_` and 24 random bytes in base64; a signature is `v1,` and the base64
HMAC-SHA256 of `id.timestamp.body` under the secret's bytes. While a rotated secret overlaps
with the new one, each delivery carries both signatures, separated by a space.
"""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks format."""
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `v1,` signature of one delivery under one secret."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one signature per live secret."""
    return " ".join(signature(secret, message_id, timestamp, body) for secret in secrets_)
