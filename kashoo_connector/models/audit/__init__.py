# The audit log first: the writers below log through it.
from . import kashoo_audit_chain
from . import kashoo_audit_log
from . import kashoo_backend
from . import kashoo_audited_mapping
from . import kashoo_account
from . import kashoo_tax
from . import kashoo_contact
from . import kashoo_payment_method
