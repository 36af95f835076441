#!/usr/bin/env python3
"""Learn when a free-text read the engine is sure of is still wrong, and measure it.

A thin command line: the code is ``intake.training.calibrate_text``.
"""

import sys

from intake.training.calibrate_text import main

if __name__ == "__main__":
    sys.exit(main())
