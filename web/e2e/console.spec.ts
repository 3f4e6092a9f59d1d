import {
  logIn,
  logOut,
  noCriticalViolations,
  PASSWORD,
  registerCustomer,
  screenshots,
} from "./account-helpers";
import { expect, test } from "./fixtures";
import { totp } from "./totp";

test("an API key: its secret shown once works, the key is listed, then revoked and refused", async ({
  page,
}) => {
  await registerCustomer(page, "keys").then((c) => logIn(page, c.email, PASSWORD));
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await page.getByRole("link", { name: "API keys" }).first().click();
  await expect(page.getByText("No API keys yet")).toBeVisible();
  await noCriticalViolations(page);

  await page.getByLabel("Name").fill("CRM integration");
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("api-key-secret").textContent())?.trim() ?? "";
  expect(secret).toMatch(/^sk_/);
  await page.getByRole("button", { name: "I have saved it" }).click();
  await expect(page.getByTestId("api-key-secret")).toHaveCount(0);
  const row = page.getByTestId("api-key-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("CRM integration");
  await noCriticalViolations(page);
  await screenshots(page, "api-keys");

  // Used as the customer's own systems would (the gateway learns new keys from auth's events).
  const asKey = { headers: { Authorization: `Bearer ${secret}` } };
  await expect
    .poll(async () => (await page.request.get("/v1/messages", asKey)).status(), {
      timeout: 30_000,
    })
    .toBe(200);

  await row.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("No API keys yet")).toBeVisible();
  await expect
    .poll(async () => (await page.request.get("/v1/messages", asKey)).status(), {
      timeout: 30_000,
    })
    .toBe(401);
});

test("billing, team and privacy screens show the account's own data", async ({ page }) => {
  const customer = await registerCustomer(page, "screens");
  await logIn(page, customer.email, PASSWORD);
  await page.getByRole("link", { name: "Billing" }).first().click();
  await expect(page.getByTestId("billing-balance")).toHaveText(/\d/);
  await noCriticalViolations(page);
  await screenshots(page, "billing");
  await page.getByRole("tab", { name: "Transactions" }).click();
  await expect(
    page.locator('[data-testid="transaction-row"][data-kind="starter_credit"]'),
  ).toHaveCount(1);
  await page.getByRole("tab", { name: "Usage" }).click();
  await expect(page.getByRole("button", { name: "Download CSV" })).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download CSV" }).click();
  expect((await download).suggestedFilename()).toMatch(/^usage-day-.*\.csv$/);

  await page.getByRole("link", { name: "Team & security" }).first().click();
  await expect(page.getByTestId("team-member-row")).toContainText(customer.email);
  await expect(page.getByTestId("two-factor-state")).toHaveText("off");
  await page.getByRole("button", { name: "Set up an authenticator app" }).click();
  await expect(page.getByRole("img", { name: "QR code for the authenticator app" })).toBeVisible();
  await expect(page.getByTestId("totp-secret")).toHaveText(/^[A-Z2-7]{16,}$/);
  await noCriticalViolations(page);
  await screenshots(page, "team");
  // Confirmed with the previous step's code (the drift allows it), so the current step's is
  // still unused for the login below: a code works once.
  const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
  await page.getByLabel("Code from the app").fill(totp(secret, -1));
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.getByTestId("two-factor-state")).toHaveText("on");
  await logOut(page);
  await logIn(page, customer.email, PASSWORD);
  await expect(page.getByRole("alert")).toContainText("otp_required");
  await page.getByLabel("Code from your authenticator app").fill(totp(secret));
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();

  // This browser's login and the test's own API login are live; the logged-out one is not.
  await page.getByRole("link", { name: "Team & security" }).first().click();
  const sessions = page.getByTestId("session-row");
  await expect(sessions).toHaveCount(2);
  await expect(page.locator('[data-testid="session-row"][data-current="true"]')).toContainText(
    "this device",
  );
  await noCriticalViolations(page);
  await screenshots(page, "sessions");
  await page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(page.getByText("1 other session ended")).toBeVisible();
  await expect(sessions).toHaveCount(1);
  await expect(sessions).toHaveAttribute("data-current", "true");

  await page.getByRole("link", { name: "Privacy" }).first().click();
  // The export's field comes first; the erasure's below it has the same label.
  await page
    .getByRole("textbox", { name: "Phone number", exact: true })
    .first()
    .fill("+447700900123");
  await page.getByRole("button", { name: "Request export" }).click();
  await expect(page.getByTestId("privacy-export")).toHaveAttribute("data-state", "ready", {
    timeout: 60_000,
  });
  await noCriticalViolations(page);
  await screenshots(page, "privacy");
  // Listed by the API, not remembered by this browser: still there with its storage cleared.
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await expect(page.getByTestId("privacy-export")).toContainText("+447700900123");
});

