from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from branchcx.org.actions import do_create_token, do_revoke_token
from branchcx.org.models import ApiToken


class Command(BaseCommand):
    help = "Create, list or revoke a user's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="Create a token and print its secret once.")
        create.add_argument("username")
        create.add_argument("--name", required=True)
        create.add_argument("--days", type=int, default=None)
        listing = sub.add_parser("list", help="List a user's tokens.")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("uuid")

    def _user(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def handle(self, *args: Any, **opts: Any) -> None:
        verb = opts["verb"]
        if verb == "create":
            user = self._user(opts["username"])
            try:
                token, secret = do_create_token(user, name=opts["name"], days=opts["days"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(f"{token.uuid}  expires {token.expires_at:%Y-%m-%d}")
            self.stdout.write(secret)
        elif verb == "list":
            user = self._user(opts["username"])
            for t in ApiToken.objects.filter(user=user):
                state = "revoked" if t.revoked_at else ("active" if t.is_usable else "expired")
                self.stdout.write(
                    f"{t.uuid}  {t.prefix}…  {t.name}  {state}  expires {t.expires_at:%Y-%m-%d}"
                )
        else:
            found = ApiToken.objects.filter(uuid=opts["uuid"]).select_related("user").first()
            if found is None:
                raise CommandError("No such token.")
            do_revoke_token(found.user, found)
            self.stdout.write(f"Revoked {found.prefix}….")
