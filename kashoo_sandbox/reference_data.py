"""Static reference data: chart of accounts, Canadian taxes, catalogues and demo fixtures.

Everything here is fixed (independent of the seed), so account and tax ids are stable: the
generator allocates them in list order. Business 1001 gets accounts 2001.. and taxes 3001..
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# --- Demo identities (documented test values, not secrets) ------------------------------------

DEMO_USER_ID = 123456
DEMO_USER_EMAIL = "demo@kashoo.test"
DEMO_USER_PASSWORD = "demo"
DEMO_USER_NAME = "Demo User"

# A second user who may only see the second business: for "business not permitted" tests.
OTHER_USER_ID = 123457
OTHER_USER_EMAIL = "bookkeeper@kashoo.test"
OTHER_USER_PASSWORD = "bookkeeper"
OTHER_USER_NAME = "Bluenose Bookkeeper"

DEMO_CLIENT_ID = "odoo-demo"
DEMO_CLIENT_SECRET = "sandbox-demo-secret"
DEMO_CLIENT_NAME = "Odoo 18 Demo Integration"
DEMO_REDIRECT_URIS = (
    "http://localhost:8069/kashoo/auth/callback",
    "http://127.0.0.1:8069/kashoo/auth/callback",
)

ALL_SCOPES = ("transactions:read", "accounts:read", "taxes:read", "company:read")

PRIMARY_BUSINESS_ID = 1001
SECONDARY_BUSINESS_ID = 1002

# Seeded data is dated up to this day, so the whole data set lies in the past and is stable.
DATA_AS_OF = date(2026, 11, 20)


@dataclass(frozen=True)
class BusinessProfile:
    business_id: int
    name: str
    province: str
    city: str
    business_number: str  # valid BN9
    fiscal_year_start: date
    period_end: date
    customer_provinces: tuple[tuple[str, int], ...]  # (province, weight)
    user_ids: tuple[int, ...]


BUSINESS_PROFILES = (
    BusinessProfile(
        business_id=PRIMARY_BUSINESS_ID,
        name="Maple Leaf Supplies Ltd",
        province="ON",
        city="Toronto",
        business_number="123456782",
        fiscal_year_start=date(2026, 1, 1),
        period_end=DATA_AS_OF,
        customer_provinces=(
            ("ON", 40),
            ("QC", 12),
            ("BC", 12),
            ("AB", 8),
            ("NS", 6),
            ("NB", 4),
            ("MB", 4),
            ("SK", 4),
            ("NL", 3),
            ("PE", 2),
            ("YT", 1),
        ),
        user_ids=(DEMO_USER_ID,),
    ),
    # A second business whose fiscal year straddles the Nova Scotia HST cut (15 % -> 14 % on
    # 2025-04-01), so both rates appear in real records.
    BusinessProfile(
        business_id=SECONDARY_BUSINESS_ID,
        name="Bluenose Marine Services Inc.",
        province="NS",
        city="Lunenburg",
        business_number="872318407",
        fiscal_year_start=date(2025, 2, 1),
        period_end=date(2026, 1, 31),
        customer_provinces=(("NS", 70), ("NB", 10), ("PE", 8), ("NL", 7), ("ON", 5)),
        user_ids=(DEMO_USER_ID, OTHER_USER_ID),
    ),
)


# --- Chart of accounts -------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountDef:
    key: str
    number: str
    name: str
    type: str
    sub_type: str | None
    currency: str = "CAD"


CHART_OF_ACCOUNTS = (
    AccountDef("chequing", "1000", "Chequing", "ASSET", "BANK"),
    AccountDef("savings", "1010", "Savings", "ASSET", "BANK"),
    AccountDef("usd_chequing", "1020", "US Dollar Chequing", "ASSET", "BANK", "USD"),
    AccountDef("petty_cash", "1050", "Petty Cash", "ASSET", "CURRENT_ASSET"),
    AccountDef("receivable", "1100", "Accounts Receivable", "ASSET", "ACCOUNTS_RECEIVABLE"),
    AccountDef("inventory", "1200", "Inventory", "ASSET", "CURRENT_ASSET"),
    AccountDef("gst_recoverable", "1210", "GST/HST Recoverable (ITC)", "ASSET", "TAX_RECOVERABLE"),
    AccountDef("qst_recoverable", "1220", "QST Recoverable (ITR)", "ASSET", "TAX_RECOVERABLE"),
    AccountDef("equipment", "1500", "Equipment", "ASSET", "FIXED_ASSET"),
    AccountDef("payable", "2000", "Accounts Payable", "LIABILITY", "ACCOUNTS_PAYABLE"),
    AccountDef("visa", "2100", "Visa Credit Card", "LIABILITY", "CREDIT_CARD"),
    AccountDef("gst_payable", "2200", "GST/HST Payable", "LIABILITY", "TAX_PAYABLE"),
    AccountDef("pst_payable", "2210", "PST Payable", "LIABILITY", "TAX_PAYABLE"),
    AccountDef("qst_payable", "2220", "QST Payable", "LIABILITY", "TAX_PAYABLE"),
    AccountDef(
        "payroll_liabilities", "2300", "Payroll Liabilities", "LIABILITY", "CURRENT_LIABILITY"
    ),
    AccountDef(
        "reimbursements_payable",
        "2400",
        "Employee Reimbursements Payable",
        "LIABILITY",
        "CURRENT_LIABILITY",
    ),
    AccountDef("share_capital", "3000", "Share Capital", "EQUITY", "EQUITY"),
    AccountDef("retained_earnings", "3100", "Retained Earnings", "EQUITY", "RETAINED_EARNINGS"),
    AccountDef("product_sales", "4000", "Product Sales", "REVENUE", "REVENUE"),
    AccountDef("service_revenue", "4100", "Service Revenue", "REVENUE", "REVENUE"),
    AccountDef("shipping_revenue", "4200", "Shipping", "REVENUE", "REVENUE"),
    AccountDef("interest_income", "4300", "Interest Income", "REVENUE", "OTHER_INCOME"),
    AccountDef("cogs", "5000", "Cost of Goods Sold", "EXPENSE", "COST_OF_SALES"),
    AccountDef("wages", "5100", "Wages and Salaries", "EXPENSE", "PAYROLL"),
    AccountDef("benefits", "5110", "Employee Benefits", "EXPENSE", "PAYROLL"),
    AccountDef("cpp_ei", "5120", "CPP and EI Expense", "EXPENSE", "PAYROLL"),
    AccountDef("rent", "5200", "Rent", "EXPENSE", "EXPENSE"),
    AccountDef("office", "5300", "Office Supplies", "EXPENSE", "EXPENSE"),
    AccountDef("vehicle", "5400", "Vehicle and Fuel", "EXPENSE", "EXPENSE"),
    AccountDef("meals", "5500", "Meals and Entertainment", "EXPENSE", "EXPENSE"),
    AccountDef("professional_fees", "5600", "Professional Fees", "EXPENSE", "EXPENSE"),
    AccountDef("bank_charges", "5700", "Bank Charges", "EXPENSE", "EXPENSE"),
    AccountDef("software", "5800", "Software Subscriptions", "EXPENSE", "EXPENSE"),
    AccountDef("travel", "5900", "Travel", "EXPENSE", "EXPENSE"),
    AccountDef("freight", "5950", "Freight and Delivery", "EXPENSE", "EXPENSE"),
    AccountDef("utilities", "5960", "Telephone and Internet", "EXPENSE", "EXPENSE"),
    # Deliberately unmappable: no type hint the connector can map by default.
    AccountDef("suspense", "9999", "Suspense (unmapped)", "EXPENSE", None),
)

BANK_KEYS = ("chequing", "savings", "usd_chequing")


# --- Taxes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxDef:
    key: str
    name: str
    kind: str
    rate: str
    province: str | None
    compound: bool
    recoverable: bool
    payable_key: str
    recoverable_key: str | None
    registration: str | None  # "gst" = the business's BN15, "qst"/"pst" = a fixed demo number
    valid_from: date | None = None
    valid_to: date | None = None


TAXES = (
    TaxDef(
        "gst", "GST", "GST", "5.000", None, False, True, "gst_payable", "gst_recoverable", "gst"
    ),
    TaxDef(
        "hst_on",
        "HST ON",
        "HST",
        "13.000",
        "ON",
        False,
        True,
        "gst_payable",
        "gst_recoverable",
        "gst",
    ),
    TaxDef(
        "hst_ns_15",
        "HST NS (until 2025-03-31)",
        "HST",
        "15.000",
        "NS",
        False,
        True,
        "gst_payable",
        "gst_recoverable",
        "gst",
        None,
        date(2025, 3, 31),
    ),
    TaxDef(
        "hst_ns_14",
        "HST NS",
        "HST",
        "14.000",
        "NS",
        False,
        True,
        "gst_payable",
        "gst_recoverable",
        "gst",
        date(2025, 4, 1),
        None,
    ),
    TaxDef(
        "hst_nb",
        "HST NB",
        "HST",
        "15.000",
        "NB",
        False,
        True,
        "gst_payable",
        "gst_recoverable",
        "gst",
    ),
    TaxDef(
        "hst_nl",
        "HST NL",
        "HST",
        "15.000",
        "NL",
        False,
        True,
        "gst_payable",
        "gst_recoverable",
        "gst",
    ),
    TaxDef(
        "hst_pe",
        "HST PE",
        "HST",
        "15.000",
        "PE",
        False,
        True,
        "gst_payable",
        "gst_recoverable",
        "gst",
    ),
    TaxDef("pst_bc", "PST BC", "PST", "7.000", "BC", False, False, "pst_payable", None, "pst"),
    TaxDef("pst_sk", "PST SK", "PST", "6.000", "SK", False, False, "pst_payable", None, "pst"),
    TaxDef("rst_mb", "RST MB", "PST", "7.000", "MB", False, False, "pst_payable", None, "pst"),
    TaxDef(
        "qst", "QST", "QST", "9.975", "QC", False, True, "qst_payable", "qst_recoverable", "qst"
    ),
    # No Canadian tax is compound today (QST stopped being so in 2013); this synthetic one keeps
    # the "tax on base + prior taxes" path exercised.
    TaxDef(
        "compound_pst",
        "Compound PST 8% (test)",
        "PST",
        "8.000",
        None,
        True,
        False,
        "pst_payable",
        None,
        None,
    ),
    # Deliberately unmappable by default: Odoo's Canadian chart has no such tax.
    TaxDef("eco_fee", "Eco Fee 2%", "PST", "2.000", None, False, False, "pst_payable", None, None),
)

# Sales taxes charged by place of supply (the customer's province). HST NS depends on the date.
SALES_TAXES_BY_PROVINCE = {
    "ON": ("hst_on",),
    "NS": ("hst_ns",),
    "NB": ("hst_nb",),
    "NL": ("hst_nl",),
    "PE": ("hst_pe",),
    "BC": ("gst", "pst_bc"),
    "SK": ("gst", "pst_sk"),
    "MB": ("gst", "rst_mb"),
    "QC": ("gst", "qst"),
    "AB": ("gst",),
    "NT": ("gst",),
    "NU": ("gst",),
    "YT": ("gst",),
}

NS_HST_CHANGE_DATE = date(2025, 4, 1)


def sales_tax_keys(province: str, on_date: date) -> tuple[str, ...]:
    keys = SALES_TAXES_BY_PROVINCE.get(province, ())
    return tuple(
        ("hst_ns_15" if on_date < NS_HST_CHANGE_DATE else "hst_ns_14") if key == "hst_ns" else key
        for key in keys
    )


# --- Catalogues --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueItem:
    description: str
    account_key: str
    unit_price: int  # CAD cents
    quantities: tuple[str, ...]


SALES_CATALOGUE = (
    CatalogueItem("Maple syrup, 1 L tin", "product_sales", 1899, ("6", "12", "24", "48")),
    CatalogueItem("Maple syrup case (12 x 1 L)", "product_sales", 19900, ("1", "2", "3", "5")),
    CatalogueItem("Birch bark basket", "product_sales", 4500, ("2", "4", "10")),
    CatalogueItem("Canoe paddle, cherry", "product_sales", 12900, ("1", "2", "4")),
    CatalogueItem("Wool toque", "product_sales", 2800, ("10", "25", "50")),
    CatalogueItem("Cedar planter box", "product_sales", 8900, ("1", "3", "6")),
    CatalogueItem("Trail map set", "product_sales", 1550, ("5", "20")),
    CatalogueItem("Consulting", "service_revenue", 12500, ("1", "1.5", "2", "4", "7.5", "10")),
    CatalogueItem("Installation service", "service_revenue", 9500, ("1", "2.5", "3", "8")),
    CatalogueItem("Custom engraving", "service_revenue", 2500, ("1", "4", "12")),
)

SHIPPING_ITEM = CatalogueItem("Shipping and handling", "shipping_revenue", 2450, ("1",))

MARINE_CATALOGUE = (
    CatalogueItem("Hull inspection", "service_revenue", 38500, ("1",)),
    CatalogueItem("Winter storage, per foot", "service_revenue", 5500, ("22", "28", "34", "40")),
    CatalogueItem("Engine tune-up", "service_revenue", 11500, ("1", "2.5", "4")),
    CatalogueItem("Marine rope, 50 m", "product_sales", 8900, ("1", "2", "4")),
    CatalogueItem("Life jacket", "product_sales", 6450, ("2", "4", "6")),
)


@dataclass(frozen=True)
class VendorCategory:
    key: str
    names: tuple[str, ...]
    account_key: str
    description: str
    price_range: tuple[int, int]  # cents


VENDOR_CATEGORIES = (
    VendorCategory(
        "inventory",
        (
            "Sugarbush Cooperative",
            "Érablière du Nord",
            "Laurentian Woodcraft",
            "Prairie Wool Mills",
            "Cascade Outdoor Goods",
        ),
        "inventory",
        "Inventory purchase",
        (50000, 650000),
    ),
    VendorCategory(
        "rent",
        ("Harbourfront Properties", "King West Holdings"),
        "rent",
        "Monthly rent",
        (325000, 325000),
    ),
    VendorCategory(
        "accounting",
        ("Beaulieu & Associés CPA", "Northstar Accounting"),
        "professional_fees",
        "Bookkeeping and tax advice",
        (45000, 180000),
    ),
    VendorCategory(
        "software",
        ("Cloudberry Software", "Aurora SaaS Inc."),
        "software",
        "Software subscription",
        (2900, 24900),
    ),
    VendorCategory(
        "freight",
        ("Trans-Canada Freight", "Coastal Courier Ltd"),
        "freight",
        "Freight and delivery",
        (6500, 95000),
    ),
    VendorCategory(
        "telecom",
        ("Northern Telecom", "Muskoka Fibre"),
        "utilities",
        "Telephone and internet",
        (8900, 21900),
    ),
)

EXPENSE_ITEMS = (
    ("vehicle", "Fuel", (4500, 12000)),
    ("meals", "Client lunch", (3500, 18000)),
    ("office", "Printer paper and toner", (2500, 16000)),
    ("travel", "Train tickets", (9000, 42000)),
    ("bank_charges", "Monthly account fee", (1500, 4500)),
)

EMPLOYEES = (
    {"name": "Amélie Tremblay", "email": "amelie.tremblay@mapleleafsupplies.example"},
    {"name": "Jordan MacDonald", "email": "jordan.macdonald@mapleleafsupplies.example"},
    {"name": "Priya Singh", "email": "priya.singh@mapleleafsupplies.example"},
    {"name": "Łukasz Nowak", "email": "lukasz.nowak@mapleleafsupplies.example"},
)

CUSTOMER_NAME_PARTS = (
    (
        "Maple",
        "Northern",
        "Boréal",
        "Prairie",
        "Harbour",
        "Laurentian",
        "Cascade",
        "Muskoka",
        "Fundy",
        "Okanagan",
        "Algonquin",
        "Georgian",
        "Tundra",
        "Chinook",
        "Cabot",
        "Rideau",
        "Saint-Laurent",
        "Klondike",
        "Acadia",
        "Huron",
    ),
    (
        "Bakery",
        "Logistics",
        "Consulting",
        "Hardware",
        "Outfitters",
        "Café",
        "Design",
        "Builders",
        "Gifts",
        "Provisions",
        "Market",
        "Lodge",
        "Studio",
        "Traders",
        "Florist",
    ),
    ("Inc.", "Ltd", "Corp.", "Ltée", "Co.", "LLP"),
)

PAYMENT_METHODS = ("Electronic Transfer", "Cheque", "Credit Card", "Cash")
