import sys

from reader_app.cli.main import main

sys.exit(main())
