{
    "name": "Kashoo Connector",
    "summary": "Import Kashoo transactions into Odoo as posted journal entries, exactly once",
    "version": "18.0.0.3.0",
    "category": "Accounting/Accounting",
    "author": "kashoo_connector developers",
    "license": "LGPL-3",
    "depends": ["account", "auth_totp"],
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
        "data/ir_cron_data.xml",
        "data/mail_activity_type_data.xml",
        # Wizards before the views whose buttons open them.
        "wizards/kashoo_account_accept_wizard_views.xml",
        "wizards/kashoo_tax_test_views.xml",
        "wizards/kashoo_resync_wizard_views.xml",
        "wizards/kashoo_sync_restore_wizard_views.xml",
        "wizards/kashoo_quarantine_ignore_wizard_views.xml",
        "wizards/kashoo_lock_date_wizard_views.xml",
        "wizards/kashoo_books_comparison_wizard_views.xml",
        "views/kashoo_transaction_views.xml",
        "views/kashoo_sync_log_views.xml",
        "views/kashoo_webhook_event_views.xml",
        "views/kashoo_account_views.xml",
        "views/account_account_views.xml",
        "views/kashoo_tax_views.xml",
        "views/kashoo_payment_method_views.xml",
        "views/kashoo_contact_views.xml",
        "views/res_partner_views.xml",
        "views/account_move_views.xml",
        "views/kashoo_health_snapshot_views.xml",
        "views/kashoo_health_alert_views.xml",
        "views/kashoo_books_comparison_views.xml",
        "views/kashoo_backend_views.xml",
        "views/kashoo_audit_log_views.xml",
        "views/kashoo_api_access_log_views.xml",
        "views/res_config_settings_views.xml",
        # Menus last: they point at the actions above.
        "views/menus.xml",
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
    "installable": True,
    "application": False,
}
