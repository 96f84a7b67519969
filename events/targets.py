"""Where a webhook may point (API.md, webhooks; SSRF): http(s) to public addresses only.

Checked when the URL is saved and again at each delivery, whose connection goes to the very
address that was checked (a name that resolves elsewhere later, DNS rebinding, gains nothing).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

NOT_HTTP = "Only http and https URLs can receive webhooks."
NO_HOST = "The URL has no host."
NOT_RESOLVED = "The host name does not resolve."
PRIVATE = "The host resolves to a loopback, private, link-local or multicast address."


class UnsafeTarget(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str
    path: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(url: str) -> Target:
    """The URL's parts and the address to connect to; UnsafeTarget if it may not be used."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget(NOT_HTTP)
    if not parts.hostname:
        raise UnsafeTarget(NO_HOST)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget(NOT_RESOLVED) from None
    addresses = [info[4][0] for info in infos]
    if not settings.WEBHOOK_ALLOW_PRIVATE and not all(is_public(address) for address in addresses):
        raise UnsafeTarget(PRIVATE)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port, addresses[0], path)
