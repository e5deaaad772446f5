import sys

from psychometrics.cli import main

sys.exit(main())
