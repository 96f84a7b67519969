"""RSA keys for signing JWTs, loaded and checked when the settings load (API.md, Tokens)."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured

SUPPORTED_ALGORITHMS = ("RS256", "RS384", "RS512")
MIN_RSA_BITS = 2048


def _pem(value: str, name: str) -> bytes:
    """Accept raw PEM or base64-encoded PEM (the tutorial's .env format)."""
    value = value.strip()
    if value.startswith("-----BEGIN"):
        return value.encode()
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} is neither PEM nor base64-encoded PEM.") from exc


def _load_private(pem: bytes) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"JWT_PRIVATE_KEY is not a readable PEM private key: {exc}") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured("JWT_PRIVATE_KEY must be an RSA private key.")
    return key


def _load_public(pem: bytes) -> rsa.RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"JWT_PUBLIC_KEY is not a readable PEM public key: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ImproperlyConfigured("JWT_PUBLIC_KEY must be an RSA public key.")
    return key


def _private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def new_key_pair(bits: int = MIN_RSA_BITS) -> tuple[str, str]:
    """A fresh RSA key pair as PEM (private, public): for tests and throw-away deployments."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return _private_pem(key).decode(), _public_pem(key).decode()


def _development_key(folder: Path) -> bytes:
    """Generate a key pair once and keep it in the local data folder."""
    path = folder / "jwt_private_key.pem"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)
        path.touch(mode=0o600)
        path.write_bytes(_private_pem(key))
    return path.read_bytes()


def load_jwt_keys(*, algorithm: str, private_key: str, public_key: str, debug: bool, data_dir: Path) -> tuple[str, str]:
    """Return (signing PEM, verifying PEM), or raise ImproperlyConfigured with the variable to fix."""
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise ImproperlyConfigured(
            f"JWT_ALGORITHM must be one of {', '.join(SUPPORTED_ALGORITHMS)}, not {algorithm!r}."
        )
    if not private_key:
        if public_key or not debug:
            raise ImproperlyConfigured(
                "JWT_PRIVATE_KEY and JWT_PUBLIC_KEY must be set (base64-encoded or raw PEM RSA keys) when DEBUG is off."
            )
        private_pem = _development_key(data_dir)
    else:
        private_pem = _pem(private_key, "JWT_PRIVATE_KEY")

    private = _load_private(private_pem)
    if private.key_size < MIN_RSA_BITS:
        raise ImproperlyConfigured(
            f"JWT_PRIVATE_KEY is {private.key_size} bits; RSA keys need at least {MIN_RSA_BITS}."
        )
    if public_key:
        public = _load_public(_pem(public_key, "JWT_PUBLIC_KEY"))
        if public.public_numbers() != private.public_key().public_numbers():
            raise ImproperlyConfigured("JWT_PUBLIC_KEY does not match JWT_PRIVATE_KEY.")
    return _private_pem(private).decode(), _public_pem(private).decode()
