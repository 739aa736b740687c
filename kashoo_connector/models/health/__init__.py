from . import kashoo_api_stat
from . import kashoo_health_snapshot
from . import kashoo_health_alert
from . import kashoo_backend
