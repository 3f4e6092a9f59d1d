import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

// The typed client takes fetch when it is created, so the stand-in API is installed first:
// the account's exports as the API lists them, one more after each request.
// `slow` holds a list's answer until the next export is requested, read as it was when asked.
const api = vi.hoisted(() => {
  const items: Record<string, unknown>[] = [];
  const state = { slow: false, requested: () => {} };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json" },
    });
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const request = input as Request;
    if (request.method === "GET") {
      const listed = [...items];
      if (state.slow) await new Promise<void>((resolve) => (state.requested = resolve));
      return json(200, { items: listed, next_cursor: null });
    }
    const body = await request.json();
    const created = {
      id: `e${items.length + 1}`,
      scope: "phone",
      phone: body.phone,
      contact_id: null,
      state: "ready",
      rows: 3,
      error: null,
      created_at: "2026-12-01T10:00:00Z",
      finished_at: "2026-12-01T10:00:01Z",
      expires_at: "2026-12-08T10:00:01Z",
    };
    items.unshift(created);
    setTimeout(() => state.requested(), 0);
    return json(202, created);
  };
  return { items, state };
});

import { Exports } from "./Exports";

function renderScreen() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <Exports />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe("privacy exports", () => {
  it("lists the account's exports from the API, the one just requested included", async () => {
    api.items.push({
      id: "e0",
      scope: "phone",
      phone: "+447700900001",
      contact_id: null,
      state: "expired",
      rows: 0,
      error: null,
      created_at: "2026-11-01T10:00:00Z",
      finished_at: "2026-11-01T10:00:01Z",
      expires_at: "2026-11-08T10:00:01Z",
    });
    const user = userEvent.setup();
    renderScreen();
    // Requested before, from wherever: this browser never saw it.
    expect(await screen.findByText("+447700900001")).toBeInTheDocument();

    await user.type(screen.getByRole("textbox", { name: /phone number/i }), "+447700900123");
    await user.click(screen.getByRole("button", { name: /request export/i }));

    expect(await screen.findByText("+447700900123")).toBeInTheDocument();
    expect(screen.getAllByTestId("privacy-export").map((card) => card.dataset.state)).toEqual([
      "ready",
      "expired",
    ]);
  });

  it("shows a request made while the list was still loading", async () => {
    api.items.splice(0, api.items.length);
    api.state.slow = true;
    const user = userEvent.setup();
    renderScreen();

    await user.type(screen.getByRole("textbox", { name: /phone number/i }), "+447700900456");
    await user.click(screen.getByRole("button", { name: /request export/i }));
    api.state.slow = false;

    // The first answer, read before the request was stored, is not the last word.
    expect(await screen.findByText("+447700900456")).toBeInTheDocument();
  });
});
