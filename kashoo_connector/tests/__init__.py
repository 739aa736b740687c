from . import test_install
from . import test_access
from . import test_settings
from . import test_secrets
from . import test_oauth_callback
from . import test_connection
from . import test_webhook
from . import test_kashoo_move_builder
