import hashlib
import hmac
import logging
import re
from collections import defaultdict

from odoo import api, fields, models

from ... import utils
from ...kashoo_api import KashooAuthError, KashooError
from ...kashoo_logic.tax_numbers import compact_tax_number

_logger = logging.getLogger(__name__)

CONTACT_TYPES = [("CUSTOMER", "Customer"), ("VENDOR", "Vendor")]
NET_TERMS = re.compile(r"^NET\s*(\d{1,3})$")
# The contact's tax numbers, by field, and the key Kashoo sends each one under.
TAX_NUMBER_FIELDS = {
    "business_number": "businessNumber",
    "gst_number": "gstNumber",
    "qst_number": "qstNumber",
}
MANAGER_GROUP = "kashoo_connector.kashoo_connector_group_manager"


def _tax_keys(business_number, gst_number, qst_number):
    """The normalised numbers a company is recognised by: its BN9 (also read from its
    GST/HST account, BN9 + RT + 4 digits) and its QST number."""
    keys = set()
    for number in (business_number, gst_number):
        compact = compact_tax_number(number)
        if len(compact) >= 9 and compact[:9].isdigit():
            keys.add(compact[:9])
    if qst_number:
        keys.add(compact_tax_number(qst_number))
    return keys


def _bn9(number):
    compact = compact_tax_number(number)
    return compact[:9] if len(compact) >= 9 and compact[:9].isdigit() else None


def tax_number_hash(number):
    """The keyed hash a tax number is matched and searched by, over its compacted form.

    Keyed (HMAC-SHA256) with a key derived from the connector's encryption key, which never
    lives in the database: a BN9 has too few possible values for a plain hash to hide it.
    """
    compact = compact_tax_number(number)
    if not compact:
        return False
    first_key = (utils.get_encryption_key() or "").split(",")[0].strip()
    if not first_key:
        # Without a key nothing is stored either (the secret box refuses first).
        return False
    hash_key = hmac.new(first_key.encode(), b"kashoo tax number hash", hashlib.sha256).digest()
    return hmac.new(hash_key, compact.encode(), hashlib.sha256).hexdigest()


