"""Text taken out of a document that has no lines of its own (a Word document's paragraphs, a PDF's pages),
with where each part starts, so that an error found in the text names the part a reader can find."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from ..errors import ParseError


@dataclass(frozen=True)
class ExtractedText:
    text: str
    part_starts: tuple[int, ...]
    """The line (1-based) of `text` each part starts on, in order."""
    part: str
    """What a part is called: "paragraph", "page"."""

    def part_at(self, line: int) -> int:
        return max(1, bisect_right(self.part_starts, line))

    def locate(self, error: ParseError) -> ParseError:
        """The same error, placed by part instead of by line of the extracted text."""
        if error.line is None:
            return error
        where = f"{self.part} {self.part_at(error.line)}"
        return ParseError(error.path, None, f"{where}: {error.problem}", error.hint)
