// The server's rule (dispatch templates/render.py): anything between double braces is a
// placeholder, and its name must be lower-case letters, digits and _, not starting with a digit.
const BRACED = /\{\{([\s\S]*?)\}\}/g;
const NAME = /^[a-z_][a-z0-9_]*$/;

export interface Placeholders {
  /** Distinct valid names, in order of first use. */
  names: string[];
  /** What sits between braces but is not a name: the server refuses these on save. */
  invalid: string[];
}

export function placeholdersOf(text: string): Placeholders {
  const names: string[] = [];
  const invalid: string[] = [];
  for (const match of text.matchAll(BRACED)) {
    const found = match[1] ?? "";
    const list = NAME.test(found) ? names : invalid;
    if (!list.includes(found)) list.push(found);
  }
  return { names, invalid };
}

/** The text as a recipient would read it; a placeholder without a sample value stays visible. */
export function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replace(BRACED, (whole, name: string) => {
    const value = values[name];
    return NAME.test(name) && value ? value : whole;
  });
}