class KashooContact(models.Model):
    """A Kashoo customer or vendor and the Odoo partner it is (matched or created)."""

    _name = "kashoo.contact"
    _inherit = ["kashoo.reference.mixin"]
    _description = "Kashoo Contact"
    _kashoo_in_snapshot = False
    _order = "backend_id, name, kashoo_id"

    name = fields.Char(readonly=True)
    contact_type = fields.Selection(CONTACT_TYPES, string="Type", readonly=True)
    email = fields.Char(readonly=True)
    currency_code = fields.Char(string="Currency", readonly=True)
    terms = fields.Char(readonly=True)
    # The numbers are stored encrypted (the secret box's key is kept out of the database), so
    # a copy of the database or its backups shows none; only Kashoo managers read them.
    business_number = fields.Char(
        string="Business Number",
        readonly=True,
        compute="_compute_tax_numbers",
        search="_search_tax_number",
        groups=MANAGER_GROUP,
    )
    gst_number = fields.Char(
        string="GST/HST Number",
        readonly=True,
        compute="_compute_tax_numbers",
        search="_search_tax_number",
        groups=MANAGER_GROUP,
    )
    qst_number = fields.Char(
        string="QST Number",
        readonly=True,
        compute="_compute_tax_numbers",
        search="_search_tax_number",
        groups=MANAGER_GROUP,
    )
    business_number_encrypted = fields.Char(groups="base.group_system", copy=False)
    gst_number_encrypted = fields.Char(groups="base.group_system", copy=False)
    qst_number_encrypted = fields.Char(groups="base.group_system", copy=False)
    kashoo_bn9_hash = fields.Char(
        string="BN9 Hash",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Keyed hash of the business number's 9 digits (from the BN or the GST/HST "
        "account): how the contact is found by its number without storing it.",
    )
    kashoo_qst_hash = fields.Char(
        string="QST Hash", readonly=True, copy=False, index="btree_not_null"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Odoo Partner", index=True, ondelete="set null"
    )
    match_method = fields.Selection(
        [
            ("email", "E-mail"),
            ("tax_number", "Tax number"),
            ("created", "Created"),
            ("manual", "By hand"),
        ],
        readonly=True,
    )
    partner_needs_review = fields.Boolean(related="partner_id.kashoo_needs_review")

    _sql_constraints = [
        (
            "kashoo_id_uniq",
            "unique(backend_id, kashoo_id)",
            "A Kashoo contact is mirrored once per backend.",
        ),
    ]

    def _kashoo_tax_numbers(self):
        """The plain numbers of the contact (business, GST/HST, QST), for the connector's own
        use (matching, the new partner); readers go through the manager-only fields."""
        self.ensure_one()
        record = self.sudo()
        return tuple(
            utils.decrypt_secret(self.env, ciphertext)
            if (ciphertext := record[f"{fname}_encrypted"])
            else False
            for fname in TAX_NUMBER_FIELDS
        )

    def _compute_tax_numbers(self):
        for contact in self:
            numbers = contact._kashoo_tax_numbers() if contact.id else (False,) * 3
            for fname, number in zip(TAX_NUMBER_FIELDS, numbers, strict=True):
                contact[fname] = number

    def _kashoo_tax_number_vals(self, business_number, gst_number, qst_number):
        """Stored values for these plain numbers: ciphertexts and the matching hashes."""
        numbers = dict(
            zip(TAX_NUMBER_FIELDS, (business_number, gst_number, qst_number), strict=True)
        )
        box = utils.get_secret_box(self.env) if any(numbers.values()) else None
        vals = {
            f"{fname}_encrypted": box.encrypt(number) if number else False
            for fname, number in numbers.items()
        }
        bn9 = _bn9(business_number) or _bn9(gst_number)
        vals["kashoo_bn9_hash"] = tax_number_hash(bn9) if bn9 else False
        vals["kashoo_qst_hash"] = tax_number_hash(qst_number) if qst_number else False
        return vals

    def _kashoo_refresh_tax_number_hashes(self):
        """Recompute the stored hashes (after the encryption key changed)."""
        for contact in self.sudo().with_context(active_test=False):
            vals = contact._kashoo_tax_number_vals(*contact._kashoo_tax_numbers())
            contact.write({key: vals[key] for key in ("kashoo_bn9_hash", "kashoo_qst_hash")})

    def _search_tax_number(self, operator, value):
        """Exact search by number (however it is typed), through the keyed hashes."""
        if operator not in ("=", "in"):
            return NotImplemented
        values = value if operator == "in" else [value]
        bn9_hashes, qst_hashes = [], []
        for number in values:
            if not number:
                continue
            if bn9 := _bn9(number):
                bn9_hashes.append(tax_number_hash(bn9))
            else:
                qst_hashes.append(tax_number_hash(number))
        return [
            "|",
            ("kashoo_bn9_hash", "in", bn9_hashes),
            ("kashoo_qst_hash", "in", qst_hashes),
        ]

    @api.model
    def _kashoo_mask_row(self, row):
        """Kashoo's contact as kept in ``raw``: the tax numbers replaced by their keyed hash,
        so a change of number in Kashoo is still seen and the plain number is not stored."""
        masked = dict(row)
        for key in TAX_NUMBER_FIELDS.values():
            if masked.get(key):
                masked[key] = tax_number_hash(masked[key]) or None
        return masked

    @api.model
    def _kashoo_upsert(self, backend, rows, values_of):
        plain_rows = {row.get("id"): row for row in rows}
        return super()._kashoo_upsert(
            backend,
            [self._kashoo_mask_row(row) for row in rows],
            lambda masked: values_of(plain_rows[masked.get("id")]),
        )

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._kashoo_encrypt_vals(vals) for vals in vals_list])

    @api.model
    def _kashoo_encrypt_vals(self, vals):
        """Turn plain numbers in ``vals`` into their stored form before anything is written,
        so the plain value never reaches the database, not even for an instant."""
        if not any(fname in vals for fname in TAX_NUMBER_FIELDS):
            return vals
        vals = dict(vals)
        numbers = [vals.pop(fname, False) for fname in TAX_NUMBER_FIELDS]
        return {**vals, **self._kashoo_tax_number_vals(*numbers)}

    def write(self, vals):
        if any(fname in vals for fname in TAX_NUMBER_FIELDS):
            # Check the caller may set them (manager group), then write the stored form; a
            # partial change keeps the other numbers.
            self.check_field_access_rights("write", [f for f in TAX_NUMBER_FIELDS if f in vals])
            for contact in self:
                numbers = dict(zip(TAX_NUMBER_FIELDS, contact._kashoo_tax_numbers(), strict=True))
                numbers.update({f: vals[f] for f in TAX_NUMBER_FIELDS if f in vals})
                rest = {k: v for k, v in vals.items() if k not in TAX_NUMBER_FIELDS}
                contact.sudo().write(contact._kashoo_tax_number_vals(*numbers.values()))
                if rest:
                    contact.write(rest)
            return True
        if "partner_id" in vals and "match_method" not in vals:
            vals = {**vals, "match_method": "manual" if vals["partner_id"] else False}
        return super().write(vals)

    def action_resolve_partners(self):
        """Button: match or create the partners of the selected contacts."""
        self._kashoo_resolve_partners()
        return True

    @api.model
    def _kashoo_values_from(self, row):
        return {
            "name": row.get("name") or "",
            "contact_type": row.get("type") if row.get("type") in dict(CONTACT_TYPES) else False,
            "email": (row.get("email") or "").strip() or False,
            "currency_code": row.get("currency") or False,
            "terms": row.get("terms") or False,
            "business_number": row.get("businessNumber") or False,
            "gst_number": row.get("gstNumber") or False,
            "qst_number": row.get("qstNumber") or False,
        }

    @api.model
    def _kashoo_fetch_missing(self, backend, contact_ids, client):
        """Mirror the contacts of ``contact_ids`` that ``backend`` does not know yet, read
        with ``client`` (one walk of Kashoo's contact list). A contact Kashoo cannot give now
        stays unknown: the mapper then reports it, and its record waits in the quarantine.
        """
        if not contact_ids:
            return
        known = self.search(
            [("backend_id", "=", backend.id), ("kashoo_id", "in", list(contact_ids))]
        )
        if not set(contact_ids) - set(known.mapped("kashoo_id")):
            return
        try:
            rows = [row for row in client.iter_contacts() if row.get("id") in contact_ids]
        except KashooAuthError:
            raise
        except KashooError as error:
            _logger.warning("Kashoo contacts of backend %s not read: %s", backend.id, error.message)
            return
        self._kashoo_upsert(backend, rows, self._kashoo_values_from)

    def _kashoo_resolve_partners(self):
        """Give every contact without a partner one: by e-mail, then tax number, else new.

        A contact matches only partners its backend's company can see (shared ones, without
        a company, and the company's own); a new partner belongs to that company, so a
        Kashoo contact of one company never shows in another.

        Batched: one search per way of matching and one ``create()`` for the new partners.
        Re-running never creates a second partner: a contact keeps its partner, and a
        partner created earlier is found again by e-mail or tax number.
        """
        todo = self.filtered(lambda contact: not contact.partner_id and not contact.removed)
        if not todo:
            return
        Partner = self.env["res.partner"].with_context(active_test=False)
        visible = ("company_id", "in", [False, *todo.company_id.ids])
        emails = {contact.email.lower() for contact in todo if contact.email}
        by_email = defaultdict(list)
        if emails:
            for partner in Partner.search(
                [
                    visible,
                    *(["|"] * (len(emails) - 1)),
                    *(("email", "=ilike", email) for email in emails),
                ],
                order="id",
            ):
                by_email[(partner.email or "").strip().lower()].append(partner)
        numbers = {contact: _tax_keys(*contact._kashoo_tax_numbers()) for contact in todo}
        all_numbers = set().union(*numbers.values())
        by_number = defaultdict(list)
        if all_numbers:
            for partner in Partner.search(
                [
                    visible,
                    "|",
                    ("kashoo_bn9", "in", list(all_numbers)),
                    ("kashoo_qst_number", "in", list(all_numbers)),
                ],
                order="id",
            ):
                for number in _tax_keys(
                    partner.kashoo_business_number,
                    partner.kashoo_gst_number,
                    partner.kashoo_qst_number,
                ):
                    by_number[number].append(partner)

        def seen_by(contact, partners):
            company_ids = (False, contact.company_id.id)
            return next((p for p in partners if p.company_id.id in company_ids), None)

        to_create, creating_contacts = [], []
        created_by_key = {}
        matched = defaultdict(lambda: self.browse())  # (partner id, method) -> contacts
        for contact in todo:
            partner = (
                seen_by(contact, by_email.get((contact.email or "").lower(), ()))
                if contact.email
                else None
            )
            method = "email"
            if not partner:
                method = "tax_number"
                partner = next(
                    (
                        found
                        for number in sorted(numbers[contact])
                        if (found := seen_by(contact, by_number.get(number, ())))
                    ),
                    None,
                )
            if partner:
                matched[partner.id, method] |= contact
                continue
            # Two contacts of one batch that are the same company share the new partner.
            key = (contact.email or "").lower() or next(iter(sorted(numbers[contact])), None)
            key = key and (contact.company_id.id, key)
            if key and key in created_by_key:
                creating_contacts[created_by_key[key]].append(contact)
                continue
            if key:
                created_by_key[key] = len(to_create)
            to_create.append(contact._kashoo_partner_vals())
            creating_contacts.append([contact])
        partners = Partner.create(to_create)
        for partner, contacts in zip(partners, creating_contacts, strict=True):
            matched[partner.id, "created"] |= self.browse().union(*contacts)
        for (partner_id, method), contacts in matched.items():
            contacts.write({"partner_id": partner_id, "match_method": method})

    def _kashoo_partner_vals(self):
        self.ensure_one()
        address = (self.raw or {}).get("address") or {}
        country = self.env["res.country"].search(
            [("code", "=", (address.get("country") or "CA").upper())], limit=1
        )
        state = (
            self.env["res.country.state"].search(
                [
                    ("country_id", "=", country.id),
                    ("code", "=", (address.get("province") or "").upper()),
                ],
                limit=1,
            )
            if country and address.get("province")
            else self.env["res.country.state"]
        )
        term = self.env["kashoo.contact"]._kashoo_payment_term(self.terms, self.company_id)
        business_number, gst_number, qst_number = self._kashoo_tax_numbers()
        vals = {
            "name": self.name
            or self.email
            or self.env._("Kashoo contact %(id)s", id=self.kashoo_id),
            "is_company": True,
            "email": self.email or False,
            "street": address.get("street") or False,
            "city": address.get("city") or False,
            "zip": address.get("postalCode") or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
            "company_id": self.company_id.id,
            "kashoo_business_number": business_number or False,
            "kashoo_gst_number": gst_number or False,
            "kashoo_qst_number": qst_number or False,
            "customer_rank": 1 if self.contact_type == "CUSTOMER" else 0,
            "supplier_rank": 1 if self.contact_type == "VENDOR" else 0,
        }
        if term:
            field = (
                "property_supplier_payment_term_id"
                if self.contact_type == "VENDOR"
                else "property_payment_term_id"
            )
            vals[field] = term.id
        return vals

    @api.model
    def _kashoo_payment_term(self, terms, company):
        """Odoo's payment term for a Kashoo term code: NET15 => 15 days, NET30 => 30 days...

        The standard terms are reused when they exist; others (NET45...) are created once.
        """
        code = (terms or "").strip().upper()
        if not code:
            return self.env["account.payment.term"]
        if code in ("DUE_ON_RECEIPT", "COD", "NET0"):
            days = 0
        else:
            match = NET_TERMS.match(code)
            if not match:
                return self.env["account.payment.term"]
            days = int(match.group(1))
        Term = self.env["account.payment.term"].with_context(active_test=False)
        candidates = Term.search([("company_id", "in", [False, company.id])], order="id")
        for term in candidates:
            lines = term.line_ids
            if (
                len(lines) == 1
                and lines.value == "percent"
                and lines.value_amount == 100
                and lines.delay_type == "days_after"
                and lines.nb_days == days
                and not term.early_discount
                and term.active
            ):
                return term
        return Term.create(
            {
                "name": self.env._("Immediate Payment")
                if not days
                else self.env._("%(days)s Days", days=days),
                "company_id": company.id,
                "line_ids": [
                    (
                        0,
                        0,
                        {
                            "value": "percent",
                            "value_amount": 100,
                            "delay_type": "days_after",
                            "nb_days": days,
                        },
                    )
                ],
            }
        )
