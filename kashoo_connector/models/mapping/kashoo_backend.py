import logging
from dataclasses import replace

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

from ...kashoo_api import KashooError
from ...kashoo_mapper import (
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
from .kashoo_payment_method import DEFAULT_PAYMENT_METHODS

_logger = logging.getLogger(__name__)

# Non-transactional, so a number used by a rolled-back change is never reused: a cached
# snapshot built from uncommitted mappings can never be served for other data.
MAPPING_VERSION_SEQUENCE = "kashoo_backend_mapping_version_seq"


class KashooBackend(models.Model):
    """Reference data and mappings of a backend: refresh, and the snapshot the mapper reads."""

    _inherit = "kashoo.backend"

    kashoo_mapping_version = fields.Integer(readonly=True, copy=False, default=0)
    kashoo_reference_refreshed_at = fields.Datetime(
        string="Reference Data Refreshed", readonly=True, copy=False
    )
    kashoo_business_currency = fields.Char(string="Kashoo Currency", readonly=True, copy=False)
    kashoo_business_province = fields.Char(string="Kashoo Province", readonly=True, copy=False)
    kashoo_business_number = fields.Char(string="Kashoo Business Number", readonly=True, copy=False)

    kashoo_sale_journal_id = fields.Many2one(
        "account.journal",
        string="Customer Invoices Journal",
        check_company=True,
        domain="[('type', '=', 'sale')]",
    )
    kashoo_purchase_journal_id = fields.Many2one(
        "account.journal",
        string="Vendor Bills Journal",
        check_company=True,
        domain="[('type', '=', 'purchase')]",
    )
    kashoo_general_journal_id = fields.Many2one(
        "account.journal",
        string="Miscellaneous Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
    )
    kashoo_lock_with_hash = fields.Boolean(
        string="Lock imported entries with Odoo's hash",
        copy=False,
        help="Turns on Odoo's inalterability hash (Secure Posted Entries with Hash) on every "
        "journal the import posts into: sales, purchases, miscellaneous and the bank journals "
        "of the mapped accounts and payment methods. A hashed entry can never be reset to "
        "draft, so when Kashoo changes such a document later the import reverses it and posts "
        "the new version as a new document. Turning the option off later does not unlock the "
        "journals: Odoo keeps hashing them.",
    )
    kashoo_employee_payable_account_id = fields.Many2one(
        "account.account",
        string="Employee Reimbursements Payable",
        check_company=True,
        domain="[('account_type', '=', 'liability_payable')]",
        help="Payable of the expenses an employee paid and is reimbursed for.",
    )

    kashoo_account_ids = fields.One2many("kashoo.account", "backend_id")
    kashoo_tax_ids = fields.One2many("kashoo.tax", "backend_id")
    kashoo_contact_ids = fields.One2many("kashoo.contact", "backend_id")
    kashoo_payment_method_ids = fields.One2many("kashoo.payment.method", "backend_id")
    kashoo_unmapped_account_count = fields.Integer(compute="_compute_kashoo_mapping_counts")
    kashoo_unmapped_tax_count = fields.Integer(compute="_compute_kashoo_mapping_counts")

    def init(self):
        self.env.cr.execute(f"CREATE SEQUENCE IF NOT EXISTS {MAPPING_VERSION_SEQUENCE}")

    def _compute_kashoo_mapping_counts(self):
        accounts = dict(
            self.env["kashoo.account"]._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("account_id", "=", False),
                    ("removed", "=", False),
                ],
                ["backend_id"],
                ["__count"],
            )
        )
        taxes = dict(
            self.env["kashoo.tax"]._read_group(
                [
                    ("backend_id", "in", self.ids),
                    ("state", "!=", "mapped"),
                    ("removed", "=", False),
                ],
                ["backend_id"],
                ["__count"],
            )
        )
        for backend in self:
            backend.kashoo_unmapped_account_count = accounts.get(backend, 0)
            backend.kashoo_unmapped_tax_count = taxes.get(backend, 0)

    # === ACTIONS === #

    def action_kashoo_refresh_reference_data(self):
        """Button: read accounts, taxes, contacts and the business profile from Kashoo."""
        self.ensure_one()
        if not self.env.user.has_group("kashoo_connector.kashoo_connector_group_manager"):
            raise UserError(_("Only Kashoo managers can refresh the reference data."))
        try:
            counts = self._kashoo_refresh_reference_data()
        except KashooError as error:
            raise UserError(
                _("Kashoo could not be read: %(details)s", details=error.message)
            ) from error
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Kashoo reference data refreshed"),
                "message": _(
                    "%(accounts)s accounts, %(taxes)s taxes, %(contacts)s contacts.", **counts
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _kashoo_open_mapping(self, model, name):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list",
            "domain": [("backend_id", "=", self.id)],
            "context": {"default_backend_id": self.id},
        }

    def action_kashoo_open_account_mapping(self):
        self.ensure_one()
        return self._kashoo_open_mapping("kashoo.account", _("Account Mapping"))

    def action_kashoo_open_tax_mapping(self):
        self.ensure_one()
        return self._kashoo_open_mapping("kashoo.tax", _("Tax Mapping"))

    # === CRON === #

    @api.model
    def _cron_kashoo_refresh_reference_data(self):
        """Daily: refresh each connected backend; one failing backend does not stop others."""
        for backend in self.search([("state", "=", "connected")]):
            try:
                with self.env.cr.savepoint():
                    backend._kashoo_refresh_reference_data()
            except Exception as error:  # noqa: BLE001 - isolate each backend, keep the cron alive
                _logger.warning(
                    "Kashoo reference data of backend %s not refreshed: %s", backend.id, error
                )
                backend.message_post(
                    body=_(
                        "Kashoo reference data could not be refreshed: " "%(error)s", error=error
                    )
                )

    # === BUSINESS METHODS === #

    def _kashoo_bump_mapping_version(self):
        """Invalidate the cached snapshot of these backends (in every worker: the version is
        read from the database each time a snapshot is asked for)."""
        if not self.ids:
            return
        self.env.cr.execute(
            "UPDATE kashoo_backend SET kashoo_mapping_version = nextval(%s) WHERE id IN %s",
            [MAPPING_VERSION_SEQUENCE, tuple(self.ids)],
        )
        self.invalidate_recordset(["kashoo_mapping_version"])

    def _kashoo_refresh_reference_data(self):
        """Mirror Kashoo's reference data, then suggest mappings and resolve the contacts.

        :return: counts of accounts, taxes and contacts read.
        :rtype: dict
        """
        self.ensure_one()
        with self._kashoo_client() as client:
            business = client.get_business()
            accounts = list(client.iter_accounts())
            taxes = list(client.iter_taxes())
            contacts = list(client.iter_contacts())
        self.write(
            {
                "kashoo_business_currency": business.get("currency") or False,
                "kashoo_business_province": business.get("province") or False,
                "kashoo_business_number": business.get("businessNumber") or False,
                "kashoo_reference_refreshed_at": fields.Datetime.now(),
            }
        )
        self._kashoo_store_reference_data(accounts, taxes, contacts)
        return {"accounts": len(accounts), "taxes": len(taxes), "contacts": len(contacts)}

    @api.model
    def _kashoo_reencrypt_secrets(self):
        # The contacts' tax-number hashes are keyed with the first encryption key too.
        count = super()._kashoo_reencrypt_secrets()
        self.env["kashoo.contact"].sudo().with_context(active_test=False).search(
            ["|", ("kashoo_bn9_hash", "!=", False), ("kashoo_qst_hash", "!=", False)]
        )._kashoo_refresh_tax_number_hashes()
        return count

    def _kashoo_store_reference_data(self, accounts=(), taxes=(), contacts=()):
        """Upsert Kashoo objects (already read) and derive what follows from them."""
        self.ensure_one()
        Account, Tax, Contact = (
            self.env[model] for model in ("kashoo.account", "kashoo.tax", "kashoo.contact")
        )
        account_rows = Account._kashoo_upsert(self, accounts, Account._kashoo_values_from)
        tax_rows = Tax._kashoo_upsert(self, taxes, Tax._kashoo_values_from)
        contact_rows = Contact._kashoo_upsert(self, contacts, Contact._kashoo_values_from)
        self.env["kashoo.payment.method"]._kashoo_ensure(self, DEFAULT_PAYMENT_METHODS)
        account_rows._kashoo_compute_suggestions()
        tax_rows._kashoo_compute_suggestions()
        contact_rows._kashoo_resolve_partners()
        return account_rows, tax_rows, contact_rows

    def _kashoo_mapping_snapshot(
        self, contact_ids=(), imported_record_ids=(), employee_partners=None
    ):
        """Return the mapper's :class:`MappingSnapshot` for a batch.

        Accounts, taxes, journals and payment methods come from a cache keyed on the backend
        and its mapping version, so a batch costs one query when nothing changed. Contacts
        and imported records are read for the batch only (one query each). It writes
        nothing: partners are created beforehand (``kashoo.move.builder``).

        :param contact_ids: Kashoo contact ids the batch names.
        :param imported_record_ids: Kashoo ids of invoices and bills the batch's payments
            apply to.
        :param employee_partners: partner ids of the batch's employees, by employee key
            (see :meth:`_kashoo_employee_partners`).
        :rtype: MappingSnapshot
        """
        self.ensure_one()
        self.env.cr.execute(
            "SELECT kashoo_mapping_version FROM kashoo_backend WHERE id = %s", [self.id]
        )
        version = self.env.cr.fetchone()[0]
        snapshot = self._kashoo_static_snapshot(self.id, version)
        currencies = {
            currency["name"]: CurrencyInfo(currency["id"], currency["decimal_places"])
            for currency in self.env["res.currency"].search_read(
                [("active", "=", True)], ["name", "decimal_places"]
            )
        }
        contacts = {}
        if contact_ids:
            for contact in self.env["kashoo.contact"].search_read(
                [
                    ("backend_id", "=", self.id),
                    ("kashoo_id", "in", list(contact_ids)),
                    ("partner_id", "!=", False),
                ],
                ["kashoo_id", "partner_id"],
            ):
                contacts[contact["kashoo_id"]] = contact["partner_id"][0]
        imported = {}
        if imported_record_ids:
            for move in self.env["account.move"].search_read(
                [
                    ("kashoo_backend_id", "=", self.id),
                    ("kashoo_id", "in", list(imported_record_ids)),
                    ("kashoo_type", "in", ("invoice", "bill")),
                    ("state", "=", "posted"),
                ],
                ["kashoo_id", "kashoo_type", "currency_id"],
                order="id",
            ):
                imported[move["kashoo_id"]] = ImportedRecord(
                    move["id"], move["kashoo_type"], move["currency_id"][1]
                )
        return replace(
            snapshot,
            currencies=currencies | dict(snapshot.currencies),
            contacts=contacts,
            imported_records=imported,
            employees=dict(employee_partners or {}),
        )

    def _kashoo_employee_partners(self, employees):
        """Partners of the employees to reimburse: matched by e-mail among the partners the
        backend's company sees (shared or its own), else created in that company (batch)."""
        self.ensure_one()
        wanted = {
            employee_key(employee): employee for employee in employees if employee_key(employee)
        }
        if not wanted:
            return {}
        emails = [key for key in wanted if "@" in key]
        found = {}
        if emails:
            domain = [
                ("company_id", "in", [False, self.company_id.id]),
                *(["|"] * (len(emails) - 1)),
                *(("email", "=ilike", email) for email in emails),
            ]
            for partner in self.env["res.partner"].search(domain, order="id"):
                found.setdefault((partner.email or "").strip().casefold(), partner.id)
        missing = [key for key in wanted if key not in found]
        partners = self.env["res.partner"].create(
            [
                {
                    "name": (wanted[key].get("name") or key).strip(),
                    "email": (wanted[key].get("email") or "").strip() or False,
                    "company_id": self.company_id.id,
                }
                for key in missing
            ]
        )
        found.update(zip(missing, partners.ids, strict=True))
        return found

    @tools.ormcache("backend_id", "version")
    def _kashoo_static_snapshot(self, backend_id, version):
        """The part of the snapshot that only changes with the mappings (cached)."""
        backend = self.browse(backend_id).sudo()
        company = backend.company_id
        env = self.env
        accounts, kashoo_accounts, by_account = {}, {}, {}
        for row in (
            env["kashoo.account"]
            .sudo()
            .with_context(active_test=False)
            .search_read(
                [("backend_id", "=", backend_id)],
                [
                    "kashoo_id",
                    "account_id",
                    "journal_id",
                    "raw",
                    "name",
                    "number",
                    "kashoo_type",
                    "sub_type",
                    "currency_code",
                ],
            )
        ):
            kashoo_accounts[row["kashoo_id"]] = KashooAccount.from_kashoo(
                row["raw"]
                or {
                    "name": row["name"],
                    "number": row["number"],
                    "type": row["kashoo_type"],
                    "subType": row["sub_type"],
                    "currency": row["currency_code"],
                }
            )
            if row["account_id"]:
                accounts[row["kashoo_id"]] = row["account_id"][0]
            if row["journal_id"]:
                by_account[row["kashoo_id"]] = row["journal_id"][0]

        tax_rows = (
            env["kashoo.tax"]
            .sudo()
            .with_context(active_test=False)
            .search_read(
                [("backend_id", "=", backend_id)],
                [
                    "kashoo_id",
                    "raw",
                    "name",
                    "rate",
                    "kind",
                    "compound",
                    "province",
                    "sale_tax_id",
                    "purchase_tax_id",
                ],
            )
        )
        odoo_tax_ids = {
            row[side][0]
            for row in tax_rows
            for side in ("sale_tax_id", "purchase_tax_id")
            if row[side]
        }
        odoo_taxes = _odoo_taxes(env, odoo_tax_ids)
        kashoo_taxes, taxes = {}, {}
        for row in tax_rows:
            try:
                kashoo_taxes[row["kashoo_id"]] = KashooTax.from_kashoo(
                    row["raw"]
                    or {
                        "id": row["kashoo_id"],
                        "name": row["name"],
                        "rate": row["rate"],
                        "kind": row["kind"],
                        "compound": row["compound"],
                        "province": row["province"],
                    }
                )
            except ValueError:
                _logger.warning("Kashoo tax %s has no readable rate", row["kashoo_id"])
                continue
            sides = {
                side: odoo_taxes[row[f"{side}_tax_id"][0]]
                for side in ("sale", "purchase")
                if row[f"{side}_tax_id"] and row[f"{side}_tax_id"][0] in odoo_taxes
            }
            if sides:
                taxes[row["kashoo_id"]] = sides

        payment_methods = {
            row["name"]: PaymentMethodTarget(
                row["journal_id"][0],
                row["payment_method_line_id"][0] if row["payment_method_line_id"] else None,
            )
            for row in env["kashoo.payment.method"]
            .sudo()
            .search_read(
                [("backend_id", "=", backend_id), ("journal_id", "!=", False)],
                ["name", "journal_id", "payment_method_line_id"],
            )
        }
        journals = backend._kashoo_default_journals()
        defaults = env["ir.default"].sudo()
        receivable = defaults._get(
            "res.partner", "property_account_receivable_id", company_id=company.id
        )
        payable = defaults._get("res.partner", "property_account_payable_id", company_id=company.id)
        precision = env["decimal.precision"]
        company_currency = company.currency_id
        return MappingSnapshot(
            kashoo_business_id=backend.kashoo_business_id or 0,
            company_currency=company_currency.name,
            currencies={
                company_currency.name: CurrencyInfo(
                    company_currency.id, company_currency.decimal_places
                )
            },
            accounts=accounts,
            kashoo_accounts=kashoo_accounts,
            taxes=taxes,
            kashoo_taxes=kashoo_taxes,
            contacts={},
            journals=Journals(
                sale=journals["sale"],
                purchase=journals["purchase"],
                general=journals["general"],
                by_account=by_account,
            ),
            receivable_account_id=receivable or 0,
            payable_account_id=payable or 0,
            employee_payable_account_id=backend.kashoo_employee_payable_account_id.id or None,
            early_payment_discount_account_ids={
                key: account.id
                for key, account in (
                    ("sale", company.account_journal_early_pay_discount_loss_account_id),
                    ("purchase", company.account_journal_early_pay_discount_gain_account_id),
                )
                if account
            },
            payment_methods=payment_methods,
            precision=OdooPrecision(
                quantity=precision.precision_get("Product Unit of Measure"),
                price=precision.precision_get("Product Price"),
                discount=precision.precision_get("Discount"),
            ),
        )

    def write(self, vals):
        result = super().write(vals)
        if vals.get("kashoo_lock_with_hash") or (
            {"kashoo_sale_journal_id", "kashoo_purchase_journal_id", "kashoo_general_journal_id"}
            & set(vals)
        ):
            self.filtered("kashoo_lock_with_hash")._kashoo_apply_hash_lock()
        return result

    def _kashoo_import_journals(self):
        """Every journal the import posts into: the documents' journals and the bank, cash
        and credit card journals of the mapped accounts and payment methods."""
        self.ensure_one()
        env = self.env
        journal_ids = set(self._kashoo_default_journals().values())
        for model in ("kashoo.account", "kashoo.payment.method"):
            journal_ids.update(
                env[model]
                .sudo()
                .with_context(active_test=False)
                .search([("backend_id", "=", self.id), ("journal_id", "!=", False)])
                .journal_id.ids
            )
        return env["account.journal"].sudo().browse(sorted(journal_ids))

    def _kashoo_apply_hash_lock(self):
        """Turn Odoo's inalterability hash on for the import journals (the option's effect;
        also run before every import, so a journal mapped later is locked too)."""
        for backend in self:
            unlocked = backend._kashoo_import_journals().filtered(
                lambda journal: not journal.restrict_mode_hash_table
            )
            if unlocked:
                unlocked.write({"restrict_mode_hash_table": True})
                _logger.info(
                    "Kashoo backend %s: hash lock turned on for journals %s",
                    backend.id,
                    unlocked.ids,
                )

    def _kashoo_default_journals(self):
        """The backend's journals, else the company's first journal of each type."""
        self.ensure_one()
        chosen = {
            "sale": self.kashoo_sale_journal_id,
            "purchase": self.kashoo_purchase_journal_id,
            "general": self.kashoo_general_journal_id,
        }
        missing = [journal_type for journal_type, journal in chosen.items() if not journal]
        result = {journal_type: journal.id for journal_type, journal in chosen.items() if journal}
        if missing:
            for journal in (
                self.env["account.journal"]
                .sudo()
                .search(
                    [("company_id", "=", self.company_id.id), ("type", "in", missing)],
                    order="sequence, id",
                )
            ):
                result.setdefault(journal.type, journal.id)
        for journal_type in missing:
            if journal_type not in result:
                raise UserError(
                    _(
                        "Company %(company)s has no %(type)s journal.",
                        company=self.company_id.name,
                        type=journal_type,
                    )
                )
        return result


