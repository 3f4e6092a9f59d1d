import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

// The typed client takes fetch when it is created, so the stand-in API is installed first.
// An account that moved from a dollar company to a euro one: each transaction keeps the
// currency it moved in, and the statement must say which.
vi.hoisted(() => {
  const page = {
    items: [
      {
        id: "00000000-0000-4000-8000-000000000002",
        kind: "top_up",
        amount: "10.00",
        currency: "EUR",
        message_id: null,
        created_at: "2026-12-02T10:00:00Z",
      },
      {
        id: "00000000-0000-4000-8000-000000000001",
        kind: "charge",
        amount: "-0.08",
        currency: "USD",
        message_id: "00000000-0000-4000-8000-00000000000a",
        parts: 2,
        country: "US",
        created_at: "2026-12-01T10:00:00Z",
      },
    ],
    next_cursor: null,
  };
  globalThis.fetch = async () =>
    new Response(JSON.stringify(page), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
});

import { Transactions } from "./Transactions";

describe("transactions", () => {
  it("shows each amount in the currency it moved in", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <MantineProvider>
        <QueryClientProvider client={client}>
          <Transactions />
        </QueryClientProvider>
      </MantineProvider>,
    );
    const rows = await screen.findAllByTestId("transaction-row");
    expect(rows).toHaveLength(2);
    expect(rows[0]?.textContent).toMatch(/€\s?10\.00|10\.00\s?€/);
    expect(rows[1]?.textContent).toMatch(/-\$0\.08|-0\.08\s?\$|\$-0\.08/);
  });
});
