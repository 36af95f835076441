#!/usr/bin/env python3
"""Measure learning templates from scanned blanks (issue 17).

A thin command line: the code is ``intake.training.measure_learn``.
"""

import sys

from intake.training.measure_learn import main

if __name__ == "__main__":
    sys.exit(main())
