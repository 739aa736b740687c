"""End-to-end fixtures: a template database with the addon installed, cloned per scenario.

Needs ODOO_PATH (an Odoo 18.0 source tree) and a PostgreSQL server from the standard PG*
variables; ``make test`` sets both. Without ODOO_PATH the tests skip.
"""

import os
import shutil
import time

import pytest


@pytest.fixture(scope="session")
def odoo_path():
    path = os.environ.get("ODOO_PATH")
    if not path:
        pytest.skip("ODOO_PATH is not set: the end-to-end tests need an Odoo 18.0 tree")
    return path


@pytest.fixture(scope="session")
def encryption_key():
    from cryptography.fernet import Fernet

    return os.environ.get("KASHOO_ENCRYPTION_KEY") or Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def template_db(odoo_path, encryption_key):
    """A fresh database with kashoo_connector and l10n_ca installed, dropped at the end."""
    from harness import OdooServer, admin_sql, new_workdir

    name = f"kashoo_e2e_tpl_{os.getpid()}_{int(time.time())}"
    workdir = new_workdir()
    server = OdooServer(odoo_path, name, workdir, encryption_key)
    try:
        server.install()
        yield name
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def odoo_server(odoo_path, encryption_key, template_db):
    """An Odoo server on its own copy of the template database; dropped afterwards."""
    from harness import OdooServer, admin_sql, new_workdir

    name = f"kashoo_e2e_{os.getpid()}_{time.time_ns()}"
    admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    workdir = new_workdir()
    server = OdooServer(odoo_path, name, workdir, encryption_key)
    try:
        yield server
    finally:
        server.stop()
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
