"""The exception tree: every error deportwatch raises on purpose derives from DeportwatchError."""

from __future__ import annotations

from dataclasses import dataclass


class DeportwatchError(Exception):
    """Base of all deportwatch errors."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem in a configuration file, located by file and line."""

    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        return f"{loc}: {self.where}: {self.message}" if self.where else f"{loc}: {self.message}"


class ConfigError(DeportwatchError):
    """The configuration is invalid; carries every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class StorageError(DeportwatchError):
    """The database could not be reached or refused a write."""


class ExtractionError(DeportwatchError):
    """A fetched page could not be turned into an article."""


class DeliveryError(DeportwatchError):
    """An alert could not be delivered to a channel."""
