import re

import pytest
from kashoo_api.pkce import code_challenge_s256, generate_code_verifier, generate_state

UNRESERVED = re.compile(r"[A-Za-z0-9\-._~]+")


def test_rfc7636_appendix_b_vector():
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize("length", [43, 64, 128])
def test_verifier_uses_unreserved_alphabet_and_requested_length(length):
    verifier = generate_code_verifier(length)
    assert len(verifier) == length
    assert UNRESERVED.fullmatch(verifier)
    # Usable for a challenge: no exception, 43-character base64url digest.
    assert len(code_challenge_s256(verifier)) == 43


@pytest.mark.parametrize("length", [42, 129])
def test_verifier_length_outside_rfc_bounds_is_refused(length):
    with pytest.raises(ValueError):
        generate_code_verifier(length)


@pytest.mark.parametrize("verifier", ["short", "a" * 129, "é" * 50, "a b" * 20])
def test_challenge_refuses_invalid_verifier(verifier):
    with pytest.raises(ValueError):
        code_challenge_s256(verifier)


def test_verifiers_and_states_are_random_and_long_enough():
    assert len({generate_code_verifier() for _ in range(50)}) == 50
    states = {generate_state() for _ in range(50)}
    assert len(states) == 50
    # 32 random bytes: 256 bits, well above the 128-bit minimum.
    assert all(len(state) >= 43 for state in states)
