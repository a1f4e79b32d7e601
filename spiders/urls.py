"""URL rules: the canonical form of an article URL, and which URLs a crawl may fetch."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

# Parameters that identify a campaign, a click or a referrer, never the content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
        "mc_cid", "mc_eid", "ocid", "cmpid", "cmp", "oc", "taid", "icid", "ref", "ref_src", "ref_url",
        "referrer", "smid", "smtyp", "partner", "ito", "cid_source", "ns_mchannel", "ns_source",
        "ns_campaign", "ns_linkname", "ns_fee", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "spm",
        "share", "xtor", "wt.mc_id", "s_cid", "__twitter_impression", "rss", "feature", "at_medium",
        "at_campaign", "at_custom1", "at_custom2", "at_custom3", "at_custom4", "traffic_source",
        "sr_share", "vero_id", "guccounter", "guce_referrer", "guce_referrer_sig",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hmb_", "at_")
# Query parameters that only select an AMP rendering of the same article.
AMP_PARAMS = {"amp": {"", "1", "true", "yes"}, "outputtype": {"amp"}, "output": {"amp"}}
HOST_VARIANT_PREFIXES = ("amp.", "m.", "mobile.")
DEFAULT_PORTS = {"http": 80, "https": 443}
INDEX_PAGES = ("index.html", "index.htm")
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PCT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")

Resolver = Callable[[str], Iterable[str]]


def canonical_url(url: str) -> str:
    """Return the form of *url* that two links to the same article share.

    Lowercases scheme and host, drops userinfo, default ports, fragments, tracking and AMP
    parameters, AMP/mobile host and path variants, and a trailing ``index.html``/``index.htm``
    (servers answer ``/dir/`` and ``/dir/index.html`` with the same page); sorts the remaining
    query parameters; keeps the case of the path, its trailing slash and the ``www.`` prefix
    (neither is safe to fold on every site). A malformed URL (bad IPv6 literal, port out of
    range) is its own canonical form, stripped of surrounding blanks: dedup keys never raise.
    """
    try:
        parts = urlsplit(safe_url_string(url.strip()))
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = _canonical_host(parts.hostname or "")
    netloc = host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def _canonical_host(host: str) -> str:
    host = host.lower().rstrip(".")
    for prefix in HOST_VARIANT_PREFIXES:
        rest = host[len(prefix):]
        # Keep "m.com": stripping must leave a registrable-looking name.
        if host.startswith(prefix) and "." in rest:
            return rest
    return host


def _canonical_path(path: str) -> str:
    path = _PCT_ESCAPE.sub(_normalise_escape, path)
    if not path:
        return "/"
    if path.startswith("/amp/"):
        path = path[len("/amp"):]
    # WordPress serves "/story/amp/" for "/story/", others "/story/amp" for "/story".
    if path.endswith("/amp/") and len(path) > len("/amp/"):
        path = path[: -len("amp/")]
    elif path.endswith("/amp") and len(path) > len("/amp"):
        path = path[: -len("/amp")]
    if path.endswith(".amp.html"):
        path = path[: -len(".amp.html")] + ".html"
    elif path.endswith(".amp"):
        path = path[: -len(".amp")]
    for page in INDEX_PAGES:
        if path.endswith("/" + page):
            path = path[: -len(page)]
    return path or "/"


def _normalise_escape(match: re.Match[str]) -> str:
    # RFC 3986 6.2.2: "%7E" and "~" are the same URL, "%2f" and "%2F" too; "%2F" and "/" are not.
    char = chr(int(match.group(1), 16))
    return char if char in UNRESERVED else "%" + match.group(1).upper()


def _canonical_query(query: str) -> str:
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_noise_param(k, v)]
    kept.sort()
    return urlencode(kept, quote_via=quote, safe="-._~:/@!$'()*+,;")


def _is_noise_param(key: str, value: str) -> bool:
    name = key.lower()
    if name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES):
        return True
    return value.lower() in AMP_PARAMS.get(name, ())


NAT64 = ipaddress.ip_network("64:ff9b::/96")
CGNAT = ipaddress.ip_network("100.64.0.0/10")


def address_block_reason(address: str) -> str | None:
    """Why a crawl must not connect to this IP address, or None when it is globally routable."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"not an IP address: {address!r}"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return address_block_reason(str(embedded))
    checks: tuple[tuple[bool, str], ...] = (
        (ip.is_unspecified, "unspecified address"),
        (ip.is_loopback, "loopback address"),
        (ip.is_link_local, "link-local address"),
        (ip.is_multicast, "multicast address"),
        (ip in CGNAT, "shared (CGNAT) address"),
        (ip.is_reserved, "reserved address"),
        (ip.is_private, "private address"),
        (not ip.is_global, "not a globally routable address"),
    )
    for failed, reason in checks:
        if failed:
            return f"{reason} {ip}"
    return None


def resolve_host(host: str) -> list[str]:
    """The addresses *host* resolves to (an IP literal resolves to itself); raises OSError."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})


def host_block_reason(host: str, resolve: Resolver = resolve_host) -> str | None:
    """Why *host* is not a public host, or None; a name is refused if any address it has is."""
    host = host.strip("[]").rstrip(".").lower()
    if not host:
        return "no host"
    try:
        addresses = list(resolve(host))
    except (OSError, UnicodeError) as e:
        return f"unresolvable host {host!r}: {e}"
    return addresses_block_reason(host, addresses)


def addresses_block_reason(host: str, addresses: Iterable[str]) -> str | None:
    """Why the resolved *addresses* of *host* make it unsafe to fetch, or None."""
    listed = list(addresses)
    if not listed:
        return f"unresolvable host {host!r}: no addresses"
    for address in listed:
        reason = address_block_reason(address)
        if reason is not None:
            return reason if address == host else f"{host} resolves to {reason}"
    return None


def is_public_host(host: str) -> bool:
    """True when every address *host* resolves to is globally routable."""
    return host_block_reason(host) is None


def scheme_block_reason(url: str) -> str | None:
    """Why *url* is not a well-formed http(s) URL with a host, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is what validates it
    except ValueError as e:
        return f"malformed URL: {e}"
    if parts.scheme.lower() not in DEFAULT_PORTS:
        return f"scheme {parts.scheme or '(none)'!r} is not http or https"
    if not parts.hostname:
        return "no host"
    return None


def url_allowed(url: str, *, allow_private: bool) -> tuple[bool, str | None]:
    """Whether a crawl may fetch *url*, and the reason when it may not."""
    reason = scheme_block_reason(url)
    if reason is None and not allow_private:
        reason = host_block_reason(urlsplit(url).hostname or "")
    return reason is None, reason


def join_url(base: str, href: str) -> str | None:
    """*href* made absolute against *base*; None when either is malformed (a broken IPv6 literal, say).

    One such link on a page must cost that link, not the page: ``urljoin`` raises ValueError on it.
    """
    try:
        return urljoin(base, href)
    except ValueError:
        return None
