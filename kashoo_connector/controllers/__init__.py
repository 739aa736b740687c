from . import kashoo_oauth
