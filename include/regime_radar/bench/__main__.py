"""`python -m regime_radar.bench`: the same as `regime-radar bench`."""

import sys

from regime_radar.bench.harness import main

sys.exit(main())
