from . import kashoo_oauth
from . import kashoo_webhook
