from . import kashoo_transaction
from . import kashoo_sync_log
from . import kashoo_backend
from . import account_move