test("an operator approves a pending sender name, sees the SMSC links, and blocks an account whose users then read why", async ({
  page,
}) => {
  const operator = process.env.OPS_EMAIL;
  const operatorPassword = process.env.OPS_PASSWORD;
  test.skip(!operator || !operatorPassword, "tests/web makes the operator with auth's CLI");
  const customer = await registerCustomer(page, "sender");
  const name = `Web${Math.random().toString(36).slice(2, 8)}`;
  const requested = await page.request.post("/v1/senders", {
    headers: { Authorization: `Bearer ${customer.token}` },
    data: { name, kind: "alphanumeric", company: customer.company, purpose: "Order updates" },
  });
  expect(requested.status(), await requested.text()).toBe(201);

  await logIn(page, operator ?? "", operatorPassword ?? "");
  // An operator lands on the console, and sees no customer screen.
  await expect(page.getByRole("heading", { name: "Sender names to review" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Send", exact: true })).toHaveCount(0);
  const pending = page.getByTestId("ops-sender-row").filter({ hasText: name });
  await expect(pending).toContainText(customer.company);
  await noCriticalViolations(page);
  await screenshots(page, "ops-senders");
  await pending.getByRole("button", { name: "Approve" }).click();
  await expect(pending).toHaveCount(0);
  await page.getByText("approved", { exact: true }).first().click();
  await expect(page.getByTestId("ops-sender-row").filter({ hasText: name })).toContainText(
    "approved",
  );
  const senders = await page.request.get("/v1/senders", {
    headers: { Authorization: `Bearer ${customer.token}` },
  });
  const mine = (await senders.json()).items.find((s: { name: string }) => s.name === name);
  expect(mine.state).toBe("approved");

  await page.getByRole("link", { name: "SMSC health" }).click();
  await expect(page.getByTestId("smsc-connection").first()).toBeVisible();
  await noCriticalViolations(page);
  await screenshots(page, "ops-smsc");

  await page.getByRole("link", { name: "Accounts" }).click();
  await page.getByLabel("Search by id, company or e-mail").fill(customer.email);
  // Only this customer once the search has been answered (other tests' accounts before).
  await expect(page.getByTestId("ops-account-row")).toHaveCount(1);
  const account = page.getByTestId("ops-account-row").filter({ hasText: customer.company });
  await expect(account).toHaveCount(1);
  await account.getByRole("button", { name: "Block" }).click();
  await page.getByRole("dialog").getByLabel("Reason").fill("Phishing texts reported");
  await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
  await expect(account.locator("[data-state]")).toHaveAttribute("data-state", "blocked");
  await noCriticalViolations(page);
  await screenshots(page, "ops-accounts");
  await logOut(page);

  await logIn(page, customer.email, PASSWORD);
  await expect(page.getByTestId("account-state")).toContainText("Phishing texts reported");
});

test("an operator adds a content rule, sees the review queue, and deletes the rule", async ({
  page,
}) => {
  const operator = process.env.OPS_EMAIL;
  const operatorPassword = process.env.OPS_PASSWORD;
  test.skip(!operator || !operatorPassword, "tests/web makes the operator with auth's CLI");
  await logIn(page, operator ?? "", operatorPassword ?? "");
  await expect(page.getByRole("heading", { name: "Sender names to review" })).toBeVisible();
  // A random word, so no other test's text hits it.
  await page.getByRole("link", { name: "Content rules" }).click();
  const word = `zzword${Math.random().toString(36).slice(2, 8)}`;
  await page.getByLabel("Pattern").fill(word);
  await page.getByRole("button", { name: "Add rule" }).click();
  const rule = page.getByRole("row").filter({ hasText: word });
  await expect(rule).toHaveCount(1);
  await expect(page.getByText("Held for review (shortened links)")).toBeVisible();
  await noCriticalViolations(page);
  await screenshots(page, "ops-content");
  await rule.getByRole("button", { name: "Delete" }).click();
  await expect(rule).toHaveCount(0);
});

/** The account id in a customer's access token (the console addresses accounts by id). */
function accountOf(token: string): string {
  const claims = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(claims, "base64url").toString()).account_id;
}

/** A `datetime-local` value `hours` from now, in the browser's (and this process's) zone. */
function localTime(hours: number): string {
  const at = new Date(Date.now() + hours * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}`;
}

test("an operator posts a penalty, schedules a tariff version from a CSV, pays a closed account's refund and rejects another's", async ({
  page,
}) => {
  const operator = process.env.OPS_EMAIL;
  const operatorPassword = process.env.OPS_PASSWORD;
  test.skip(!operator || !operatorPassword, "tests/web makes the operator with auth's CLI");
  const customer = await registerCustomer(page, "refund");
  const accountId = accountOf(customer.token);
  await logIn(page, operator ?? "", operatorPassword ?? "");
  await expect(page.getByRole("heading", { name: "Sender names to review" })).toBeVisible();

  // A penalty comes off the starter credit, once per case.
  await page.getByRole("link", { name: "Penalties" }).click();
  const caseId = `case-${Date.now()}`;
  const fillPenalty = async () => {
    await page.getByLabel("Account id").fill(accountId);
    await page.getByLabel("Amount").fill("0.05");
    await page.getByLabel("Case id").fill(caseId);
    await page.getByLabel("Reason").fill("Spam complaints, case review");
    await page.getByRole("button", { name: "Post penalty" }).click();
  };
  await fillPenalty();
  await expect(page.getByTestId("ops-penalty-result")).toContainText("0.05");
  await noCriticalViolations(page);
  await screenshots(page, "ops-penalties");
  await fillPenalty();
  await expect(page.getByRole("alert")).toContainText("penalty_exists");

  // The account's own price plan, then prices scheduled a day ahead from a CSV file.
  await page.getByRole("link", { name: "Tariffs" }).click();
  const plan = `Plan ${Date.now()}`;
  await page.getByLabel("Name").fill(plan);
  await page.getByRole("textbox", { name: "Account" }).fill(accountId);
  await page.getByRole("button", { name: "Create tariff" }).click();
  const tariff = page.getByTestId("ops-tariff").filter({ hasText: plan });
  await expect(tariff).toHaveCount(1);
  await tariff.getByRole("button", { name: "Schedule a new version" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Effective from").fill(localTime(24));
  await dialog.locator('input[type="file"]').setInputFiles({
    name: "prices.csv",
    mimeType: "text/csv",
    buffer: Buffer.from("prefix,price_per_part\n44,0.0450\n49,0.0510\n"),
  });
  await expect(dialog.getByText("2 prefixes to price")).toBeVisible();
  await noCriticalViolations(page);
  await dialog.getByRole("button", { name: "Schedule a new version" }).click();
  await expect(dialog).toHaveCount(0);
  const version = tariff.locator('[data-testid="ops-tariff-version"][data-state="scheduled"]');
  await expect(version).toHaveCount(1);
  await version.getByRole("button", { name: "2 prefixes" }).click();
  await expect(page.getByTestId("ops-tariff-prices")).toContainText("0.051");
  await noCriticalViolations(page);
  await screenshots(page, "ops-tariffs");
  await page.keyboard.press("Escape");

  // The customer closes the account and gives the bank details the refund goes to.
  const asCustomer = { Authorization: `Bearer ${customer.token}` };
  const closed = await page.request.post("/v1/account/close", { headers: asCustomer });
  expect(closed.status(), await closed.text()).toBe(204);
  await expect
    .poll(
      async () =>
        (await page.request.get("/v1/billing/refund-request", { headers: asCustomer })).status(),
      {
        timeout: 30_000,
      },
    )
    .toBe(200);
  const details = await page.request.post("/v1/billing/refund-request/bank-details", {
    headers: asCustomer,
    data: { holder: "Refund Ltd", iban: "NL91 ABNA 0417 1643 00", bic: "ABNANL2A" },
  });
  expect(details.status(), await details.text()).toBe(200);

  await page.getByRole("link", { name: "Refunds" }).click();
  const refund = page.locator(`[data-testid="ops-refund-row"][data-account="${accountId}"]`);
  await expect(refund).toContainText("Refund Ltd");
  await expect(refund).toContainText("NL91");
  await noCriticalViolations(page);
  await screenshots(page, "ops-refunds");
  await refund.getByRole("button", { name: "Mark paid" }).click();
  await expect(refund).toHaveCount(0);
  await page.getByText("paid", { exact: true }).first().click();
  await expect(refund.locator("[data-state]")).toHaveAttribute("data-state", "paid");

  // Another closed account gave no bank details: its refund is refused with a reason.
  const other = await registerCustomer(page, "refund-rejected");
  const otherAccount = accountOf(other.token);
  const asOther = { Authorization: `Bearer ${other.token}` };
  expect((await page.request.post("/v1/account/close", { headers: asOther })).status()).toBe(204);
  await page.getByText("awaiting details", { exact: true }).first().click();
  const waiting = page.locator(`[data-testid="ops-refund-row"][data-account="${otherAccount}"]`);
  await expect(async () => {
    await page.reload();
    await page.getByText("awaiting details", { exact: true }).first().click();
    await expect(waiting).toHaveCount(1, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await waiting.getByRole("button", { name: "Reject" }).click();
  await page.getByRole("dialog").getByLabel("Reason").fill("Balance was promotional credit only");
  await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
  await expect(waiting).toHaveCount(0);
  await page.getByText("rejected", { exact: true }).first().click();
  await expect(waiting).toContainText("Balance was promotional credit only");
});

test("an operator sends a breach notice, assigns a number, mails customers, opens destinations and traces inbound SMS", async ({
  page,
}) => {
  const operator = process.env.OPS_EMAIL;
  const operatorPassword = process.env.OPS_PASSWORD;
  test.skip(!operator || !operatorPassword, "tests/web makes the operator with auth's CLI");
  const customer = await registerCustomer(page, "notice");
  const accountId = accountOf(customer.token);
  await logIn(page, operator ?? "", operatorPassword ?? "");
  await expect(page.getByRole("heading", { name: "Sender names to review" })).toBeVisible();

  await page.getByRole("link", { name: "Breach notices" }).click();
  const what = `Test breach ${Date.now()}: contact names exposed; rotate your API keys.`;
  await page.getByLabel("What happened").fill(what);
  await page.getByLabel("Detected at").fill(localTime(-1));
  await page.getByLabel("Affected account ids").fill(accountId);
  await page.getByRole("button", { name: "Send notice" }).click();
  const notice = page.getByTestId("ops-breach-row").filter({ hasText: what });
  await expect(notice).toContainText("1 account");
  // Its owner's mail goes out well within the 72 hours.
  await expect(notice).toHaveAttribute("data-state", "done", { timeout: 60_000 });
  await expect(notice).toContainText("1 of 1 sent");
  await noCriticalViolations(page);
  await screenshots(page, "ops-breach-notices");

  await page.getByRole("link", { name: "Numbers" }).click();
  const number = `+44770090${String(Date.now()).slice(-4)}`;
  await page.getByRole("textbox", { name: "Number", exact: true }).fill(number);
  await page.getByRole("textbox", { name: "Account id", exact: true }).fill(accountId);
  await page.getByRole("button", { name: "Assign", exact: true }).click();
  const assigned = page.getByTestId("ops-number-row").filter({ hasText: number });
  await expect(assigned).toContainText(accountId);
  await noCriticalViolations(page);
  await screenshots(page, "ops-numbers");
  await assigned.getByRole("button", { name: "Unassign" }).click();
  await expect(assigned).toHaveCount(0);

  await page.getByRole("link", { name: "Announcements" }).click();
  await page.getByLabel("Subject").fill("Planned maintenance");
  await page.getByLabel("Text").fill("The API answers slowly on Sunday 02:00-03:00 UTC.");
  await page.getByLabel("Service announcement").check();
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.getByTestId("ops-announcement-result")).toContainText(/Queued for \d+ user/);
  await noCriticalViolations(page);

  // From the account's row: the destinations screen opens with the account filled in.
  await page.getByRole("link", { name: "Accounts" }).click();
  await page.getByLabel("Search by id, company or e-mail").fill(customer.email);
  await expect(page.getByTestId("ops-account-row")).toHaveCount(1);
  await page.getByTestId("ops-account-row").getByRole("link", { name: "Destinations" }).click();
  await expect(page.getByLabel("Account id")).toHaveValue(accountId);
  await page.getByLabel("satellite").check();
  const countries = page.getByRole("combobox", { name: "Further countries it may send to" });
  await countries.fill("fr");
  await countries.press("Enter");
  await page.getByLabel("Note").fill("contract 2026/114");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("ops-destinations-changed")).toContainText("Changed");
  await noCriticalViolations(page);
  await screenshots(page, "ops-destinations");
  // Saved: the account's set as the API now answers it.
  await page.reload();
  await page.getByLabel("Account id").fill(accountId);
  await expect(page.getByLabel("satellite")).toBeChecked();
  await expect(page.getByLabel("international_premium")).not.toBeChecked();
  await expect(page.getByText("FR", { exact: true })).toBeVisible();

  await page.getByRole("link", { name: "Inbound SMS" }).click();
  await page.getByLabel("Only those no account owns").check();
  await expect(
    page.getByText("No inbound SMS").or(page.getByTestId("ops-inbound-row").first()),
  ).toBeVisible();
  await noCriticalViolations(page);
  await screenshots(page, "ops-inbound");
});
