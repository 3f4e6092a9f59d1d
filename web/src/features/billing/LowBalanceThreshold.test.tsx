import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

// The typed client takes fetch when it is created, so the stand-in API is installed first:
// billing's threshold, which a PUT changes as the service does (a negative amount is its 422,
// null the default of 10 % of the last top-up, here 0.50). `sent` keeps the PUTs' bodies.
const api = vi.hoisted(() => {
  const initial = { threshold: "0.50", custom: false, below: false, currency: "EUR" };
  const state = { low: { ...initial }, balance: 3, sent: [] as unknown[] };
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "Content-Type": `application/${status < 400 ? "" : "problem+"}json` },
    });
  globalThis.fetch = async (input: RequestInfo | URL) => {
    const request = input as Request;
    if (request.method !== "PUT") return json(200, state.low);
    const { amount } = (await request.json()) as { amount: string | null };
    state.sent.push(amount);
    if (amount !== null && Number(amount) < 0)
      return json(422, {
        status: 422,
        code: "validation_error",
        title: "Unprocessable Entity",
        detail: "body.amount: Input should be greater than or equal to 0",
        errors: [
          {
            location: ["body", "amount"],
            message: "Input should be greater than or equal to 0",
            type: "greater_than_equal",
          },
        ],
      });
    const threshold = amount === null ? initial.threshold : Number(amount).toFixed(2);
    state.low = {
      threshold,
      custom: amount !== null,
      below: state.balance < Number(threshold),
      currency: "EUR",
    };
    return json(200, state.low);
  };
  return state;
});

import { LowBalanceThreshold } from "./LowBalanceThreshold";

function renderForm() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <LowBalanceThreshold />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe("the low-balance threshold form", () => {
  it("shows the threshold in force, the API's refusal at the field, then the one saved", async () => {
    const user = userEvent.setup();
    renderForm();
    expect(await screen.findByTestId("low-balance-threshold")).toHaveTextContent(/0\.50.*default/);
    const field = screen.getByRole("textbox", { name: /warn when the balance is below/i });

    await user.type(field, "-1");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByText("Input should be greater than or equal to 0")).toBeVisible();
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveAccessibleDescription(/greater than or equal to 0/);

    await user.clear(field);
    await user.type(field, "20");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Threshold saved");
    expect(screen.getByTestId("low-balance-threshold")).toHaveTextContent(/20\.00.*your own/);
    expect(field).not.toHaveAttribute("aria-invalid", "true");
    expect(api.sent).toEqual(["-1", "20"]);

    // Back to the default: the API is sent null, not an empty amount.
    await user.click(screen.getByRole("button", { name: "Use the default" }));
    expect(await screen.findByText(/0\.50.*default/)).toBeInTheDocument();
    expect(api.sent).toEqual(["-1", "20", null]);
  });
});
