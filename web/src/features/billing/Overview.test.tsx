import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";

// The typed client takes fetch when it is created, so the stand-in API is installed first.
const api = vi.hoisted(() => {
  const state = {
    balance: { balance: "0.00", credit_limit: "0.00", available: "0.00", currency: "EUR" },
  };
  // The overview also shows the low-balance threshold: none set, nothing below it.
  const threshold = { threshold: "0.00", custom: false, below: false, currency: "EUR" };
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const path = new URL((input as Request).url).pathname;
    const body = path === "/v1/billing/low-balance-threshold" ? threshold : state.balance;
    return new Response(JSON.stringify(body), {
      status: 200,
      headers: { "Content-Type": "application/json" },
    });
  };
  return state;
});

import { Overview } from "./Overview";

function renderScreen() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <Overview />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe("billing overview", () => {
  it("shows a postpaid account's credit limit and what it can still spend", async () => {
    api.balance = { balance: "-0.20", credit_limit: "0.30", available: "0.10", currency: "EUR" };
    renderScreen();
    const credit = await screen.findByTestId("billing-credit");
    expect(credit.textContent).toMatch(/0\.30/);
    expect(credit.textContent).toMatch(/0\.10/);
    expect(screen.getByTestId("billing-balance").textContent).toMatch(/0\.20/);
  });

  it("says nothing of credit on a prepaid account", async () => {
    api.balance = { balance: "9.95", credit_limit: "0.00", available: "9.95", currency: "EUR" };
    renderScreen();
    expect((await screen.findByTestId("billing-balance")).textContent).not.toBe("");
    await screen.findByText(/9\.95/);
    expect(screen.queryByTestId("billing-credit")).toBeNull();
  });
});
