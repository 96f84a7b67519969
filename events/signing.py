"""Standard Webhooks signatures (https://www.standardwebhooks.com/): ``webhook-signature: v1,<base64>``."""

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
