#!/usr/bin/env python3
"""Measure reading with learned templates (issue 17, part 3).

A thin command line: the code is ``intake.training.measure_templates``.
"""

import sys

from intake.training.measure_templates import main

if __name__ == "__main__":
    sys.exit(main())
