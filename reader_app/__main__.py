import multiprocessing
import sys

from reader_app.cli.main import main

if __name__ == "__main__":
    # Model downloads run in a spawned child process; a PyInstaller build needs this to start it.
    multiprocessing.freeze_support()
    sys.exit(main())
