from . import kashoo_webhook_event
from . import kashoo_sync_log
from . import kashoo_transaction
from . import kashoo_backend
from . import account_move
from . import account_payment
from . import kashoo_move_builder
from . import kashoo_import_engine
