"""Domain errors of the seed importer (kept free of Django so the parser stays reusable)."""


class SeedError(ValueError):
    """The input cannot be turned into a document; ``message`` is one line, fit for users."""

    def __init__(self, message: str) -> None:
        # One line only: the management command prints it as-is after "CommandError:".
        self.message = " ".join(message.split())
        super().__init__(self.message)
