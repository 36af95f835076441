#!/usr/bin/env python3
"""Measure constraint decoding of personnummer on simulated OCR noise.

A thin command line: the code is ``intake.training.measure_interpret``.
"""

import sys

from intake.training.measure_interpret import main

if __name__ == "__main__":
    sys.exit(main())
