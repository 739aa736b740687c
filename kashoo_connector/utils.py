"""Small helpers of the connector that need Odoo's configuration but no records."""

import ipaddress
import os

from psycopg2 import errors as pg_errors

from odoo.exceptions import UserError
from odoo.modules import module as odoo_module
from odoo.tools import config

from .kashoo_api import KashooConfigError, KashooDecryptionError, SecretBox

#: Database errors that only mean "another transaction was in the way". Under Odoo's
#: REPEATABLE READ they cannot be retried inside the same transaction (its snapshot would
#: conflict again): the whole batch is rolled back and run again.
TRANSIENT_DB_ERRORS = (
    pg_errors.SerializationFailure,
    pg_errors.DeadlockDetected,
    pg_errors.LockNotAvailable,
)


def kashoo_commit(env, reason):  # noqa: ARG001 - the reason documents every call site
    """Commit ``env.cr`` unless tests run (there the cursor is shared and must not commit).

    Every call says why resumability needs it. Under Odoo's HttpCase the registry cursor is
    a TestCursor whose commit is a savepoint release, but TransactionCase cursors must never
    commit, so the commit is skipped in test mode.
    """
    if odoo_module.current_test:
        env.cr.flush()
        return
    env.cr.commit()


#: Environment variable and odoo.conf option holding the Fernet key(s) for secrets at rest.
ENCRYPTION_KEY_ENV = "KASHOO_ENCRYPTION_KEY"
ENCRYPTION_KEY_OPTION = "kashoo_encryption_key"


def get_encryption_key():
    """Return the configured encryption key text, or ``None``; never read from the database.

    The environment wins over odoo.conf so containers can inject it as a secret.
    """
    return os.environ.get(ENCRYPTION_KEY_ENV) or config.get(ENCRYPTION_KEY_OPTION) or None


def get_secret_box(env):
    """Return the :class:`SecretBox` for the configured key.

    :param env: the environment whose language the error message uses.

    :raise UserError: no key or a malformed key, with what to configure.
    """
    try:
        return SecretBox(get_encryption_key())
    except KashooConfigError as error:
        raise UserError(
            env._(
                "Kashoo secrets cannot be stored or read: %(reason)s. Set the option "
                "%(option)s in odoo.conf or the environment variable %(env)s to a Fernet key "
                '(generate one with: python3 -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"), then restart Odoo.',
                reason=error.message,
                option=ENCRYPTION_KEY_OPTION,
                env=ENCRYPTION_KEY_ENV,
            )
        ) from error


def decrypt_secret(env, ciphertext):
    """Decrypt a stored secret with the configured key.

    :raise UserError: no key, or a key that did not encrypt it (changed or lost key).
    """
    try:
        return get_secret_box(env).decrypt(ciphertext)
    except KashooDecryptionError as error:
        raise UserError(
            env._(
                "A stored Kashoo secret cannot be decrypted with the configured key: the key in "
                "%(option)s / %(env)s was changed or lost. Put the previous key back (keys may be "
                "listed comma-separated, newest first), or enter the secrets and authorize again.",
                option=ENCRYPTION_KEY_OPTION,
                env=ENCRYPTION_KEY_ENV,
            )
        ) from error


#: Environment variable and odoo.conf option naming extra hosts that may be reached over plain
#: http (comma-separated), for set-ups such as docker compose where the Kashoo sandbox is
#: another container. Read from the server's configuration, never from the database, so no
#: database user can widen it.
PLAIN_HTTP_HOSTS_ENV = "KASHOO_PLAIN_HTTP_HOSTS"
PLAIN_HTTP_HOSTS_OPTION = "kashoo_plain_http_hosts"


def plain_http_allowed(host):
    """Tell whether the Kashoo API may be reached at ``host`` over plain http.

    Only this machine qualifies (``localhost``, 127.0.0.0/8, ``::1``), plus the hosts the
    server's configuration lists explicitly.
    """
    host = (host or "").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        if ipaddress.ip_address(host).is_loopback:
            return True
    except ValueError:
        pass
    listed = os.environ.get(PLAIN_HTTP_HOSTS_ENV) or config.get(PLAIN_HTTP_HOSTS_OPTION) or ""
    return host in {name.strip().lower() for name in listed.split(",") if name.strip()}
