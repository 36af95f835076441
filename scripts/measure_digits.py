#!/usr/bin/env python3
"""Measure the digit classifier (``intake.ocr.digits``) against and with Tesseract.

A thin command line: the code is ``intake.training.measure_digits``.
"""

import sys

from intake.training.measure_digits import main

if __name__ == "__main__":
    sys.exit(main())
