"""The neutral description of an Odoo accounting document, as the mapper produces it.

A :class:`MoveDescription` lists every journal item of the move it describes, with signed
amounts (debit positive, credit negative) in the record currency (``amount_currency``) and in
the company currency (``balance``), so it can be checked on its own and compared with what Odoo
writes. Amounts are exact ``Decimal`` values; nothing here knows the ORM.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import FIX_REPORT_TO_MAINTAINERS, REF_RECORD, KashooRef, UnbalancedError

# Roles of a journal item in the move.
ROLE_PRODUCT = "product"  # a Kashoo line item: revenue, expense, asset...
ROLE_TAX = "tax"  # a tax amount, exactly as Kashoo computed it
ROLE_COUNTERPART = "counterpart"  # receivable or payable of an invoice, bill, claim or payment
ROLE_LIQUIDITY = "liquidity"  # the bank or credit-card account money moved through
ROLE_WRITE_OFF = "write_off"  # an early-payment discount written off

ZERO = Decimal(0)


@dataclass(frozen=True)
class MoveLine:
    """One journal item, mirroring ``account.move.line``.

    :ivar str role: one of the ``ROLE_*`` constants.
    :ivar int account_id: Odoo account.
    :ivar str name: label.
    :ivar Decimal amount_currency: signed amount in the record currency.
    :ivar Decimal balance: signed amount in the company currency.
    :ivar int|None partner_id: partner of the item.
    :ivar Decimal|None quantity: product items: quantity (never negative).
    :ivar Decimal|None price_unit: product items: unit price on the document (positive on the
        usual lines of a credit note too).
    :ivar Decimal discount: product items: discount in percent.
    :ivar tuple tax_ids: product items: Odoo taxes applied.
    :ivar tuple tax_tag_ids: base tags (product items) or tax tags (tax items).
    :ivar int|None kashoo_tax_id: tax items: the Kashoo tax.
    :ivar int|None odoo_tax_id: tax items: the Odoo tax (``tax_line_id``).
    :ivar int|None tax_repartition_line_id: tax items: the Odoo tax distribution line.
    :ivar Decimal|None tax_base_amount: tax items: base in the company currency.
    :ivar int|None reconcile_move_id: payment items: the move whose receivable or payable this
        item settles.
    :ivar date|None date_maturity: due date of receivable, payable and payment items.
    """

    role: str
    account_id: int
    name: str
    amount_currency: Decimal
    balance: Decimal = ZERO
    partner_id: int | None = None
    quantity: Decimal | None = None
    price_unit: Decimal | None = None
    discount: Decimal = ZERO
    tax_ids: tuple[int, ...] = ()
    tax_tag_ids: tuple[int, ...] = ()
    kashoo_tax_id: int | None = None
    odoo_tax_id: int | None = None
    tax_repartition_line_id: int | None = None
    tax_base_amount: Decimal | None = None
    reconcile_move_id: int | None = None
    date_maturity: date | None = None


@dataclass(frozen=True)
class TaxLine:
    """The total of one Kashoo tax over the whole record, with Kashoo's sign.

    :ivar Decimal base: the amount the rate applies to, in the record currency (for a compound
        tax: the base plus the non-compound taxes before it).
    :ivar Decimal amount: Kashoo's exact tax amount, in the record currency.
    :ivar Decimal balance: ``amount`` in the company currency.
    """

    kashoo_tax_id: int
    name: str
    kind: str | None
    rate: Decimal
    compound: bool
    province: str | None
    odoo_tax_id: int
    base: Decimal
    amount: Decimal
    balance: Decimal


@dataclass(frozen=True)
class TaxRoundingDifference:
    """A tax amount of a line that differs from the recomputed one; Kashoo's amount wins.

    :ivar int line_index: position of the line item in ``lineItems``.
    :ivar Decimal kashoo_amount: what Kashoo charged, record currency.
    :ivar Decimal recomputed_amount: base x rate rounded half up, record currency.
    """

    line_index: int
    kashoo_tax_id: int
    tax_name: str
    kashoo_amount: Decimal
    recomputed_amount: Decimal

    @property
    def difference(self):
        """Kashoo's amount minus the recomputed one.

        :rtype: Decimal
        """
        return self.kashoo_amount - self.recomputed_amount


@dataclass(frozen=True)
class PaymentApplication:
    """Part of a payment applied to one imported invoice or bill.

    :ivar Decimal amount: cash applied, record currency, positive.
    :ivar Decimal discount: early-payment discount granted, record currency, positive; the
        target is settled by ``amount + discount``.
    """

    kashoo_record_id: int
    move_id: int
    amount: Decimal
    discount: Decimal


@dataclass(frozen=True)
class PaymentInfo:
    """What makes a payment description an ``account.payment``.

    :ivar str payment_type: ``inbound`` or ``outbound``.
    :ivar str partner_type: ``customer`` or ``supplier``.
    :ivar Decimal amount: cash moved, record currency, positive.
    :ivar str|None payment_method: Kashoo's method name (``Cheque``...).
    :ivar int|None payment_method_line_id: Odoo method line, when mapped for the journal.
    :ivar int liquidity_account_id: the account the money moved through.
    :ivar Decimal unapplied: cash left on the partner's account, not applied to any record.
    """

    payment_type: str
    partner_type: str
    amount: Decimal
    payment_method: str | None
    payment_method_line_id: int | None
    liquidity_account_id: int
    applications: tuple[PaymentApplication, ...]
    unapplied: Decimal


@dataclass(frozen=True)
class Removal:
    """The result for a record Kashoo soft-deleted (``removed: true``): undo its move."""

    kashoo_id: int
    kashoo_version: int | None
    kashoo_type: str | None


@dataclass(frozen=True)
class MoveDescription:
    """Everything Odoo needs to write one Kashoo record as a posted move.

    :ivar int kashoo_id: Kashoo record id.
    :ivar int|None kashoo_version: Kashoo version (absent in Kashoo's bare classic shape).
    :ivar str kashoo_type: ``invoice``, ``bill``, ``invoicePayment``...
    :ivar bool kashoo_read_only: the record is locked in Kashoo (imported all the same).
    :ivar str move_uuid: audit UUID, the same for the same record version (see
        :func:`kashoo_mapper.context.move_uuid`).
    :ivar str move_type: ``out_invoice``, ``out_refund``, ``in_invoice``, ``in_refund`` or
        ``entry``.
    :ivar int journal_id: Odoo journal.
    :ivar int|None partner_id: header partner (none on entries: the items carry it).
    :ivar date date: accounting date, the record's business date.
    :ivar date|None invoice_date: invoices and bills only.
    :ivar date|None invoice_date_due: invoices and bills only.
    :ivar str|None number: Kashoo's document number; the importer may use it as the move name
        of a customer invoice (it is the number the customer received).
    :ivar str|None ref: Odoo ``ref``: the vendor's number on bills, the PO number on invoices.
    :ivar str currency_code: record currency.
    :ivar int currency_id: Odoo currency of the record.
    :ivar Decimal|None exchange_rate: Kashoo's rate (company units per record unit), ``None``
        for the company currency.
    :ivar Decimal original_amount: the record total in its currency, Kashoo's sign.
    :ivar Decimal company_amount: the total in the company currency.
    :ivar tuple lines: every journal item (:class:`MoveLine`).
    :ivar tuple tax_lines: one :class:`TaxLine` per Kashoo tax.
    :ivar str narration: HTML for the move's narration: the tax breakdown and the currency.
    :ivar PaymentInfo|None payment: set for ``invoicePayment`` and ``billPayment``.
    :ivar tuple tax_rounding_differences: :class:`TaxRoundingDifference` items, for the log.
    :ivar Decimal conversion_rounding: company-currency amount added to the largest item so
        that the move balances after conversion (zero in the company currency).
    :ivar tuple notes: sentences for the sync log (rounding, tax validity...).
    """

    kashoo_id: int
    kashoo_version: int | None
    kashoo_type: str
    kashoo_read_only: bool
    move_uuid: str
    move_type: str
    journal_id: int
    partner_id: int | None
    date: date
    invoice_date: date | None
    invoice_date_due: date | None
    number: str | None
    ref: str | None
    currency_code: str
    currency_id: int
    exchange_rate: Decimal | None
    original_amount: Decimal
    company_amount: Decimal
    lines: tuple[MoveLine, ...]
    tax_lines: tuple[TaxLine, ...]
    narration: str
    payment: PaymentInfo | None = None
    tax_rounding_differences: tuple[TaxRoundingDifference, ...] = ()
    conversion_rounding: Decimal = ZERO
    notes: tuple[str, ...] = ()

    @property
    def is_invoice(self):
        """Whether Odoo treats the move as an invoice or bill (not a plain entry).

        :rtype: bool
        """
        return self.move_type != "entry"

    def balance_check(self):
        """Check that the items balance to the cent in both currencies.

        :raise UnbalancedError: they do not (a defect of the mapper: the record is kept for a
            maintainer rather than written wrong).
        """
        total_balance = sum((line.balance for line in self.lines), ZERO)
        total_amount_currency = sum((line.amount_currency for line in self.lines), ZERO)
        if total_balance or total_amount_currency:
            raise UnbalancedError(
                f"The move mapped from Kashoo record {self.kashoo_id} does not balance: "
                f"{total_amount_currency} {self.currency_code} and {total_balance} in the "
                "company currency are left over.",
                kashoo_ref=KashooRef(REF_RECORD, self.kashoo_id, f"record {self.kashoo_id}"),
                fix_action=FIX_REPORT_TO_MAINTAINERS,
                suggested_fix="Report this record and its Kashoo payload to the connector's "
                "maintainers; the mapper wrote an unbalanced move.",
                record_id=self.kashoo_id,
            )

    def tax_total(self):
        """Return the total tax of the record, Kashoo's sign, record currency.

        :rtype: Decimal
        """
        return sum((tax_line.amount for tax_line in self.tax_lines), ZERO)

    def tax_targets(self):
        """Return the tax amounts the Odoo move must end with, per tax and account.

        The importer compares them with the tax lines Odoo computed (``tax_line_id``,
        ``account_id``) and writes these amounts where Odoo's rounding differs. A key that is
        missing means the amount must be zero.

        :return: ``{(odoo_tax_id, account_id): (amount_currency, balance)}``, signed like the
            journal items.
        :rtype: dict
        """
        targets = defaultdict(lambda: (ZERO, ZERO))
        for line in self.lines:
            if line.role == ROLE_TAX:
                amount_currency, balance = targets[line.odoo_tax_id, line.account_id]
                targets[line.odoo_tax_id, line.account_id] = (
                    amount_currency + line.amount_currency,
                    balance + line.balance,
                )
        return dict(targets)
