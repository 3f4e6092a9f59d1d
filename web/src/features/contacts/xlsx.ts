import type { CsvShape } from "./importing";

type Cell = string | number | boolean | Date | null | unknown;

/** A header cell as the contacts service reads it (openpyxl, then `_cell`): dates as ISO
 * days, whole numbers without ".0", surrounding spaces trimmed. */
function headerText(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (cell instanceof Date) return cell.toISOString().slice(0, 10);
  if (typeof cell === "boolean") return cell ? "True" : "False";
  return String(cell).trim();
}

/** The header row and the number of data rows of an XLSX's first sheet, the one the service
 * imports. The parser is loaded only when an XLSX is chosen: it stays out of the main chunk. */
export async function readXlsx(file: Blob | ArrayBuffer): Promise<CsvShape> {
  const { readSheet } = await import("read-excel-file/browser");
  // Duck-typed: an ArrayBuffer from another realm (a test's) fails `instanceof`.
  const buffer = "arrayBuffer" in file ? await file.arrayBuffer() : file;
  const [header = [], ...data] = await readSheet(buffer, 1, { trim: false });
  const headers = header.map(headerText);
  // Trailing empty header cells are no columns; empty ones in between keep their place.
  while (headers.length > 0 && headers[headers.length - 1] === "") headers.pop();
  const rows = data.filter((row) => row.some((cell) => cell !== null && cell !== "")).length;
  return { headers, rows };
}
