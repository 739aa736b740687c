import pytest
from kashoo_api.redact import mask_secrets


@pytest.mark.parametrize(
    "text",
    [
        '{"accessToken": "AT-91c3e5a7", "refreshToken": "RT-5e8a1f3c", "clientSecret": "CS-4b9f"}',
        '{"AccessToken":"AT-91c3e5a7","idToken":"RT-5e8a1f3c","codeVerifier":"CS-4b9f"}',
        "accessToken=AT-91c3e5a7&refreshToken=RT-5e8a1f3c&clientSecret=CS-4b9f",
        "Authorization: bearer AT-91c3e5a7, TOKEN uuid:RT-5e8a1f3c, Basic CS-4b9f",
    ],
)
def test_camel_case_and_header_credentials_are_masked(text):
    masked = mask_secrets(text)
    for secret in ("AT-91c3e5a7", "RT-5e8a1f3c", "CS-4b9f"):
        assert secret not in masked
    assert "***" in masked


@pytest.mark.parametrize(
    "prose",
    [
        "Kashoo refused the token: the access token expired",
        "the classic token was refused and no credentials are available to renew it",
        "Token refresh failed, authorize with Kashoo again",
        "no refresh token is stored for this backend",
    ],
)
def test_plain_prose_about_tokens_is_left_alone(prose):
    assert mask_secrets(prose) == prose
