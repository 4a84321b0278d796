"""The readiness review: run the readiness scenarios, judge them, write the reports."""
