"""Data-quality gates: the Great Expectations suites in expectations/, run on batches and views.

Import from the submodules (gates, quarantine, docs); Great Expectations itself loads only
when a suite runs, because importing it takes seconds.
"""
