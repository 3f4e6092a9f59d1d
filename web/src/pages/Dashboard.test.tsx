import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, waitFor, within } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it, vi } from "vitest";

// The typed client takes fetch when it is created, so the stand-in API is installed first:
// the balance and the low-balance threshold as billing answers them; `threshold: null`
// makes the threshold fail as a service that is down would.
const api = vi.hoisted(() => {
  const state = {
    balance: { balance: "9.95", credit_limit: "0.00", available: "9.95", currency: "EUR" },
    threshold: { threshold: "1.00", custom: false, below: false, currency: "EUR" } as Record<
      string,
      unknown
    > | null,
  };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": `application/${status < 400 ? "" : "problem+"}json` },
    });
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const path = new URL((input as Request).url).pathname;
    if (path === "/v1/billing/balance") return json(200, state.balance);
    if (path === "/v1/billing/low-balance-threshold" && state.threshold)
      return json(200, state.threshold);
    return json(503, { status: 503, code: "unavailable", title: "Service Unavailable" });
  };
  return state;
});

// The dashboard's other parts have their own requests and tests; here they stay out of the way.
vi.mock("../features/message-stats/MessageStats", () => ({ MessageStats: () => null }));
vi.mock("./Messages", () => ({ MessageTable: () => null }));
vi.mock("../features/account-state/AccountStateBanner", () => ({
  AccountStateBanner: () => null,
}));

import { Dashboard } from "./Dashboard";

/** The dashboard, once both the balance and the threshold have answered (or failed). */
async function renderDashboard() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <Dashboard />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
  await waitFor(() => expect(screen.getByTestId("balance")).toHaveTextContent(api.balance.balance));
  await waitFor(() =>
    expect(client.getQueryState(["low-balance-threshold"])?.status).not.toBe("pending"),
  );
  // What the settled query renders is committed before the absence of a warning is checked.
  await act(async () => {});
}

describe("the dashboard's low-balance warning", () => {
  it("warns with both amounts and a way to top up when the balance is below the threshold", async () => {
    api.balance = { balance: "1.50", credit_limit: "0.00", available: "1.50", currency: "EUR" };
    api.threshold = { threshold: "5.00", custom: true, below: true, currency: "EUR" };
    await renderDashboard();
    const warning = await screen.findByRole("alert");
    expect(warning).toHaveTextContent(/below your low-balance threshold/);
    expect(warning).toHaveTextContent(/1\.50/);
    expect(warning).toHaveTextContent(/5\.00/);
    expect(warning).toHaveTextContent(/€/);
    const topUp = within(warning).getByRole("link", { name: /top up/i });
    expect(topUp).toHaveAttribute("href", "/billing?tab=overview");
  });

  it("says nothing while the balance is at or above the threshold", async () => {
    api.balance = { balance: "9.95", credit_limit: "0.00", available: "9.95", currency: "EUR" };
    api.threshold = { threshold: "5.00", custom: true, below: false, currency: "EUR" };
    await renderDashboard();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("still shows the balance, without a warning, when the threshold fails to load", async () => {
    api.balance = { balance: "0.10", credit_limit: "0.00", available: "0.10", currency: "EUR" };
    api.threshold = null;
    await renderDashboard();
    expect(screen.getByTestId("balance")).toHaveTextContent("0.10");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
