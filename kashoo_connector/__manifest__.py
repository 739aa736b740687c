{
    "name": "Kashoo Connector",
    "summary": "Import Kashoo transactions into Odoo as posted journal entries, exactly once",
    "version": "18.0.0.3.0",
    "category": "Accounting/Accounting",
    "author": "kashoo_connector developers",
    "license": "LGPL-3",
    "depends": ["account"],
    "external_dependencies": {
        # Imported by kashoo_api (HTTP client, Fernet encryption of secrets at rest).
        "python": ["requests", "cryptography"],
    },
    "data": [
        # Groups before the access rules and records that name them.
        "security/kashoo_connector_groups.xml",
        "security/ir.model.access.csv",
        "security/kashoo_connector_security.xml",
        "data/ir_config_parameter_data.xml",
        "views/kashoo_backend_views.xml",
        "views/res_config_settings_views.xml",
        # Menus last: they point at the actions above.
        "views/kashoo_connector_menus.xml",
        # Sync engine (issue 6): crons, rules, staging/log views, wizards and their menus.
        "security/kashoo_sync_security.xml",
        "data/ir_cron_data.xml",
        "views/kashoo_sync_views.xml",
        # Mapping (issue 5): reference data, mappings, their rules, views and menus.
        "security/kashoo_mapping_security.xml",
        "data/kashoo_mapping_cron_data.xml",
        "views/kashoo_mapping_views.xml",
        "views/kashoo_mapping_menus.xml",
        # Health dashboard and alerts (issue 7): rules, hourly snapshot cron, views, menus.
        "security/kashoo_health_security.xml",
        "data/kashoo_health_cron_data.xml",
        "views/kashoo_health_views.xml",
        # Quarantine review (issue 7): activity type, wizards, lineage of imported moves.
        "data/kashoo_quarantine_data.xml",
        "views/kashoo_quarantine_views.xml",
        # Reconciliation with Kashoo (issue 7): rules, schedule, reports and their menus.
        "security/kashoo_reconciliation_security.xml",
        "data/kashoo_reconciliation_cron_data.xml",
        "views/kashoo_reconciliation_views.xml",
    ],
    "demo": [
        "demo/kashoo_backend_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "kashoo_connector/static/src/scss/kashoo_health_dashboard.scss",
        ],
        "web.assets_tests": [
            "kashoo_connector/static/tests/tours/**/*",
        ],
    },
    # The README documents the module; keep it out of the Apps description.
    "description": " ",
    "installable": True,
    "application": False,
}
