#!/usr/bin/env python3
"""Learn the tick and signature thresholds from generated pages, and measure them.

A thin command line: the code is ``intake.training.calibrate_ticks``.
"""

import sys

from intake.training.calibrate_ticks import main

if __name__ == "__main__":
    sys.exit(main())
