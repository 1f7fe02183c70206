from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"

# Hypothesis profiles.  Every profile is deterministic except "fuzz", and none
# has a deadline: the suite never times anything (a slow CI machine must not
# fail a test).  Choose one with HYPOTHESIS_PROFILE=ci|dev|fuzz.
from hypothesis import HealthCheck, settings  # noqa: E402

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("dev", max_examples=100, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_QUIET)
settings.register_profile("ci", max_examples=300, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_QUIET, print_blob=True)
settings.register_profile("fuzz", max_examples=20_000, deadline=None, derandomize=False,
                          suppress_health_check=_QUIET, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
