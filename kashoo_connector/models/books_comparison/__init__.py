from . import kashoo_reconciliation
from . import kashoo_backend
