"""Run every tests/integration/test_*.py with unittest; end with the line
"integration: N passed, N failed"."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
pattern = os.environ.get("IT_PATTERN", "test_*.py")
suite = unittest.defaultTestLoader.discover(here, pattern=pattern, top_level_dir=here)
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
passed = result.testsRun - failed - len(result.skipped)
print("integration: %d passed, %d failed" % (passed, failed))
sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)
