"""Pure mapper from Kashoo records to neutral descriptions of Odoo 18 accounting documents.

Free of any Odoo import (stdlib and python-dateutil only), so it runs and is tested without
Odoo. Odoo code imports it as ``odoo.addons.kashoo_connector.kashoo_mapper``; the stand-alone
tests import it as ``kashoo_mapper``. Hence relative imports only inside this package.

Typical use, once per batch::

    snapshot = MappingSnapshot(...)          # built by the Odoo side from its mapping tables
    for record in records:
        try:
            result = map_record(record, snapshot)
        except MappingError as error:        # quarantine with error.to_dict()
            ...
        if isinstance(result, Removal):      # undo the move of a deleted record
            ...
        elif result.payment:
            payment_vals.append(to_payment_vals(result))
        else:
            move_vals.append(to_move_vals(result))
"""

from .context import MOVE_UUID_NAMESPACE, move_uuid
from .description import (
    ROLE_COUNTERPART,
    ROLE_LIQUIDITY,
    ROLE_PRODUCT,
    ROLE_TAX,
    ROLE_WRITE_OFF,
    MoveDescription,
    MoveLine,
    PaymentApplication,
    PaymentInfo,
    Removal,
    TaxLine,
    TaxRoundingDifference,
)
from .errors import (
    CurrencyMismatchError,
    InvalidRecordError,
    KashooRef,
    MappingError,
    MissingPaymentTargetError,
    UnbalancedError,
    UnknownContactError,
    UnknownCurrencyError,
    UnmappedAccountError,
    UnmappedTaxError,
    UnsupportedTypeError,
)
from .mapper import SUPPORTED_TYPES, map_record
from .odoo_vals import kashoo_move_vals, to_move_vals, to_payment_vals
from .snapshot import (
    PURCHASE,
    SALE,
    CurrencyInfo,
    ImportedRecord,
    Journals,
    KashooAccount,
    KashooTax,
    MappingSnapshot,
    OdooPrecision,
    OdooTax,
    PaymentMethodTarget,
    TaxDistribution,
    employee_key,
)
