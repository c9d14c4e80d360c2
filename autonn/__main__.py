"""``python -m autonn``: the same as the ``autonn`` command."""

import sys

from .cli import main

sys.exit(main())
