"""Credentials out of URLs before they are stored: each secret is replaced by REDACTED."""

from __future__ import annotations

import re
import urllib.parse

REDACTED = "REDACTED"

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")


def _normal(name: str) -> str:
    """A parameter name compared without case, '-' or '_' (so api_key, api-key and apikey match)."""
    return name.lower().replace("-", "").replace("_", "")


# Query (and fragment) parameters whose values sign or authorize a request. Expiry, date,
# version and permission parameters (Expires, X-Amz-Expires, X-Amz-Date, Azure SAS se, sp, sv,
# sr) are kept: they are not secrets, and they tell when and for what a link was valid.
SECRET_PARAMETERS = frozenset(
    _normal(name)
    for name in (
        # AWS S3 presigned URLs (SigV4 and SigV2) and CloudFront signed URLs
        "X-Amz-Signature",
        "X-Amz-Credential",
        "X-Amz-Security-Token",
        "AWSAccessKeyId",
        "Signature",
        "Policy",
        "Key-Pair-Id",
        # Google Cloud Storage signed URLs (V4 and V2)
        "X-Goog-Signature",
        "X-Goog-Credential",
        "GoogleAccessId",
        # Azure shared access signatures
        "sig",
        # API keys and OAuth tokens
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "security-token",
        "key",
        "api_key",
        "password",
        "secret",
        "client_secret",
    )
)


def _redacted_parameters(text: str) -> str:
    """name=value pairs joined by '&' with every secret value replaced; all else as it was."""
    pieces = []
    for piece in text.split("&"):
        name, equals, value = piece.partition("=")
        if equals and value and _normal(urllib.parse.unquote_plus(name)) in SECRET_PARAMETERS:
            piece = f"{name}={REDACTED}"
        pieces.append(piece)
    return "&".join(pieces)


def redact_url(url: str) -> str:
    """The URL with its user:password@ and secret query values replaced by REDACTED."""
    if not isinstance(url, str) or url[:5].lower() == "data:":
        return url
    scheme, separator, rest = url.partition("://")
    if not separator or not _SCHEME.fullmatch(scheme):
        return url  # a plain path, or not a URL with an authority
    # Cut by hand rather than with urlsplit: it cannot raise, and nothing else changes.
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    if "@" in authority:
        authority = f"{REDACTED}@{authority.rpartition('@')[2]}"
    before_fragment, hash_sign, fragment = tail.partition("#")
    path, question_mark, query = before_fragment.partition("?")
    return (
        f"{scheme}://{authority}{path}{question_mark}{_redacted_parameters(query)}"
        f"{hash_sign}{_redacted_parameters(fragment)}"
    )
