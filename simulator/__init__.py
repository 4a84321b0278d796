"""The mobile identity harness: simulated apps, a mock workspace, and the judge.

The package holds the world a scenario runs in: the app's backend (the truth), the
platform SDKs, the workspace with its routing and guard rules, the oracle that
compares them, the reports and the `identity-harness` command.
"""

__version__ = "0.1.0"
