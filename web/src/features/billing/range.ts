/** The API's time windows are [from, to) instants in UTC; people pick whole days, the last
 * one included. These turn picked days (YYYY-MM-DD, empty when not picked) into that window. */
export function dayRange(from: string, to: string): { from?: string; to?: string } {
  const range: { from?: string; to?: string } = {};
  if (from) range.from = `${from}T00:00:00Z`;
  if (to) {
    const next = new Date(`${to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    range.to = next.toISOString();
  }
  return range;
}

/** A file name for a download covering the picked days, e.g. usage-day-2026-05-01-2026-05-31.csv */
export function rangeFileName(stem: string, from: string, to: string, extension: string): string {
  const parts = [stem, from || "start", to || "now"].filter(Boolean);
  return `${parts.join("-")}.${extension}`;
}

/** Amounts arrive as decimal strings; shown in the reader's locale with the currency. */
export function money(amount: string, currency: string, language: string): string {
  const value = Number(amount);
  if (!Number.isFinite(value)) return `${amount} ${currency}`;
  try {
    return new Intl.NumberFormat(language, {
      style: "currency",
      currency,
      maximumFractionDigits: 4,
    }).format(value);
  } catch {
    // An unknown currency code: Intl refuses it, the plain figure still reads.
    return `${amount} ${currency}`;
  }
}
