from . import res_config_settings
from . import kashoo_management_guard
from . import kashoo_backend
from . import kashoo_reference_mixin
from . import kashoo_payment_method
