#!/usr/bin/env python3
"""Measure page classification and registration (intake.ocr.align) on generated scans.

A thin command line: the code is ``intake.training.measure_align``.
"""

import sys

from intake.training.measure_align import main

if __name__ == "__main__":
    sys.exit(main())
