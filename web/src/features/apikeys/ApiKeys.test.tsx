import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

// The typed client takes fetch when it is created, so the stand-in API is installed first.
const calls = vi.hoisted(() => {
  const log: { method: string; path: string; body: unknown }[] = [];
  const keys: Record<string, unknown>[] = [];
  const json = (status: number, body: unknown) =>
    new Response(body === null ? null : JSON.stringify(body), {
      status,
      headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json" },
    });
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const request = input as Request;
    const path = new URL(request.url).pathname;
    const body = request.method === "POST" ? await request.json() : undefined;
    log.push({ method: request.method, path, body });
    if (request.method === "GET") return json(200, { items: keys });
    if (request.method === "DELETE") {
      keys.splice(0, keys.length);
      return new Response(null, { status: 204 });
    }
    if (request.method === "POST" && body.name === "taken")
      return json(422, {
        status: 422,
        code: "validation_error",
        title: "Invalid input",
        detail: "The request does not fit the schema",
        errors: [{ location: ["body", "name"], message: "name in use", type: "value_error" }],
      });
    const key = {
      id: "k1",
      name: body.name,
      prefix: "sk_live_ab",
      scopes: body.scopes,
      created_at: "2026-01-01T00:00:00Z",
      last_used_at: null,
    };
    keys.push(key);
    return json(201, { ...key, secret: "sk_live_abSECRET" });
  };
  return log;
});

import { ApiKeys } from "./ApiKeys";

function renderScreen() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <ApiKeys />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe("API keys", () => {
  it("shows a refused name next to its field, then the secret once after creating", async () => {
    const user = userEvent.setup();
    renderScreen();
    expect(await screen.findByText("No API keys yet")).toBeInTheDocument();

    await user.type(screen.getByLabelText(/^Name/), "taken");
    await user.click(screen.getByRole("button", { name: "Create key" }));
    expect(await screen.findByText("name in use")).toBeInTheDocument();

    await user.clear(screen.getByLabelText(/^Name/));
    await user.type(screen.getByLabelText(/^Name/), "CRM");
    await user.click(screen.getByLabelText("read billing"));
    await user.click(screen.getByRole("button", { name: "Create key" }));

    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByTestId("api-key-secret")).toHaveTextContent("sk_live_abSECRET");
    expect(calls.at(-2)?.body).toEqual({
      name: "CRM",
      scopes: ["messages:send", "messages:read", "billing:read"],
    });
    await user.click(within(dialog).getByRole("button", { name: "I have saved it" }));
    expect(await screen.findByTestId("api-key-row")).toHaveTextContent("CRM");
    expect(screen.queryByText("sk_live_abSECRET")).not.toBeInTheDocument();
  });

  it("revokes a key after asking, the API's empty 204 counting as done", async () => {
    const user = userEvent.setup();
    renderScreen();
    const row = await screen.findByTestId("api-key-row");
    await user.click(within(row).getByRole("button", { name: "Revoke" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("Revoke the key “CRM”?");
    await user.click(within(dialog).getByRole("button", { name: "Revoke" }));
    expect(await screen.findByText("No API keys yet")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    expect(calls.at(-2)).toMatchObject({ method: "DELETE", path: "/v1/api-keys/k1" });
  });
});
