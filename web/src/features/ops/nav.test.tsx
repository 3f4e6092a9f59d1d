import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import { Shell } from "../../App";
import { session } from "../../auth/session";

/** An unsigned token with these claims: the app only reads claims, the API verifies them. */
function token(claims: Record<string, unknown>): string {
  const part = (value: object) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${part({ alg: "none" })}.${part(claims)}.x`;
}

function renderShell(role: string, at: string) {
  session.start(token({ role, account_id: "a", sub: "u" }), "refresh", 900);
  return render(
    <MantineProvider>
      <MemoryRouter initialEntries={[at]}>
        <Routes>
          <Route element={<Shell />}>
            <Route path="*" element={<p>screen</p>} />
          </Route>
        </Routes>
      </MemoryRouter>
    </MantineProvider>,
  );
}

describe("the navigation", () => {
  afterEach(() => session.end());

  it("shows an operator the console only", () => {
    renderShell("ops", "/ops/senders");
    expect(screen.getByRole("link", { name: "Sender review" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "SMSC health" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Refunds" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Breach notices" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Send" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "API keys" })).not.toBeInTheDocument();
  });

  it("never shows a customer the console", () => {
    renderShell("owner", "/");
    expect(screen.getByRole("link", { name: "API keys" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Billing" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Sender review" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Accounts" })).not.toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "Refunds" })).not.toBeInTheDocument();
  });
});
