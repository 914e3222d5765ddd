"""Reading an uploaded CSV file: bounded, UTF-8 with or without a BOM, comma or semicolon.

Excel writes "CSV UTF-8" with a BOM and CRLF line ends, and, where the decimal comma is used,
semicolons between fields; all of these read the same here. Nothing of the file is trusted:
its size, its number of rows and each cell's length are bounded before anything else sees it.
"""

import csv
import io
from dataclasses import dataclass

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
# The csv module's own bound on a cell (131,072 characters): far more than any column takes,
# so a long name is its row's error; a longer cell stops the file.
MAX_CELL = csv.field_size_limit()


class FileError(ValueError):
    """The file as a whole cannot be read; nothing in it was looked at further."""


@dataclass(frozen=True)
class Table:
    """The file's header (normalised names) and its data rows, each with its row number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]


def header_name(cell: str) -> str:
    """A column name as the layouts spell it: 'Account ID ' -> 'account_id'."""
    return "_".join(cell.strip().lower().replace("-", " ").split())


def decode(data: bytes) -> str:
    """The file's text: UTF-8, a BOM (Excel's "CSV UTF-8") dropped."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(
            f"The file is not UTF-8 text (byte {error.start + 1} is not): in Excel, save it "
            "as \"CSV UTF-8 (Comma delimited)\".") from None


def sniff_delimiter(text: str) -> str:
    """Semicolon when the header line has more semicolons than commas, else comma."""
    first = text.split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


def read_table(data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """The file's header and rows, or FileError saying why it cannot be read."""
    if len(data) > max_bytes:
        raise FileError(f"The file is {len(data) / 1024 / 1024:.1f} MB; an import takes at "
                        f"most {max_bytes // 1024 // 1024} MB. Split it into several files.")
    text = decode(data)
    if not text.strip():
        raise FileError("The file is empty: it needs a header line and at least one row.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text),
                        strict=False)
    try:
        header = [header_name(cell) for cell in next(reader)]
        rows = []
        # Numbered as a spreadsheet numbers them: the header is row 1.
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines Excel leaves at the end
            if len(rows) == max_rows:
                raise FileError(f"The file has more than {max_rows:,} rows; an import takes "
                                f"at most {max_rows:,}. Split it into several files.")
            rows.append((number, cells))
    except csv.Error as error:
        raise FileError(f"Line {reader.line_num} cannot be read as CSV ({error}); a cell "
                        f"holds at most {MAX_CELL:,} characters.") from None
    return Table(header=header, rows=rows)
