"""The error every input check raises: it names the file, the field (or line and column) and what is allowed."""

from __future__ import annotations


class ScenarioError(ValueError):
    """An input that cannot be used: names the file, the field and what is allowed.

    The command line prints it without a traceback and exits 2. Scenario, experiment, calibration and
    region-bundle files all raise it (bundles through its subclass ``BundleError``)."""

    def __init__(self, source: str, field_name: str, message: str):
        self.source = source
        self.field = field_name
        self.message = message
        super().__init__(f"{source}: {field_name}: {message}")
