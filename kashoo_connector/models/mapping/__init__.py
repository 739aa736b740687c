from . import kashoo_reference_mixin
from . import kashoo_account
from . import kashoo_tax
from . import res_partner
from . import kashoo_contact
from . import kashoo_payment_method
from . import kashoo_backend
from . import account_account
