"""Settings for the whole suite.

Hypothesis times each example and warns when generating inputs is slow; on a
shared or loaded machine both are about the machine, not about autonn, so the
suite turns them off (the properties themselves are checked in full).
"""

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is in the test extra; without it the property tests are skipped
    pass
else:
    settings.register_profile("autonn", deadline=None,
                              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    settings.load_profile("autonn")
