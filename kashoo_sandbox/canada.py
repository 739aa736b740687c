"""Canadian identifiers and geography used by the data generator.

The business number (BN9) check digit is the Luhn algorithm over the nine digits, the same check
python-stdnum's ``stdnum.ca.bn`` performs; a GST/HST account is BN9 + ``RT`` + 4 digits.
"""

from __future__ import annotations

import random


def luhn_checksum(digits: str) -> int:
    """Luhn checksum of a digit string; 0 means the last digit is a valid check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10


def bn9_check_digit(first_eight: str) -> str:
    """The ninth digit that makes ``first_eight`` + digit pass the Luhn check."""
    for candidate in "0123456789":
        if luhn_checksum(first_eight + candidate) == 0:
            return candidate
    raise AssertionError("unreachable: one of ten digits always satisfies Luhn")


def is_valid_bn9(value: str | None) -> bool:
    return bool(value) and len(value) == 9 and value.isdigit() and luhn_checksum(value) == 0


def random_valid_bn9(rng: random.Random) -> str:
    # A BN never starts with 0 in practice; keeping the first digit 1-9 also avoids numbers that
    # look truncated once a spreadsheet drops the leading zero.
    first_eight = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    return first_eight + bn9_check_digit(first_eight)


def random_invalid_bn9(rng: random.Random) -> str:
    """Nine digits whose check digit is deliberately wrong."""
    valid = random_valid_bn9(rng)
    wrong_digit = str((int(valid[8]) + rng.randint(1, 9)) % 10)
    return valid[:8] + wrong_digit


def gst_hst_number(bn9: str, reference: int = 1) -> str:
    """The GST/HST program account for a BN9, e.g. ``123456782RT0001``."""
    return f"{bn9}RT{reference:04d}"


def random_qst_number(rng: random.Random) -> str:
    """A Quebec QST registration number of the usual shape ``1234567890TQ0001``."""
    return "".join(str(rng.randint(0, 9)) for _ in range(10)) + "TQ0001"


PROVINCE_NAMES = {
    "AB": "Alberta",
    "BC": "British Columbia",
    "MB": "Manitoba",
    "NB": "New Brunswick",
    "NL": "Newfoundland and Labrador",
    "NS": "Nova Scotia",
    "NT": "Northwest Territories",
    "NU": "Nunavut",
    "ON": "Ontario",
    "PE": "Prince Edward Island",
    "QC": "Quebec",
    "SK": "Saskatchewan",
    "YT": "Yukon",
}

# First letter of the postal code (forward sortation area) by province.
POSTAL_CODE_LETTERS = {
    "AB": "T",
    "BC": "V",
    "MB": "R",
    "NB": "E",
    "NL": "A",
    "NS": "B",
    "NT": "X",
    "NU": "X",
    "ON": "KLMNP",
    "PE": "C",
    "QC": "GHJ",
    "SK": "S",
    "YT": "Y",
}

CITIES = {
    "AB": ["Calgary", "Edmonton", "Red Deer", "Lethbridge"],
    "BC": ["Vancouver", "Victoria", "Kelowna", "Nanaimo", "Prince George"],
    "MB": ["Winnipeg", "Brandon", "Steinbach"],
    "NB": ["Moncton", "Saint John", "Fredericton"],
    "NL": ["St. John's", "Corner Brook", "Gander"],
    "NS": ["Halifax", "Lunenburg", "Sydney", "Truro"],
    "NT": ["Yellowknife"],
    "NU": ["Iqaluit"],
    "ON": ["Toronto", "Ottawa", "Hamilton", "Kingston", "London", "Sudbury", "Thunder Bay"],
    "PE": ["Charlottetown", "Summerside"],
    "QC": ["Montréal", "Québec", "Sherbrooke", "Trois-Rivières", "Gatineau"],
    "SK": ["Saskatoon", "Regina", "Prince Albert"],
    "YT": ["Whitehorse"],
}

STREET_NAMES = [
    "Main St",
    "King St W",
    "Queen St E",
    "Rue Sainte-Catherine",
    "Portage Ave",
    "Robson St",
    "Spring Garden Rd",
    "Jasper Ave",
    "Water St",
    "Boulevard René-Lévesque",
    "Dundas St",
    "Granville St",
    "Albert St",
    "Victoria Rd",
    "Chemin du Lac",
    "Front St",
]


def random_postal_code(rng: random.Random, province: str) -> str:
    letters = "ABCEGHJKLMNPRSTVWXYZ"
    first = rng.choice(POSTAL_CODE_LETTERS[province])
    return (
        f"{first}{rng.randint(0, 9)}{rng.choice(letters)} "
        f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.randint(0, 9)}"
    )


def random_address(rng: random.Random, province: str) -> dict:
    return {
        "street": f"{rng.randint(1, 2999)} {rng.choice(STREET_NAMES)}",
        "city": rng.choice(CITIES[province]),
        "province": province,
        "postalCode": random_postal_code(rng, province),
        "country": "CA",
    }
