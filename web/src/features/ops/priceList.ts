/** One line of a price list as the tariff API takes it. */
export interface PriceLine {
  prefix: string;
  price_per_part: string;
}

export const CSV_HEADER = "prefix,price_per_part";

/** The form's rows as the CSV the API also takes, header first; blank rows are left out. */
export function toCsv(rows: PriceLine[]): string {
  const lines = rows
    .map((row) => ({ prefix: row.prefix.trim(), price: row.price_per_part.trim() }))
    .filter((row) => row.prefix || row.price)
    .map((row) => `${row.prefix},${row.price}`);
  return [CSV_HEADER, ...lines].join("\n");
}

/** A CSV's data rows, for the preview and the count shown before it is sent: the header row
 * is skipped when it is one, blank lines ignored. The server validates every line itself and
 * names the bad ones (`invalid_price_list`). */
export function readCsv(text: string): PriceLine[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  if (lines[0]?.replace(/\s/g, "").toLowerCase() === CSV_HEADER) lines.shift();
  return lines.map((line) => {
    const [prefix = "", price_per_part = ""] = line.split(/[,;]/).map((cell) => cell.trim());
    return { prefix, price_per_part };
  });
}

/** The CSV to send: the header the API requires is added when the file has none. */
export function withHeader(text: string): string {
  const first = text.trimStart().split(/\r?\n/, 1)[0] ?? "";
  return first.replace(/\s/g, "").toLowerCase() === CSV_HEADER ? text : `${CSV_HEADER}\n${text}`;
}
