"""``python -m gancore``: the same command line as the ``gancore`` script."""

from .cli import main

raise SystemExit(main())
