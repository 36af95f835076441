"""Training and measuring: the code that makes the learned files of ``intake.learned``
(tick thresholds, the digit classifier, the free-text calibration) and measures the
reader on generated corpora. It uses the sample generator (``intake.samples``); the
runtime (pipeline, readers, the service) never imports it. Each module is a command:
``.venv/bin/python -m intake.training.<module>``, or its thin wrapper in ``scripts/``.
"""
