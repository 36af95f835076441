#!/usr/bin/env python3
"""Train the hand-printed digit classifier (``intake/learned/data/digits.npz``).

A thin command line: the code is ``intake.training.digits`` (``train`` is implied).
"""

import sys

from intake.training.digits import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
