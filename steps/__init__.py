"""The step library: Gherkin phrasings for identity lifecycles, as a pytest plugin."""
