#!/usr/bin/env python3
"""Django's manage.py; `branchcx` (installed into .venv/bin) is the same command."""

from branchcx.cli import main

if __name__ == "__main__":
    main()
