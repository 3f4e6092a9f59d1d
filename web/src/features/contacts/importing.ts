/** What the import screen works out in the browser before and while uploading. */

export const CONTACT_FIELDS = [
  "phone",
  "name",
  "email",
  "country",
  "address",
  "birth_date",
  "tags",
] as const;

export interface CsvShape {
  headers: string[];
  /** Data records after the header, empty lines not counted (as Python's csv reader does). */
  rows: number;
}

/** The header and the number of records of a CSV the way the contacts service reads it:
 * UTF-8 with an optional BOM, comma-separated, RFC 4180 quoting (a quoted field may hold
 * commas, doubled quotes and line breaks). */
export function readCsv(text: string): CsvShape {
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(field);
    if (record.length > 1 || record[0] !== "") records.push(record);
    record = [];
    field = "";
  };
  while (i < source.length) {
    const char = source[i];
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      record.push(field);
      field = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && source[i + 1] === "\n") i += 1;
      endRecord();
    } else field += char;
    i += 1;
  }
  if (field !== "" || record.length > 0) endRecord();
  const [headers = [], ...data] = records;
  return { headers, rows: data.length };
}

// Header names people use, lower-cased without spaces, dashes or underscores.
const SYNONYMS: Record<string, (typeof CONTACT_FIELDS)[number]> = {
  phone: "phone",
  phonenumber: "phone",
  mobile: "phone",
  msisdn: "phone",
  number: "phone",
  телефон: "phone",
  name: "name",
  fullname: "name",
  имя: "name",
  фио: "name",
  email: "email",
  mail: "email",
  почта: "email",
  country: "country",
  страна: "country",
  address: "address",
  адрес: "address",
  birthdate: "birth_date",
  birthday: "birth_date",
  датарождения: "birth_date",
  tags: "tags",
  tag: "tags",
  теги: "tags",
};

const normalise = (header: string) =>
  header
    .trim()
    .toLowerCase()
    .replace(/[\s_\-.]/g, "");

/** A first guess at which contact field each column holds ("" = not imported); each field is
 * taken once, by its first column, since the service refuses two columns on one field. */
export function guessMapping(headers: string[], customKeys: string[]): Record<string, string> {
  const taken = new Set<string>();
  const mapping: Record<string, string> = {};
  for (const header of headers) {
    const key = normalise(header);
    const custom = customKeys.find((k) => normalise(k) === key);
    const target = SYNONYMS[key] ?? (custom ? `custom.${custom}` : "");
    mapping[header] = target && !taken.has(target) ? target : "";
    if (target) taken.add(target);
  }
  return mapping;
}

/** The mapping as the API takes it: only the columns that go somewhere. */
export function mappingToSend(mapping: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(mapping).filter(([, target]) => target !== ""));
}

/** Percent done, or null when the total is unknown (an XLSX: the browser does not read it). */
export function importPercent(
  job: { state: string; rows_read: number },
  totalRows: number | null,
): number | null {
  if (job.state === "done") return 100;
  if (!totalRows) return null;
  return Math.min(100, Math.round((job.rows_read / totalRows) * 100));
}

export const finished = (state: string) => state === "done" || state === "failed";
