"""SUS intake: turns the SUS paper forms (FK 9443, 9448, 9449) into checked records."""

from __future__ import annotations

__version__ = "0.1.0"
