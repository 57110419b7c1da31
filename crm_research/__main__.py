import sys

from crm_research.cli import main

sys.exit(main())
