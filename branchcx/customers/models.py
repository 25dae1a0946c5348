"""The customer 360: who the customer is, what they hold, what they do, and every contact.

Personal fields (name, ID number, mobile, email, address, account numbers, contact notes) are
stored only encrypted; exact search goes through keyed blind indexes (see docs/decisions.md
for how name search works without a plaintext name column).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from branchcx.lib.crypto import BlindIndexField, EncryptedTextField
from branchcx.lib.identifiers import (
    compact_identifier,
    normalise_account_number,
    normalise_mobile,
    normalise_name,
    normalise_surname,
)
from branchcx.org.scoping import ScopedManager


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Not stated")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU_PERMIT = (
        "hk_macau_permit",
        _("Mainland travel permit for Hong Kong and Macau residents"),
    )
    TAIWAN_PERMIT = "taiwan_permit", _("Mainland travel permit for Taiwan residents")
    FOREIGN_PERMANENT_RESIDENT = (
        "foreign_permanent_resident",
        _("Foreign permanent resident ID card"),
    )
    OTHER = "other", _("Other document")


class KycRisk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Temperament(models.TextChoices):
    """How to talk to the customer (DOMAIN.md §1); staff guidance in ``guidance.py``."""

    DOMINANT = "dominant", _("Dominant (支配型)")
    EXPRESSIVE = "expressive", _("Expressive (表达型)")
    AMIABLE = "amiable", _("Amiable (和平型)")
    ANALYTICAL = "analytical", _("Analytical (分析型)")


class ValueOrientation(models.TextChoices):
    PRICE = "price", _("Price-driven (价格敏感型)")
    SERVICE = "service", _("Service-driven (服务主导型)")
    PRODUCT = "product", _("Product-driven (产品主导型)")


class ContactChannel(models.TextChoices):
    COUNTER = "counter", _("Counter")
    PHONE = "phone", _("Phone")
    MOBILE_BANKING = "mobile_banking", _("Mobile banking")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    ONLINE_SERVICE = "online_service", _("Online service")


class Tag(models.Model):
    """A need, preference or interest recorded on customers (e.g. 子女教育, 养老规划)."""

    class Category(models.TextChoices):
        NEED = "need", _("Need")
        PREFERENCE = "preference", _("Preference")
        INTEREST = "interest", _("Interest")
        SERVICE = "service", _("Service note")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    is_active = models.BooleanField(_("active"), default=True)

    scope_exempt = "Reference data shared by the whole network."

    class Meta:
        ordering = ["category", "name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class TierLevel(models.Model):
    """One step of the bank's value ladder by assets under management (configurable)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    min_aum = models.DecimalField(
        _("minimum AUM (CNY)"), unique=True, max_digits=18, decimal_places=2
    )
    service_strategy = models.TextField(_("service strategy"), blank=True)

    scope_exempt = "Reference data shared by the whole network."

    class Meta:
        ordering = ["min_aum"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer_no = models.CharField(_("customer number"), max_length=32, unique=True)
    name = EncryptedTextField(_("name"), purpose="customer.name")
    name_index = BlindIndexField(source="name", purpose="customer.name", normaliser=normalise_name)
    surname_index = BlindIndexField(
        source="name", purpose="customer.surname", normaliser=normalise_surname
    )
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_type = models.CharField(
        _("ID type"), max_length=32, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = EncryptedTextField(_("ID number"), purpose="customer.id_number")
    id_number_index = BlindIndexField(
        source="id_number", purpose="customer.id_number", normaliser=compact_identifier
    )
    mobile = EncryptedTextField(_("mobile"), purpose="customer.mobile")
    mobile_index = BlindIndexField(
        source="mobile", purpose="customer.mobile", normaliser=normalise_mobile
    )
    email = EncryptedTextField(_("email"), purpose="customer.email")
    address = EncryptedTextField(_("address"), purpose="customer.address")
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    home_outlet = models.ForeignKey(
        "org.Branch",
        verbose_name=_("home outlet"),
        on_delete=models.PROTECT,
        related_name="customers",
    )
    relationship_manager = models.ForeignKey(
        "org.StaffProfile",
        verbose_name=_("relationship manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_customers",
    )
    kyc_risk = models.CharField(
        _("KYC risk level"), max_length=8, choices=KycRisk.choices, default=KycRisk.LOW
    )
    # PIPL: marketing needs separate consent, and when it was given must be provable.
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    marketing_consent_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=ContactChannel.choices, blank=True
    )
    contact_times = models.CharField(_("preferred contact times"), max_length=100, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    temperament = models.CharField(
        _("temperament"), max_length=12, choices=Temperament.choices, blank=True
    )
    value_orientation = models.CharField(
        _("value orientation"), max_length=8, choices=ValueOrientation.choices, blank=True
    )
    became_customer_on = models.DateField(_("customer since"))
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # Materialised from holdings by queries.refresh_aum (set-based); lists filter on them.
    aum = models.DecimalField(
        _("assets under management"), default=0, max_digits=18, decimal_places=2
    )
    tier = models.ForeignKey(
        TierLevel,
        verbose_name=_("tier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("active relationship"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(
        excluded_fields=[
            "name_index",
            "surname_index",
            "id_number_index",
            "mobile_index",
            "aum",
            "tier",
            "last_activity_at",
        ]
    )
    scope_field = "home_outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["customer_no"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("import_customers", _("Can import customers, holdings and transactions")),
            ("export_customers", _("Can export customer lists (masked)")),
        ]
        indexes = [
            models.Index(fields=["home_outlet", "-aum"], name="customer_outlet_aum"),
            models.Index(fields=["home_outlet", "tier"], name="customer_outlet_tier"),
            models.Index(fields=["relationship_manager"], name="customer_rm"),
        ]

    def __str__(self) -> str:
        return self.customer_no


class Product(models.Model):
    """The bank's product catalogue (deposits, wealth, funds, insurance agency, loans, cards)."""

    class Category(models.TextChoices):
        DEMAND_DEPOSIT = "demand_deposit", _("Demand deposit")
        TIME_DEPOSIT = "time_deposit", _("Time deposit")
        WEALTH = "wealth", _("Wealth-management product")
        FUND = "fund", _("Fund")
        INSURANCE = "insurance", _("Insurance (agency)")
        PRECIOUS_METAL = "precious_metal", _("Precious metal")
        LOAN = "loan", _("Loan")
        DEBIT_CARD = "debit_card", _("Debit card")
        CREDIT_CARD = "credit_card", _("Credit card")

    # Categories whose balances are the customer's assets with the bank (counted in AUM), and
    # those whose balances are what the customer owes.
    ASSET_CATEGORIES = frozenset(
        {"demand_deposit", "time_deposit", "wealth", "fund", "insurance", "precious_metal"}
    )
    LIABILITY_CATEGORIES = frozenset({"loan", "credit_card"})

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=80)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    is_active = models.BooleanField(_("on sale"), default=True)

    scope_exempt = "The catalogue is shared by the whole network."

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    @property
    def is_asset(self) -> bool:
        return self.category in self.ASSET_CATEGORIES


class Holding(models.Model):
    """One product held by one customer (an account, a card, a loan, a fund position)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        DORMANT = "dormant", _("Dormant")
        CLOSED = "closed", _("Closed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="holdings")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    account_number = EncryptedTextField(_("account or card number"), purpose="holding.account")
    account_index = BlindIndexField(
        source="account_number", purpose="holding.account", normaliser=normalise_account_number
    )
    balance = models.DecimalField(_("balance"), default=0, max_digits=18, decimal_places=2)
    credit_limit = models.DecimalField(
        _("limit"), null=True, blank=True, max_digits=18, decimal_places=2
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    scope_field = "customer__home_outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["customer", "product__category", "opened_on"]
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "account_index"], name="holding_unique_account"
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="holding_customer_status")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.product_id}"


class Transaction(models.Model):
    """One movement of money. Millions of rows: no history, narrow columns, two indexes."""

    class Direction(models.TextChoices):
        CREDIT = "credit", _("In")
        DEBIT = "debit", _("Out")

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        WITHDRAWAL = "withdrawal", _("Withdrawal")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        TRANSFER_OUT = "transfer_out", _("Transfer out")
        PAYMENT = "payment", _("Payment")
        CARD_SPEND = "card_spend", _("Card spending")
        PURCHASE = "purchase", _("Product purchase")
        REDEMPTION = "redemption", _("Redemption")
        LOAN_DRAWDOWN = "loan_drawdown", _("Loan drawdown")
        LOAN_REPAYMENT = "loan_repayment", _("Loan repayment")
        INTEREST = "interest", _("Interest")
        FEE = "fee", _("Fee")
        SALARY = "salary", _("Salary")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        ATM = "atm", _("ATM")
        MOBILE_BANKING = "mobile_banking", _("Mobile banking")
        ONLINE_BANKING = "online_banking", _("Online banking")
        POS = "pos", _("POS")
        THIRD_PARTY = "third_party", _("Third-party payment")
        SYSTEM = "system", _("System")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="transactions")
    holding = models.ForeignKey(
        Holding, on_delete=models.PROTECT, null=True, blank=True, related_name="transactions"
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # Where it happened (a counter or ATM of an outlet); null for remote channels.
    outlet = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("time"))
    # The core system's serial number (流水号): re-importing a file skips what is already here.
    reference = models.CharField(_("reference"), max_length=40, null=True, blank=True, unique=True)

    scope_field = "customer__home_outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="transaction_amount_positive"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="txn_customer_time"),
            models.Index(fields=["outlet", "occurred_at"], name="txn_outlet_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.direction} {self.amount}"


class Interaction(models.Model):
    """One contact with the customer, on any channel. Kept as written; never edited."""

    class Purpose(models.TextChoices):
        SERVICE = "service", _("Service request")
        ENQUIRY = "enquiry", _("Enquiry")
        ADVICE = "advice", _("Advice or sales")
        CARE = "care", _("Care or greeting")
        COMPLAINT = "complaint", _("Complaint or grievance")
        FOLLOW_UP = "follow_up", _("Follow-up")
        OTHER = "other", _("Other")

    class Presentation(models.TextChoices):
        """How the customer presented in this contact (DOMAIN.md §1)."""

        CALM = "calm", _("Calm")
        DEMANDING = "demanding", _("Demanding (要求型)")
        CONFUSED = "confused", _("Confused (困惑型)")
        AGITATED = "agitated", _("Agitated (激动型)")

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        FOLLOW_UP = "follow_up", _("Follow-up needed")
        REFERRED = "referred", _("Referred to a colleague")
        NO_CONTACT = "no_contact", _("Could not reach")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="interactions")
    staff = models.ForeignKey(
        "org.StaffProfile", verbose_name=_("staff"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    presentation = models.CharField(
        _("customer presented as"),
        max_length=10,
        choices=Presentation.choices,
        default=Presentation.CALM,
    )
    # What the customer said can be personal: stored encrypted.
    notes = EncryptedTextField(_("notes"), purpose="interaction.notes")
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    follow_up_on = models.DateField(_("follow up on"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("time"))
    created_at = models.DateTimeField(auto_now_add=True)

    scope_field = "customer__home_outlet"
    objects = ScopedManager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="contact_customer_time"),
            models.Index(fields=["follow_up_on"], name="contact_follow_up"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d} {self.channel}"


class ImportJob(models.Model):
    """One uploaded file being checked or loaded in the background, with its progress and
    its per-row error report."""

    class Kind(models.TextChoices):
        CUSTOMERS = "customers", _("Customers")
        HOLDINGS = "holdings", _("Holdings")
        TRANSACTIONS = "transactions", _("Transactions")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        REJECTED = "rejected", _("Rejected: errors in the file")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=200)
    stored_name = models.CharField(max_length=80, editable=False)
    dry_run = models.BooleanField(_("check only"), default=False)
    # Load the valid rows and skip those with errors (chosen explicitly by the uploader).
    skip_invalid = models.BooleanField(_("skip rows with errors"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    skipped_rows = models.PositiveIntegerField(default=0)
    skipped_ranges = models.TextField(blank=True)  # every skipped row: "3-5, 9"
    # [[row, column, reason], …], the first ERROR_LIMIT of them
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The uploader's unit: who else may follow the job.
    branch = models.ForeignKey("org.Branch", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    scope_field = "branch"
    objects = ScopedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def loaded_rows(self) -> int:
        return self.created_count + self.updated_count + self.unchanged_count

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.REJECTED, self.Status.FAILED}
