from . import kashoo_account_accept_wizard
from . import kashoo_tax_test
from . import kashoo_resync_wizard
from . import kashoo_sync_restore_wizard
from . import kashoo_quarantine_ignore_wizard
from . import kashoo_lock_date_wizard
from . import kashoo_books_comparison_wizard
