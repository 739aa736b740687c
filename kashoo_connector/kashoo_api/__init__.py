"""Pure-Python client for the Kashoo API, free of any Odoo import.

Odoo code imports it as ``odoo.addons.kashoo_connector.kashoo_api``; the stand-alone tests
import it as ``kashoo_api``. Hence relative imports only inside this package.
"""

from .auth import (
    AUTH_MODE_CLASSIC,
    AUTH_MODE_OAUTH,
    CLIENT_SECRET_BASIC,
    CLIENT_SECRET_POST,
    ClassicTokenProvider,
    InMemoryTokenStore,
    KashooAuth,
    OAuthTokenManager,
    TokenProvider,
    TokenSet,
    TokenStore,
    build_authorize_url,
    exchange_code,
    refresh_tokens,
    request_classic_token,
)
from .backoff import full_jitter_delay, parse_retry_after, sync_retry_delay
from .client import KashooClient
from .exceptions import (
    KashooAuthError,
    KashooAuthExpired,
    KashooAuthRejected,
    KashooAuthRevoked,
    KashooBadRequest,
    KashooBadResponse,
    KashooCertificatePinError,
    KashooConfigError,
    KashooDecryptionError,
    KashooError,
    KashooForbidden,
    KashooNotFound,
    KashooPagingLimitExceeded,
    KashooRateLimited,
    KashooResponseTooLarge,
    KashooTransientError,
    WebhookVerificationError,
)
from .pkce import code_challenge_s256, generate_code_verifier, generate_state
from .ratelimit import TokenBucket
from .redact import mask_secrets, safe_excerpt
from .secret_box import SecretBox, generate_key
from .transport import secure_session, spki_pin, tls_context
from .signature import VerifiedWebhook, sign_webhook, verify_webhook
