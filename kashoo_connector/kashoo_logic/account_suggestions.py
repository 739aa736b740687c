"""Pure scoring of mapping suggestions: Kashoo accounts onto Odoo accounts, taxes onto taxes.

No ORM here: the models pass plain dicts, so the rules can be read (and tested) on their own.
A suggestion is only ever made between compatible account types; the name decides the rest.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# Kashoo (type, subType) -> Odoo account types it may map onto, the preferred ones first.
# Revenue never goes onto a receivable, a credit card never onto an asset, and so on.
COMPATIBLE_TYPES = {
    ("ASSET", "BANK"): ("asset_cash",),
    ("ASSET", "ACCOUNTS_RECEIVABLE"): ("asset_receivable",),
    ("ASSET", "TAX_RECOVERABLE"): ("asset_current", "asset_receivable"),
    ("ASSET", "CURRENT_ASSET"): ("asset_current", "asset_cash", "asset_prepayments"),
    ("ASSET", "FIXED_ASSET"): ("asset_fixed", "asset_non_current"),
    ("ASSET", None): (
        "asset_current",
        "asset_cash",
        "asset_prepayments",
        "asset_fixed",
        "asset_non_current",
    ),
    ("LIABILITY", "ACCOUNTS_PAYABLE"): ("liability_payable",),
    ("LIABILITY", "CREDIT_CARD"): ("liability_credit_card", "liability_current"),
    ("LIABILITY", "TAX_PAYABLE"): ("liability_current", "liability_payable"),
    ("LIABILITY", "CURRENT_LIABILITY"): (
        "liability_current",
        "liability_payable",
        "liability_non_current",
    ),
    ("LIABILITY", None): ("liability_current", "liability_non_current", "liability_payable"),
    ("EQUITY", "EQUITY"): ("equity",),
    ("EQUITY", "RETAINED_EARNINGS"): ("equity", "equity_unaffected"),
    ("EQUITY", None): ("equity",),
    ("REVENUE", "REVENUE"): ("income",),
    ("REVENUE", "OTHER_INCOME"): ("income_other", "income"),
    ("REVENUE", None): ("income", "income_other"),
    ("EXPENSE", "COST_OF_SALES"): ("expense_direct_cost", "expense"),
    ("EXPENSE", "PAYROLL"): ("expense",),
    ("EXPENSE", "EXPENSE"): ("expense", "expense_direct_cost"),
    ("EXPENSE", None): ("expense", "expense_direct_cost", "expense_depreciation"),
}

# Words that mean the same in Kashoo's and Odoo's (l10n_ca) charts, reduced to one stem.
SYNONYMS = {
    "product": "good",
    "merchandise": "good",
    "revenue": "sale",
    "chequing": "deposit",
    "checking": "deposit",
    "bank": "deposit",
    "payable": "pay",
    "owing": "pay",
    "recoverable": "receivable",
    "itc": "receivable",
    "itr": "receivable",
    # Kashoo's "Share Capital" is l10n_ca's "Common Shares" (Common Stock elsewhere).
    "capital": "common",
    "stock": "common",
    "savings": "deposit",
    "salary": "wage",
    "visa": "credit",
    "mastercard": "credit",
    "card": "credit",
    "inventory": "inventory",
    "stock-in-trade": "inventory",
    "equipment": "machinery",
    "freight": "shipping",
    "delivery": "shipping",
    "telephone": "telecommunication",
    "internet": "telecommunication",
    "fuel": "energy",
}
STOPWORDS = {"and", "of", "the", "in", "for", "to", "a", "an", "other", "all", "s", "un"}

# How much each signal weighs in the confidence (they add up to 100).
NAME_WEIGHT = 75
PREFERRED_TYPE_WEIGHT = 15
NUMBER_WEIGHT = 10


def _stem(word):
    word = SYNONYMS.get(word, word)
    if len(word) > 3 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return SYNONYMS.get(word, word)


def name_tokens(name):
    """Return the set of stems of an account name, accents and punctuation removed.

    :param str name: e.g. ``"GST/HST Recoverable (ITC)"``.
    :rtype: frozenset[str]
    """
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return frozenset(
        _stem(word) for word in re.split(r"[^a-z0-9]+", text) if word and word not in STOPWORDS
    )


def compatible_types(kashoo_type, kashoo_sub_type):
    """Return the Odoo account types a Kashoo account may map onto (preferred first).

    :rtype: tuple[str, ...]
    """
    return COMPATIBLE_TYPES.get(
        (kashoo_type, kashoo_sub_type), COMPATIBLE_TYPES.get((kashoo_type, None), ())
    )


def is_compatible(kashoo_type, kashoo_sub_type, odoo_account_type):
    """Tell whether the mapping respects the nature of both accounts.

    A Kashoo account of unknown type is accepted anywhere (a person chose it by hand).
    """
    if kashoo_type not in {key[0] for key in COMPATIBLE_TYPES}:
        return True
    return odoo_account_type in compatible_types(kashoo_type, kashoo_sub_type)


def account_confidence(kashoo_account, odoo_account):
    """Score one pair, 0-100; 0 when the types are incompatible or the names share nothing.

    :param dict kashoo_account: ``name``, ``number``, ``type``, ``sub_type``.
    :param dict odoo_account: ``name``, ``code``, ``account_type``.
    :rtype: int
    """
    types = compatible_types(kashoo_account.get("type"), kashoo_account.get("sub_type"))
    if odoo_account["account_type"] not in types:
        return 0
    kashoo_words = name_tokens(kashoo_account.get("name"))
    odoo_words = name_tokens(odoo_account.get("name"))
    common = kashoo_words & odoo_words
    only_one_of_type = odoo_account.get("only_one_of_type", False)
    if not common and not only_one_of_type:
        return 0
    dice = 2 * len(common) / (len(kashoo_words) + len(odoo_words)) if common else 0.5
    score = NAME_WEIGHT * dice
    if odoo_account["account_type"] == types[0]:
        score += PREFERRED_TYPE_WEIGHT
    number, code = str(kashoo_account.get("number") or ""), str(odoo_account.get("code") or "")
    if number and code and number[0] == code[0]:
        score += NUMBER_WEIGHT
    return round(score)


def suggest_account(kashoo_account, odoo_accounts):
    """Return ``(odoo_account, confidence)`` of the best candidate, or ``(None, 0)``.

    Ties go to the lower code, so the result does not depend on the order of the input.

    :param dict kashoo_account: see :func:`account_confidence`.
    :param list[dict] odoo_accounts: candidates, each with ``id``, ``name``, ``code``,
        ``account_type``.
    """
    types = compatible_types(kashoo_account.get("type"), kashoo_account.get("sub_type"))
    per_type = {}
    for account in odoo_accounts:
        per_type[account["account_type"]] = per_type.get(account["account_type"], 0) + 1
    best, best_score = None, 0
    for account in sorted(odoo_accounts, key=lambda account: account.get("code") or ""):
        candidate = {
            **account,
            # A receivable or payable of its own kind needs no name match.
            "only_one_of_type": per_type[account["account_type"]] == 1
            and account["account_type"] == (types[:1] or (None,))[0],
        }
        score = account_confidence(kashoo_account, candidate)
        if score > best_score:
            best, best_score = account, score
    return best, best_score


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def tax_confidence(kashoo_tax, odoo_tax):
    """Score an Odoo tax for a Kashoo tax, 0-100: the rate must be equal.

    :param dict kashoo_tax: ``name``, ``kind``, ``rate`` (text), ``province``.
    :param dict odoo_tax: ``name``, ``amount``, ``amount_type``.
    :rtype: int
    """
    if odoo_tax.get("amount_type") != "percent":
        return 0
    kashoo_rate, odoo_rate = _decimal(kashoo_tax.get("rate")), _decimal(odoo_tax.get("amount"))
    if (
        kashoo_rate is None
        or odoo_rate is None
        or kashoo_rate != odoo_rate.quantize(kashoo_rate)
        or not kashoo_rate
    ):
        return 0
    score = 50
    words = set(re.split(r"[^A-Z]+", (odoo_tax.get("name") or "").upper()))
    kind = (kashoo_tax.get("kind") or "").upper()
    # Manitoba calls its PST "RST"; l10n_ca names it PST MB.
    kinds = {kind, "PST"} if kind == "RST" else {kind}
    if kinds & words:
        score += 30
    province = (kashoo_tax.get("province") or "").upper()
    if province and province in words:
        score += 20
    elif not province and not (words & PROVINCES):
        score += 20
    elif kind == "HST" and not (words & PROVINCES):
        # l10n_ca has one HST tax per rate, shared by the provinces that charge it.
        score += 15
    return score


PROVINCES = {"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"}


def suggest_tax(kashoo_tax, odoo_taxes):
    """Return ``(odoo_tax, confidence)`` of the best candidate, or ``(None, 0)``."""
    best, best_score = None, 0
    for tax in sorted(odoo_taxes, key=lambda tax: (tax.get("sequence") or 0, tax["id"])):
        score = tax_confidence(kashoo_tax, tax)
        if score > best_score:
            best, best_score = tax, score
    return best, best_score