def _odoo_taxes(env, tax_ids):
    """Odoo taxes with their invoice and refund distributions, in one read."""
    if not tax_ids:
        return {}
    lines = (
        env["account.tax.repartition.line"]
        .sudo()
        .search_read(
            [("tax_id", "in", list(tax_ids))],
            ["tax_id", "document_type", "repartition_type", "account_id", "tag_ids", "sequence"],
            order="tax_id, sequence, id",
        )
    )
    parts = {}
    for line in lines:
        slot = parts.setdefault(line["tax_id"][0], {}).setdefault(
            line["document_type"], {"tax": None, "base_tags": ()}
        )
        if line["repartition_type"] == "base":
            slot["base_tags"] = tuple(line["tag_ids"])
        elif slot["tax"] is None:
            slot["tax"] = line
    result = {}
    for tax_id, documents in parts.items():
        distributions = {}
        for document_type in ("invoice", "refund"):
            slot = documents.get(document_type)
            if not slot or not slot["tax"]:
                break
            distributions[document_type] = TaxDistribution(
                repartition_line_id=slot["tax"]["id"],
                account_id=slot["tax"]["account_id"][0] if slot["tax"]["account_id"] else None,
                tax_tag_ids=tuple(slot["tax"]["tag_ids"]),
                base_tag_ids=slot["base_tags"],
            )
        else:
            result[tax_id] = OdooTax(tax_id, distributions["invoice"], distributions["refund"])
    return result
