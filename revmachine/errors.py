"""The one exception type for errors a user can cause (bad file, bad option, missing data)."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix: what happened, where, and what to do.

    `where` names the file, sheet, row and column when they apply, so the page and the CLI
    can show them the same way.
    """

    def __init__(self, message: str, *, file: str | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None, hint: str | None = None):
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(self.render())

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file '{self.file}'")
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def render(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f" {self.hint}"
        return text
