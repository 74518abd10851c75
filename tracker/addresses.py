"""Which hosts may be fetched or posted to: public sites only, unless a network is allowed
(the statements spider's pages, the team channels' webhooks)."""

import ipaddress
import socket


def not_public(host: str, allowed=()) -> str | None:
    """Why ``host`` may not be fetched (it is or resolves to a non-public address outside the
    ``allowed`` networks), or ``None``."""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return None  # unresolvable: the download says so in its own words
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if (not ip.is_global or ip.is_multicast) and not any(ip in network for network in allowed):
            kind = "loopback" if ip.is_loopback else "link-local" if ip.is_link_local else "private"
            return f"{host} is a {kind} address ({ip}), not a public site"
    return None
