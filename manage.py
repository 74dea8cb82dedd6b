#!/usr/bin/env python
"""Django's command-line utility; `nmirf` (nmirf/cli.py) is the same with defaults."""

from nmirf.cli import main

if __name__ == "__main__":
    main()
