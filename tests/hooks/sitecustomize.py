"""The test harness's clock and login, for the test suite's and the benchmark's subprocesses.

The app takes the time from the clock and the user from the OS login, and nothing a user
can set changes that. Tests need both fixed, so their subprocesses run with this folder
on ``PYTHONPATH``: Python imports this module at start-up, and it installs the values of
``ASSURE_NOW``, ``ASSURE_TODAY`` and ``ASSURE_USER`` through the in-process hook in
:mod:`assure.models.dates`. Without this folder on the path those variables do nothing.
"""

import os

if any(os.environ.get(name) for name in ("ASSURE_NOW", "ASSURE_TODAY", "ASSURE_USER")):
    from assure.models import dates

    dates.install_test_override(lambda name: os.environ.get(f"ASSURE_{name.upper()}") or None)
