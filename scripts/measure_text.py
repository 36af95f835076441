#!/usr/bin/env python3
"""Measure the text-widget reader (``intake.ocr.text``) on generated pages.

A thin command line: the code is ``intake.training.measure_text``.
"""

import sys

from intake.training.measure_text import main

if __name__ == "__main__":
    sys.exit(main())
