"""Suite-wide settings: Hypothesis profiles.

* ``ci`` (chosen when the environment variable ``CI`` is set; ``make test`` and ``.ci/run``
  set it): ``derandomize=True`` and no example database, so every run draws the same
  examples and a red CI run is red again on replay, never at random.
* ``dev`` (the default elsewhere): random exploration with the local example database
  (``.hypothesis/``, not committed), so local runs keep looking for new failures.  A failure
  found there is committed as an ``@example`` on the test (it then runs in CI too).

``HYPOTHESIS_PROFILE=ci|dev`` overrides the choice.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# both from Hypothesis' defaults (Hypothesis loads its own "ci" profile when it sees CI set);
# no timing checks in either (a loaded machine is slow, not wrong): no deadline, no
# too_slow health check
_DEFAULT = settings.get_profile("default")
_UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile(
    "ci", parent=_DEFAULT, derandomize=True, database=None, print_blob=True, **_UNTIMED
)
settings.register_profile("dev", parent=_DEFAULT, print_blob=True, **_UNTIMED)


def hypothesis_profile(environ: os._Environ[str] | dict[str, str] = os.environ) -> str:
    """The profile for an environment: ``HYPOTHESIS_PROFILE``, else ``ci`` when ``CI`` is set."""
    chosen = environ.get("HYPOTHESIS_PROFILE", "")
    if chosen:
        return chosen
    return "ci" if environ.get("CI", "").strip().lower() not in ("", "0", "false", "no") else "dev"


settings.load_profile(hypothesis_profile())
