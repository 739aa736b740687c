from . import kashoo_api_access_log
from . import kashoo_backend
