"""Former home of the CFA, kept so that ``psychometrics.factor.confirmatory`` still works.

The engine lives in :mod:`psychometrics.structural`; this module *is*
:mod:`psychometrics.structural.engine` (the same module object), so code that reaches into
it, or patches it in tests, sees the engine itself.
"""

from __future__ import annotations

import sys

from psychometrics.structural import engine as _engine

sys.modules[__name__] = _engine
