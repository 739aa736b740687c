from . import kashoo_auth_log
from . import kashoo_backend
from . import kashoo_oauth_state
from . import kashoo_oauth_token
from . import res_config_settings
