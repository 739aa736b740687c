# The two commands of the README, and `make pot` for the translation template. All of them
# accept ODOO_PATH and the standard PG* variables.
.PHONY: test run pot

test:  ## lint, pytest suite and the addon's Odoo tests; prints "N passed, N failed"
	bash scripts/test.sh

run:   ## Kashoo sandbox + Odoo on http://localhost:8069 with the addon installed and connected
	bash scripts/run.sh

pot:   ## regenerate kashoo_connector/i18n/kashoo_connector.pot after changing user-facing strings
	bash scripts/update_pot.sh
