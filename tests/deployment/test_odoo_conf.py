"""The committed server configuration (docker-compose mounts it as it is) is safe to expose."""

import configparser

from conftest import REPO_ROOT


def _options():
    parser = configparser.ConfigParser(inline_comment_prefixes=None)
    parser.read(REPO_ROOT / "odoo.conf")
    return parser["options"]


def test_database_manager_is_off():
    # list_db = False blocks every database management call (create, drop, backup, restore).
    assert _options().get("list_db") == "False"


def test_no_usable_master_password():
    # Odoo refuses the master password when the option is False or empty; left out of the
    # file, it would default to "admin".
    assert "admin_passwd" in _options()
    assert _options()["admin_passwd"] in ("False", "")


def test_docker_compose_creates_its_database_without_the_manager():
    compose = (REPO_ROOT / "docker-compose.yml").read_text()
    assert "--database=" in compose
    assert "--init=kashoo_connector" in compose
