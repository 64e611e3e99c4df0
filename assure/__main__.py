"""Allow ``python -m assure``."""

from assure.tui.cli import main

main()
