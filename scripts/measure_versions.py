#!/usr/bin/env python3
"""Measure choosing a form's version by its footer (issue 17).

A thin command line: the code is ``intake.training.measure_versions``.
"""

import sys

from intake.training.measure_versions import main

if __name__ == "__main__":
    sys.exit(main())
