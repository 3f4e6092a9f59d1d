/** A `datetime-local` input's value ("2026-12-02T10:30", the browser's local time) as RFC 3339
 * with the local offset, which the API requires; "" stays null (no time chosen). */
export function toOffsetTime(local: string, offsetMinutes?: number): string | null {
  if (!local) return null;
  const [date = "", time = "00:00"] = local.split("T");
  const [year, month, day] = date.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const at = new Date(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0);
  // getTimezoneOffset is minutes *behind* UTC: Moscow gives -180 for +03:00.
  const offset = offsetMinutes ?? -at.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, "0");
  return `${date}T${pad(hour ?? 0)}:${pad(minute ?? 0)}:00${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}
