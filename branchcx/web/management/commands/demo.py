from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from branchcx.complaints.demo import build_complaints
from branchcx.customers.demo import build_customers
from branchcx.org.demo import DEMO_PASSWORD, build_organisation, existing_logins
from branchcx.surveys.demo import build_surveys


class Command(BaseCommand):
    help = "Load demonstration data (once: does nothing when a head office already exists)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--branches", type=int, default=2, help="Branches (1 to 5).")
        parser.add_argument("--customers", type=int, default=2000, help="Demo customers.")
        parser.add_argument("--months", type=int, default=12, help="Months of history.")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **opts: Any) -> None:
        if not settings.DEBUG:
            # The demo users share a published password.
            raise CommandError("The demo data is for evaluation only; BRANCHCX_DEBUG=0 refuses it.")
        with transaction.atomic():
            logins = build_organisation(branches=opts["branches"], seed=opts["seed"])
            if logins:
                counts = build_customers(
                    customers=opts["customers"], months=opts["months"], seed=opts["seed"]
                )
                complaints = build_complaints(seed=opts["seed"])
                surveys = build_surveys(months=24, seed=opts["seed"])
        if logins:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {counts.customers} customers, {counts.holdings} "
                    f"holdings, {counts.transactions} transactions, {counts.contacts} contacts, "
                    f"{complaints.complaints} complaints, {complaints.grievances} grievances, "
                    f"{surveys.responses} survey answers ({surveys.follow_ups} follow-ups)."
                )
            )
        else:
            self.stdout.write("Demo data is already loaded.")
            logins = existing_logins()
        self.stdout.write(f"Demo logins (the password of each: {DEMO_PASSWORD}):")
        for login in logins:
            self.stdout.write(f"  {login.username:<22} {login.role}  ({login.unit})")
