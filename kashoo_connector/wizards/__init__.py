from . import kashoo_resync_wizard
from . import kashoo_sync_restore_wizard
from . import kashoo_quarantine_wizards
from . import kashoo_reconciliation_wizard
