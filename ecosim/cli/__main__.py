"""``python -m ecosim.cli``: the ``ecosim`` command."""

import sys

from ecosim.cli import main

sys.exit(main())
