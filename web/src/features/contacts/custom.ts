import type { Schemas } from "../../api/client";

type Field = Schemas["FieldResponse"];
export type Inputs = Record<string, string | boolean>;
type Value = string | number | boolean | null;

/** A contact's stored custom values as form inputs: numbers as text, a missing value empty. */
export function toInputs(fields: Field[], custom: Record<string, unknown>): Inputs {
  return Object.fromEntries(
    fields.map((field) => {
      const value = custom[field.key];
      if (field.type === "boolean") return [field.key, value === true];
      return [field.key, value === undefined || value === null ? "" : String(value)];
    }),
  );
}

/** The form's inputs as the API takes them. The API merges custom values, so on an edit an
 * emptied input is sent as null (remove it); on creation empty inputs are left out. A number
 * that does not parse is sent as typed so that the API names the field in its 422. */
export function toValues(fields: Field[], inputs: Inputs, editing: boolean): Record<string, Value> {
  const values: Record<string, Value> = {};
  for (const field of fields) {
    const input = inputs[field.key];
    if (field.type === "boolean") {
      if (input !== undefined) values[field.key] = input === true;
      continue;
    }
    const text = typeof input === "string" ? input.trim() : "";
    if (text === "") {
      if (editing) values[field.key] = null;
      continue;
    }
    const number = Number(text);
    values[field.key] = field.type === "number" && Number.isFinite(number) ? number : text;
  }
  return values;
}
