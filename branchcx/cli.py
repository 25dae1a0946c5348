"""``branchcx``: the command line. Wraps ``manage.py``, so every Django command works too.

Hyphenated names are accepted for our commands (``rotate-keys`` runs ``rotate_keys``).
``genkeys`` runs before Django starts, because it is what you need when secrets are missing.
"""

from __future__ import annotations

import os
import sys


def _genkeys() -> None:
    from branchcx.lib.secrets import new_key, new_secret_key

    print(f"BRANCHCX_SECRET_KEY={new_secret_key()}")
    print(f"BRANCHCX_ENCRYPTION_KEYS=k1:{new_key()}")
    print(f"BRANCHCX_BLIND_INDEX_KEY={new_key()}")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    args[0] = "branchcx"
    if len(args) > 1 and args[1] == "genkeys":
        _genkeys()
        return
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "branchcx.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
