import pytest
from kashoo_api.exceptions import KashooConfigError, KashooDecryptionError
from kashoo_api.secret_box import SecretBox, generate_key


def test_round_trip_and_ciphertext_hides_plaintext():
    box = SecretBox(generate_key())
    ciphertext = box.encrypt("refresh-token-é-123")
    assert "refresh-token" not in ciphertext
    assert box.decrypt(ciphertext) == "refresh-token-é-123"
    # Fernet is randomised: the same secret never gives the same ciphertext twice.
    assert box.encrypt("same") != box.encrypt("same")


@pytest.mark.parametrize("key", [None, "", "  ", " , "])
def test_missing_key_is_a_configuration_error(key):
    with pytest.raises(KashooConfigError) as caught:
        SecretBox(key)
    assert caught.value.code == "missing_key"


@pytest.mark.parametrize("key", ["not-a-key", "abc", "é" * 44, "!" * 44])
def test_malformed_key_is_a_configuration_error(key):
    with pytest.raises(KashooConfigError) as caught:
        SecretBox(key)
    assert caught.value.code == "invalid_key"


def test_one_malformed_key_in_a_rotation_list_is_refused():
    with pytest.raises(KashooConfigError):
        SecretBox(f"{generate_key()},broken")


def test_wrong_key_gives_a_typed_error():
    ciphertext = SecretBox(generate_key()).encrypt("secret")
    with pytest.raises(KashooDecryptionError) as caught:
        SecretBox(generate_key()).decrypt(ciphertext)
    assert "different key" in caught.value.message


@pytest.mark.parametrize("garbage", ["plain text value", "gAAAAA", "ü"])
def test_non_ciphertext_gives_a_typed_error(garbage):
    with pytest.raises(KashooDecryptionError):
        SecretBox(generate_key()).decrypt(garbage)


def test_rotation_reads_old_values_and_writes_with_the_new_key():
    old_key, new_key = generate_key(), generate_key()
    old_ciphertext = SecretBox(old_key).encrypt("client-secret")
    rotating = SecretBox(f"{new_key}, {old_key}")
    assert rotating.decrypt(old_ciphertext) == "client-secret"
    fresh = rotating.encrypt("client-secret")
    assert SecretBox(new_key).decrypt(fresh) == "client-secret"
    rotated = rotating.rotate(old_ciphertext)
    assert SecretBox(new_key).decrypt(rotated) == "client-secret"
    with pytest.raises(KashooDecryptionError):
        SecretBox(old_key).decrypt(rotated)


def test_rotate_refuses_a_value_no_key_can_read():
    with pytest.raises(KashooDecryptionError):
        SecretBox(generate_key()).rotate(SecretBox(generate_key()).encrypt("x"))
