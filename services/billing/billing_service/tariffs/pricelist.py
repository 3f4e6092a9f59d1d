"""Price lists as operators send them, JSON or CSV, checked line by line into
prefix -> ten-thousandths per part."""

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from billing_service.ledger.money import to_units
from shared.errors import ProblemError

MAX_PRICES = 100_000
_PREFIX = re.compile(r"^\+?([0-9]{1,15})$")
_HEADER = ["prefix", "price_per_part"]


class InvalidPriceList(ProblemError):
    def __init__(self, errors: list[dict[str, object]]) -> None:
        shown = "; ".join(f"line {e['line']}: {e['error']}" for e in errors[:10])
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        super().__init__(
            422,
            "invalid_price_list",
            "Invalid price list",
            f"{shown}{more}",
            errors=errors[:100],
        )


def _price_error(text: str) -> tuple[int | None, str | None]:
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        return None, f"price {text!r} is not a decimal number"
    if not amount.is_finite() or amount < 0:
        return None, f"price {text!r} is negative or not a number"
    try:
        return to_units(amount), None
    except ValueError:
        # The ledger keeps ten-thousandths: a finer price could not be charged exactly.
        return None, f"price {text!r} has more than 4 fraction digits"


def parse_rows(rows: Iterable[tuple[int, str, str]]) -> dict[str, int]:
    """(line number, prefix, price) rows into prices, or InvalidPriceList naming every bad
    line: nothing is stored from a list with any."""
    prices: dict[str, int] = {}
    errors: list[dict[str, object]] = []
    for line, prefix_text, price_text in rows:
        match = _PREFIX.match(prefix_text.strip())
        units, price_error = _price_error(price_text)
        if match is None:
            errors.append({"line": line, "error": f"prefix {prefix_text!r} is not 1-15 digits"})
        elif match.group(1) in prices:
            errors.append({"line": line, "error": f"prefix {match.group(1)} is listed twice"})
        elif price_error is not None:
            errors.append({"line": line, "error": price_error})
        elif units is not None:
            prices[match.group(1)] = units
    if not errors and not prices:
        errors.append({"line": 1, "error": "the price list has no prices"})
    if len(prices) > MAX_PRICES:
        errors.append({"line": 1, "error": f"more than {MAX_PRICES} prices"})
    if errors:
        raise InvalidPriceList(errors)
    return prices


def parse_csv(body: bytes) -> dict[str, int]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidPriceList([{"line": 1, "error": "the body is not UTF-8"}]) from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [cell.strip().lower() for cell in header] != _HEADER:
        raise InvalidPriceList([{"line": 1, "error": "the header must be prefix,price_per_part"}])
    rows: list[tuple[int, str, str]] = []
    bad: list[dict[str, object]] = []
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != 2:
            bad.append({"line": line, "error": f"{len(cells)} fields, expected 2"})
            continue
        rows.append((line, cells[0], cells[1]))
    try:
        prices = parse_rows(rows) if rows or not bad else {}
    except InvalidPriceList as exc:
        errors = bad + list(exc.extensions["errors"])
        raise InvalidPriceList(sorted(errors, key=lambda e: int(str(e["line"])))) from None
    if bad:
        raise InvalidPriceList(bad)
    return prices
