"""Running a command as someone file permissions bind, even when the tests run as root."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def run_unprivileged(command: list[str]) -> subprocess.CompletedProcess:
    """Run ``command`` with root's permission-bypassing capabilities dropped.

    As root, permissions are bypassed (CAP_DAC_OVERRIDE), so the child drops those
    capabilities with setpriv while keeping uid 0 (the venv lives under /root).
    """
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: root bypasses file permissions")
        drop = "-dac_override,-dac_read_search,-fowner"
        command = [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and "setpriv" in result.stderr:
        pytest.skip(f"cannot drop root's file capabilities here: {result.stderr.strip()}")
    return result
