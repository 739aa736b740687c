"""PKCE (RFC 7636) and OAuth ``state`` values."""

import base64
import hashlib
import re
import secrets
import string

# RFC 7636 §4.1: unreserved characters, 43 to 128 of them.
_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
_VERIFIER_PATTERN = re.compile(r"[A-Za-z0-9\-._~]{43,128}", re.ASCII)
MIN_VERIFIER_LENGTH = 43
MAX_VERIFIER_LENGTH = 128


def generate_code_verifier(length=64):
    """Return a new random PKCE ``code_verifier``.

    :param int length: the number of characters, 43 to 128 (RFC 7636 §4.1).
    :return: the verifier, drawn with :mod:`secrets` from the unreserved alphabet.
    :rtype: str
    """
    if not MIN_VERIFIER_LENGTH <= length <= MAX_VERIFIER_LENGTH:
        raise ValueError("a code verifier has 43 to 128 characters")
    return "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(length))


def code_challenge_s256(code_verifier):
    """Return the ``S256`` code challenge: BASE64URL-NOPAD(SHA256(ASCII(verifier))).

    :param str code_verifier: a verifier as made by :func:`generate_code_verifier`.
    :return: the challenge to send with the authorization request.
    :rtype: str
    """
    if not _VERIFIER_PATTERN.fullmatch(code_verifier):
        raise ValueError("not a valid RFC 7636 code verifier")
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def generate_state():
    """Return a new random OAuth ``state`` value with 256 bits of entropy.

    :rtype: str
    """
    return secrets.token_urlsafe(32)
