# The two commands of the README. Both accept ODOO_PATH and the standard PG* variables.
.PHONY: test run

test:  ## lint, pytest suite and the addon's Odoo tests; prints "N passed, N failed"
	bash scripts/test.sh

run:   ## Kashoo sandbox + Odoo on http://localhost:8069 with the addon installed and connected
	bash scripts/run.sh
