"""Masking of secrets in text that may reach a log line or an exception message."""

import re

from .const import LOG_BODY_LIMIT

MASK = "***"

# Names whose values are credentials wherever they appear: OAuth token responses and
# requests, the classic ``TOKEN json:{...}`` payload, form posts and query strings. Each is
# matched in snake_case, camelCase and kebab-case, whatever the letter case.
_SECRET_NAMES = (
    r"access[_-]?token",
    r"refresh[_-]?token",
    r"id[_-]?token",
    r"client[_-]?secret",
    r"webhook[_-]?secret",
    r"code[_-]?verifier",
    r"code",
    r"password",
    r"secret",
    r"authentication[_-]?code",
)
_NAMES = "|".join(_SECRET_NAMES)

_PATTERNS = (
    # "name": "value" in JSON.
    (re.compile(rf'("(?:{_NAMES})"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE), rf'\1"{MASK}"'),
    # name=value in form bodies, query strings and free text.
    (re.compile(rf"(?<![A-Za-z0-9_])((?:{_NAMES})=)[^&\s\"']+", re.IGNORECASE), rf"\1{MASK}"),
    # An Authorization header, whatever its scheme and letter case.
    (
        re.compile(r"(\bAuthorization[\"']?\s*[:=]\s*[\"']?)(?:[A-Za-z]+\s+)?[^\s\"',]+", re.I),
        rf"\1{MASK}",
    ),
    # Credentials after their scheme: "Bearer <t>", "Basic <t>" as the scheme is written in
    # headers (so the words "bearer" or "basic" in a sentence are left alone), and Kashoo's
    # "TOKEN uuid:<t>", recognised by its "uuid:" rather than by the word "token".
    (re.compile(r"\b(Bearer|BEARER|Basic|BASIC)\s+[^\s\"',]+"), rf"\1 {MASK}"),
    (re.compile(r"\b(TOKEN\s+uuid:)[^\s\"',]+", re.IGNORECASE), rf"\1{MASK}"),
    # Standard Webhooks secrets.
    (re.compile(r"whsec_[A-Za-z0-9+/=_-]*"), f"whsec_{MASK}"),
    # Anything shaped like a JWT, wherever it appears.
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), MASK),
)


def mask_secrets(text):
    """Return ``text`` with every recognisable credential replaced by ``***``.

    :param str text: any text: a URL, a response body, an error description.
    :return: the masked text.
    :rtype: str
    """
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def safe_excerpt(text, limit=LOG_BODY_LIMIT):
    """Mask secrets in ``text``, then cut it to ``limit`` characters for logs and exceptions.

    Masking comes first so that a cut can never leave half a secret visible.

    :param str text: the text to shorten, typically a response body.
    :param int limit: the maximum number of characters kept.
    :return: the masked, possibly shortened text.
    :rtype: str
    """
    masked = mask_secrets(text)
    if len(masked) <= limit:
        return masked
    return f"{masked[:limit]}... [{len(masked) - limit} more characters]"
