# One folder per concern, in dependency order: the connection defines kashoo.backend, the
# mapping and the sync engine build on it; quarantine, health and the books comparison read
# what the engine wrote; the API access log keeps every Kashoo call; the audit log records
# changes to all of them, and security guards their management.
from . import connection
from . import mapping
from . import sync
from . import quarantine
from . import health
from . import api_log
from . import books_comparison
from . import audit
from . import security
