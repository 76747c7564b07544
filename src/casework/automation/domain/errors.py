"""The one error of automation's rules, naming where the rule broke."""

from __future__ import annotations


class RuleError(ValueError):
    """A configuration or input that breaks a rule; `path` names where (e.g. `actions.1.value`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message
