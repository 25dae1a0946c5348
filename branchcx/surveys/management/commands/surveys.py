from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.org.actions import SystemActor
from branchcx.org.models import Branch
from branchcx.surveys import actions
from branchcx.surveys.models import Survey


class Command(BaseCommand):
    help = (
        "Survey distribution: add-rule invites customers after events; lobby-code issues an "
        "outlet's QR code (printed URL and SVG); distribute runs the rules now; analyse-comments "
        "reads the sentiment and themes of stored comments."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rule = sub.add_parser("add-rule", help="Invite the customers of a unit's outlets.")
        rule.add_argument("--survey", required=True, help="Survey code, e.g. post-visit.")
        rule.add_argument("--unit", required=True, help="Unit code (a branch or an outlet).")
        rule.add_argument(
            "--trigger", required=True, choices=["complaint_closed", "transaction", "queue_visit"]
        )
        rule.add_argument("--channel", default="sms", choices=["sms", "email"])
        rule.add_argument("--sample", type=int, default=100, help="Share invited, per cent.")
        rule.add_argument("--quota", type=int, default=50, help="Per outlet per day; 0 = none.")
        rule.add_argument("--kinds", default="", help="Transaction types, comma-separated.")
        lobby = sub.add_parser("lobby-code", help="A new QR code for an outlet's lobby.")
        lobby.add_argument("--survey", required=True)
        lobby.add_argument("--outlet", required=True, help="Outlet code.")
        lobby.add_argument("--svg", type=Path, help="Where to write the QR code (SVG).")
        sub.add_parser("distribute", help="Run the distribution rules now.")
        analyse = sub.add_parser(
            "analyse-comments",
            help="Read the sentiment and themes of the comments not yet analysed.",
        )
        analyse.add_argument(
            "--all",
            action="store_true",
            help="Analyse every comment again (after a lexicon change).",
        )
        analyse.add_argument("--batch", type=int, default=500, help="Comments per transaction.")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "distribute":
            counts = actions.run_distribution()
            self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            return
        if opts["action"] == "analyse-comments":
            if opts["batch"] < 1:
                raise CommandError("--batch must be at least 1")
            counts = actions.do_analyse_comments(everything=opts["all"], batch_size=opts["batch"])
            self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            return
        survey = Survey.objects.filter(code=opts["survey"]).first()
        if survey is None:
            raise CommandError(f"No survey {opts['survey']}")
        try:
            if opts["action"] == "add-rule":
                self._add_rule(survey, opts)
            else:
                self._feedback_code(survey, opts)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in
                                         exc.message_dict.items())) from None  # fmt: skip

    def _unit(self, code: str) -> Branch:
        unit = Branch.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"No unit {code}")
        return unit

    def _add_rule(self, survey: Survey, opts: dict[str, Any]) -> None:
        rule = actions.do_add_rule(
            SystemActor(), survey=survey, unit=self._unit(opts["unit"]),
            trigger=opts["trigger"], channel=opts["channel"], sample_percent=opts["sample"],
            daily_quota=opts["quota"],
            transaction_kinds=[k.strip() for k in opts["kinds"].split(",") if k.strip()],
        )  # fmt: skip
        self.stdout.write(f"rule {rule.uuid}: {rule}")

    def _feedback_code(self, survey: Survey, opts: dict[str, Any]) -> None:
        lobby = actions.do_issue_feedback_code(
            SystemActor(), survey=survey, outlet=self._unit(opts["outlet"])
        )
        url = actions.lobby_url(lobby)
        path = (
            opts["svg"] or Path(settings.DATA_DIR) / "qr" / f"{lobby.outlet.code}-{survey.code}.svg"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actions.qr_svg(url), encoding="utf-8")
        self.stdout.write(f"{url}\nQR code: {path}")
