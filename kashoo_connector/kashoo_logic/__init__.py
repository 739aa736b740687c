"""The connector's business rules that need no Odoo: sync-health rules, the books-comparison
figures, account suggestions, Canadian tax-number checks and the XLSX writer.

Like ``kashoo_api`` and ``kashoo_mapper``, every module here uses relative imports only, so
the pytest suites load it without Odoo.
"""
