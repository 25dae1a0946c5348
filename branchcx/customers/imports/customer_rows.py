"""The customer file: identity, contact details, outlet, tier and tags, sealed and
blind-indexed per row."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from branchcx.customers.imports.base import TEXT_LIMITS, Importer, acting_user, parse_fields
from branchcx.customers.imports.cells import (
    CHANNELS,
    GENDERS,
    ID_TYPES,
    ORIENTATIONS,
    RISKS,
    TEMPERAMENTS,
    choice,
    parse_bool,
    parse_date,
    parse_datetime,
)
from branchcx.customers.imports.report import CHUNK, ImportReport, RowErrors
from branchcx.customers.models import (
    Customer,
    Gender,
    IdType,
    KycRisk,
    Tag,
    TierLevel,
)
from branchcx.lib.bulkload import HistoryLoader, Loader
from branchcx.lib.crypto import blind_index_fields
from branchcx.lib.identifiers import normalise_document, normalise_email, normalise_mobile
from branchcx.org.models import Role, StaffProfile


class CustomerImporter(Importer):
    kind = "customers"
    columns = {
        "customer_no": ("客户号", "客户编号"),
        "name": ("姓名", "客户姓名"),
        "id_type": ("证件类型",),
        "id_number": ("证件号码", "证件号"),
        "gender": ("性别",),
        "birth_date": ("出生日期",),
        "mobile": ("手机号", "手机号码", "手机"),
        "email": ("邮箱", "电子邮箱"),
        "address": ("地址", "联系地址"),
        "occupation": ("职业",),
        "home_outlet": ("归属网点", "网点代码", "开户网点"),
        "relationship_manager": ("客户经理工号", "客户经理"),
        "kyc_risk": ("风险等级", "反洗钱风险等级"),
        "marketing_consent": ("营销授权",),
        "marketing_consent_at": ("授权时间",),
        "preferred_channel": ("首选渠道",),
        "contact_times": ("联系时间",),
        "temperament": ("性格类型",),
        "value_orientation": ("价值取向",),
        "tags": ("标签",),
        "became_customer_on": ("成为客户日期", "建档日期", "开户日期"),
        "is_active": ("有效",),
    }
    required = ("customer_no", "name", "id_number", "home_outlet", "became_customer_on")
    parsers: dict[str, Callable[[str], Any]] = {
        "id_type": choice(ID_TYPES),
        "gender": choice(GENDERS),
        "birth_date": parse_date,
        "kyc_risk": choice(RISKS),
        "marketing_consent": parse_bool,
        "marketing_consent_at": parse_datetime,
        "preferred_channel": choice(CHANNELS),
        "temperament": choice(TEMPERAMENTS),
        "value_orientation": choice(ORIENTATIONS),
        "became_customer_on": parse_date,
        "is_active": parse_bool,
        "mobile": normalise_mobile,
        "email": normalise_email,
    }
    # compared and written on update; personal ones are compared decrypted
    fields = (
        "name", "id_type", "id_number", "gender", "birth_date", "mobile", "email", "address",
        "occupation", "home_outlet_id", "relationship_manager_id", "kyc_risk",
        "marketing_consent", "marketing_consent_at", "preferred_channel", "contact_times",
        "temperament", "value_orientation", "became_customer_on", "is_active",
    )  # fmt: skip

    def __init__(self, actor: Any, report: ImportReport) -> None:
        super().__init__(actor, report)
        self.seen_numbers: set[str] = set()
        self.managers = {
            s.employee_no: s
            for s in StaffProfile.objects.filter(
                role=Role.RELATIONSHIP_MANAGER, is_active=True
            ).select_related("branch")
        }
        self.tags = {t.code: t for t in Tag.objects.filter(is_active=True)}
        self.tags.update({t.name: t for t in self.tags.values()})
        self.index = Customer._meta.get_field("id_number_index")
        self.loader = Loader(Customer)
        self.history = HistoryLoader(Customer)
        # New customers hold nothing yet: AUM 0 and the ladder's first tier.
        self.base_tier = (
            TierLevel.objects.filter(min_aum__lte=0)
            .order_by("-min_aum")
            .values_list("pk", flat=True)
            .first()
        )

    def parse(self, row: dict[str, str]) -> dict[str, Any]:
        values = parse_fields(row, self.parsers, self.required)
        errors: list[tuple[str, str]] = []
        number = values["customer_no"]
        if not re.fullmatch(r"[0-9A-Za-z_-]{1,32}", number):
            errors.append(("customer_no", _("Use up to 32 letters, digits, - or _.")))
        elif number in self.seen_numbers:
            errors.append(("customer_no", _("This customer number appears twice in the file.")))
        self.seen_numbers.add(number)
        id_type = values.get("id_type", IdType.RESIDENT_ID)
        values["id_type"] = id_type
        try:
            values["id_number"] = normalise_document(id_type, values["id_number"])
        except ValueError as exc:
            errors.append(("id_number", str(exc)))
        outlet = self.outlets.get(values["home_outlet"])
        if outlet is None:
            errors.append(
                ("home_outlet", _("Unknown outlet code, or an outlet outside your scope."))
            )
        values["home_outlet"] = outlet
        if "relationship_manager" in values:
            rm = self.managers.get(values["relationship_manager"])
            if rm is None or (outlet and not outlet.path.startswith(rm.branch.path)):
                errors.append(
                    (
                        "relationship_manager",
                        _(
                            "No active relationship manager with this employee number "
                            "serves the outlet."
                        ),
                    )
                )
            values["relationship_manager"] = rm
        if "tags" in values:
            names = [t for t in re.split(r"[,，;；|、]\s*", values["tags"]) if t]
            unknown = [t for t in names if t not in self.tags]
            if unknown:
                errors.append(("tags", _("Unknown tags: %s") % ", ".join(unknown)))
            values["tags"] = {self.tags[t].pk for t in names if t in self.tags}
        if (
            "birth_date" not in values
            and id_type == IdType.RESIDENT_ID
            and "id_number" not in dict(errors)
        ):
            text = values["id_number"]
            values["birth_date"] = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
        today = timezone.localdate()
        if values.get("birth_date") and not date(1900, 1, 1) <= values["birth_date"] <= today:
            errors.append(("birth_date", _("The birth date must lie between 1900 and today.")))
        if values["became_customer_on"] > today:
            errors.append(("became_customer_on", _("This date is in the future.")))
        for name in ("occupation", "contact_times"):
            limit = TEXT_LIMITS[name]
            if len(values.get(name, "")) > limit:
                errors.append((name, _("At most %(limit)s characters.") % {"limit": limit}))
        if values.get("marketing_consent") and "marketing_consent_at" not in values:
            values["marketing_consent_at"] = timezone.now()
        if errors:
            raise RowErrors(errors)
        values["name"] = " ".join(values["name"].split())
        return values

    def _target(self, values: dict[str, Any]) -> dict[str, Any]:
        target = {
            name: values.get(name, default)
            for name, default in (
                ("name", ""), ("id_type", IdType.RESIDENT_ID), ("id_number", ""),
                ("gender", Gender.UNKNOWN), ("birth_date", None), ("mobile", ""), ("email", ""),
                ("address", ""), ("occupation", ""), ("kyc_risk", KycRisk.LOW),
                ("marketing_consent", False), ("marketing_consent_at", None),
                ("preferred_channel", ""), ("contact_times", ""), ("temperament", ""),
                ("value_orientation", ""), ("became_customer_on", None), ("is_active", True),
            )
        }  # fmt: skip
        if not target["marketing_consent"]:
            target["marketing_consent_at"] = None
        target["home_outlet_id"] = values["home_outlet"].pk
        rm = values.get("relationship_manager")
        target["relationship_manager_id"] = rm.pk if rm else None
        return target

    def write(self, chunk: list[tuple[int, dict[str, Any]]]) -> None:
        numbers = {v["customer_no"] for _line, v in chunk}
        existing = {c.customer_no: c for c in Customer.objects.filter(customer_no__in=numbers)}
        visible = set(
            Customer.objects.visible_to(self.actor)
            .filter(customer_no__in=numbers)
            .values_list("customer_no", flat=True)
        )
        # Identity documents must be unique across customers (within the file too).
        for _line, v in chunk:
            v["id_number_index"] = self.index.index_for(v["id_number"])
        keys = {(v["id_type"], v["id_number_index"]): v["customer_no"] for _line, v in chunk}
        holders = {
            (c_type, c_index): c_no
            for c_type, c_index, c_no in Customer.objects.filter(
                id_number_index__in={k[1] for k in keys}
            ).values_list("id_type", "id_number_index", "customer_no")
        }
        seen_keys: dict[tuple[str, str], str] = {}
        creates: list[dict[str, Any]] = []
        updates: list[Customer] = []
        tag_sets: list[tuple[str, set[int]]] = []
        for line, values in chunk:
            number = values["customer_no"]
            key = (values["id_type"], values["id_number_index"])
            holder = holders.get(key) or seen_keys.get(key)
            if holder and holder != number:
                self.report.add_error(
                    line, "id_number", _("Another customer has this identity document.")
                )
                continue
            seen_keys[key] = number
            current = existing.get(number)
            if current is not None and number not in visible:
                self.report.add_error(
                    line,
                    "customer_no",
                    _("This customer number belongs to a customer outside your scope."),
                )
                continue
            target = self._target(values)
            if current is None:
                creates.append(
                    {
                        "customer_no": number,
                        **target,
                        "id_number_index": values["id_number_index"],
                        "tier_id": self.base_tier,
                    }
                )
            else:
                changed = [n for n, v in target.items() if getattr(current, n) != v]
                if not changed:
                    self.report.unchanged += 1
                else:
                    for name in changed:
                        setattr(current, name, target[name])
                    current.version += 1
                    updates.append(current)
            if "tags" in values:
                tag_sets.append((number, values["tags"]))
        if self.report.writes_blocked:
            return  # nothing more will be kept; keep checking the rest of the file
        ids = {c.customer_no: c.pk for c in existing.values()}
        if creates:
            now = timezone.now()
            prepared = [self.loader.prepare(values, now) for values in creates]
            self.loader.insert(prepared)
            ids.update(
                Customer.objects.filter(
                    customer_no__in=[c["customer_no"] for c in creates]
                ).values_list("customer_no", "pk")
            )
            user = acting_user(self.actor)
            self.history.insert(
                self.history.rows_for(
                    ((ids[row["customer_no"]], row) for row in prepared),
                    user.pk if user else None,
                    now,
                )
            )
            self.report.created += len(creates)
        if updates:
            for customer in updates:
                for blind in blind_index_fields(Customer):
                    blind.pre_save(customer, add=False)
            bulk_update_with_history(
                updates,
                Customer,
                [
                    *self.fields,
                    "version",
                    "name_index",
                    "surname_index",
                    "id_number_index",
                    "mobile_index",
                ],
                batch_size=CHUNK,
                default_user=acting_user(self.actor),
            )
            self.report.updated += len(updates)
        if tag_sets:
            through = Customer.tags.through
            through.objects.filter(customer_id__in=[ids[n] for n, _t in tag_sets]).delete()
            through.objects.bulk_create(
                [through(customer_id=ids[n], tag_id=t) for n, tags in tag_sets for t in tags]
            )

    def finish(self) -> None:
        """Nothing: new customers start at AUM 0 with the first tier, and changing a
        customer's details does not change what they hold."""
