"""Encryption of secrets at rest with Fernet, with key rotation through MultiFernet.

The key never lives in the database: the Odoo side reads it from the server configuration
or the environment and hands it to :class:`SecretBox`. A missing key is a hard error, with
no plaintext fallback.
"""

import binascii

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .exceptions import KashooConfigError, KashooDecryptionError


def generate_key():
    """Return a new random Fernet key, as text ready for a configuration file.

    :rtype: str
    """
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts and decrypts short secrets (tokens, client secrets) as text.

    :param str key: one Fernet key, or several separated by commas for rotation: the first
        encrypts, all of them decrypt.
    :raises KashooConfigError: when the key is missing or any listed key is malformed.
    """

    def __init__(self, key):
        keys = [part.strip() for part in (key or "").split(",") if part.strip()]
        if not keys:
            raise KashooConfigError(
                "no encryption key is configured; generate one with "
                "kashoo_api.secret_box.generate_key()",
                code="missing_key",
            )
        fernets = []
        for position, text in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(text.encode("ascii")))
            except (ValueError, binascii.Error, UnicodeEncodeError) as error:
                raise KashooConfigError(
                    f"encryption key #{position} is not a valid Fernet key "
                    "(32 url-safe base64-encoded bytes)",
                    code="invalid_key",
                ) from error
        self._fernet = MultiFernet(fernets)

    def encrypt(self, plaintext):
        """Encrypt ``plaintext`` with the first key.

        :param str plaintext: the secret.
        :return: the Fernet token, as text.
        :rtype: str
        """
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext):
        """Decrypt a value made by :meth:`encrypt` under any of the configured keys.

        :param str ciphertext: the Fernet token.
        :rtype: str
        :raises KashooDecryptionError: the value was encrypted with another key, or is not
            a Fernet token at all.
        """
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as error:
            raise KashooDecryptionError(
                "cannot decrypt the stored secret: it was encrypted with a different key "
                "or is corrupted",
                code="decryption_failed",
            ) from error

    def rotate(self, ciphertext):
        """Re-encrypt a value under the first key, whichever configured key encrypted it.

        :param str ciphertext: a Fernet token made with any configured key.
        :return: the same secret, encrypted with the first key.
        :rtype: str
        :raises KashooDecryptionError: as :meth:`decrypt`.
        """
        try:
            return self._fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as error:
            raise KashooDecryptionError(
                "cannot re-encrypt the stored secret: no configured key decrypts it",
                code="decryption_failed",
            ) from error
