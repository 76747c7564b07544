"""The one error of automation's rules, naming where the rule broke."""

from __future__ import annotations

from collections.abc import Collection, Iterable


class RuleError(ValueError):
    """A configuration or input that breaks a rule; `path` names where (e.g. `actions.1.value`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


def refuse_unknown(keys: Iterable[str], allowed: Collection[str], where: str) -> None:
    """A configuration entry may hold only `allowed` keys: the first other one, named."""
    unknown = sorted(set(keys) - set(allowed))
    if unknown:
        raise RuleError(f"{where}.{unknown[0]}", "unknown setting")
