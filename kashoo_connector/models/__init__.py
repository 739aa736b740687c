from . import kashoo_backend
from . import res_config_settings
