from . import kashoo_resync_wizard
from . import kashoo_sync_restore_wizard
