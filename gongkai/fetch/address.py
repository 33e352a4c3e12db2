"""Where requests may go: public addresses only, unless the registry allows a host (a test portal)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressRefused(Exception):
    """The URL points at an address gongkai must not contact."""


def is_public(address: str) -> bool:
    """A globally routable unicast address (not loopback, private, link-local, shared/CGNAT, reserved…)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return is_public(str(ip.ipv4_mapped))
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_url(url: str, allowed_hosts: set[str], resolve=socket.getaddrinfo) -> None:  # type: ignore[no-untyped-def]
    """Refuse non-HTTP schemes and hosts that resolve to loopback/private/link-local/reserved addresses,
    except `allowed_hosts` (host names or IPs the registry allows). Raises AddressRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefused(f"{url}: not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise AddressRefused(f"{url}: only http and https are fetched")
    host = parts.hostname or ""
    if not host:
        raise AddressRefused(f"{url}: no host")
    if host in allowed_hosts:
        return
    try:
        addresses = {info[4][0] for info in resolve(host, port, proto=socket.IPPROTO_TCP)}
    except OSError as exc:
        raise AddressRefused(f"{url}: host {host} does not resolve ({exc})") from exc
    blocked = sorted(a for a in addresses if not is_public(a))
    if blocked:
        raise AddressRefused(
            f"{url}: {host} resolves to non-public address {blocked[0]}; refused (allow the host "
            "in the registry only for a test portal)"
        )
