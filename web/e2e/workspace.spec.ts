import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

// The customer's workspace screens: contacts and imports, groups and consent, sender names,
// templates used by a campaign, webhooks. Each test signs up its own account, so tests do not
// see one another's data.

async function signUp(page: Page, label: string): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("E-mail").fill(`web-${label}-${Date.now()}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill("a long enough password");
  await page.getByLabel("Company").fill(`Workspace ${label} Ltd`);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
}

async function open(page: Page, link: string): Promise<void> {
  await page.getByRole("navigation").getByRole("link", { name: link, exact: true }).click();
}

async function noCriticalViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const critical = results.violations.filter((v) => v.impact === "critical");
  expect(critical.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `test-results/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function createContact(page: Page, phone: string, name: string, tags: string[] = []) {
  await page.getByRole("button", { name: "New contact" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Phone").fill(phone);
  await dialog.getByLabel("Name").fill(name);
  for (const tag of tags) {
    await dialog.getByLabel("Tags").fill(tag);
    await dialog.getByLabel("Tags").press("Enter");
  }
  await dialog.getByLabel("The recipient agreed to receive messages").check();
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await page.getByRole("link", { name: "Back to contacts" }).click();
}

test("contacts: create, find by search and tag, group them, record an opt-out", async ({
  page,
}) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signUp(page, "contacts");
  await open(page, "Contacts");
  await expect(page.getByText("No contacts yet")).toBeVisible();
  await createContact(page, "+44 7700 900111", "Alice Archer", ["vip"]);
  await createContact(page, "+44 7700 900222", "Bob Baker");
  await expect(page.getByTestId("contact-row")).toHaveCount(2);

  await page.getByLabel("Search").fill("Alice");
  await expect(page.getByTestId("contact-row")).toHaveCount(1);
  await expect(page.getByTestId("contact-row")).toContainText("+447700900111");
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Tag").fill("vip");
  await expect(page.getByTestId("contact-row")).toHaveCount(1);
  await page.getByLabel("Tag").fill("");
  await expect(page.getByTestId("contact-row")).toHaveCount(2);

  await page.getByRole("link", { name: "Groups" }).click();
  await page.getByLabel("New group").fill("Newsletter");
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByTestId("group-row")).toContainText("Newsletter");
  await page.getByRole("link", { name: "Back to contacts" }).click();
  await page.getByLabel("Select +447700900222").check();
  await page.getByLabel("Group to add to").selectOption({ label: "Newsletter" });
  await page.getByRole("button", { name: "Add to group" }).click();
  await page.getByLabel("Group", { exact: true }).selectOption({ label: "Newsletter (1)" });
  await expect(page.getByTestId("contact-row")).toHaveCount(1);
  await expect(page.getByTestId("contact-row")).toContainText("Bob Baker");
  await noCriticalViolations(page);
  await screenshots(page, "contacts");

  // The account's own field, filled in on a contact and kept.
  await page.getByRole("link", { name: "Fields" }).click();
  await page.getByLabel("Key").fill("loyalty_points");
  await page.getByLabel("Type").selectOption("number");
  await page.getByRole("button", { name: "Add field" }).click();
  await expect(page.getByTestId("field-row")).toContainText("loyalty_points");
  await page.getByRole("link", { name: "Back to contacts" }).click();
  await page.getByRole("link", { name: "+447700900222" }).click();
  await page.getByLabel("loyalty_points").fill("42");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Saved")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("loyalty_points")).toHaveValue("42");
  await expect(page.locator('[data-consent="marketing:none"]')).toBeVisible();
  await page.getByText("Opted out").click();
  await page.getByLabel("Evidence").fill("asked by phone, ticket 42");
  await page.getByRole("button", { name: "Record" }).click();
  await expect(page.locator('[data-consent="marketing:withdrawn"]')).toBeVisible();
  await expect(page.getByTestId("consent-row")).toContainText("ticket 42");
  await page.getByRole("button", { name: "Unsubscribe link token" }).click();
  await expect(page.getByTestId("unsubscribe-token")).not.toBeEmpty();
  await noCriticalViolations(page);
  await screenshots(page, "contact");
});

test("contacts: import a CSV with its columns mapped, watch it finish, get the skipped rows", async ({
  page,
}) => {
  await signUp(page, "import");
  await open(page, "Contacts");
  await page.getByRole("link", { name: "Import" }).click();
  const csv =
    "Телефон,Full name,Notes\n+447700900301,Carol,\n+447700900302,Dan,\nnot a phone,Eve,\n";
  await page.locator('input[type="file"]').setInputFiles({
    name: "people.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(csv, "utf-8"),
  });
  await expect(page.getByText("3 rows in the file").first()).toBeVisible();
  // Guessed from the headers: Телефон is the phone, Full name the name, Notes is left out.
  await expect(page.getByLabel("Field: Телефон")).toHaveValue("phone");
  await expect(page.getByLabel("Field: Full name")).toHaveValue("name");
  await expect(page.getByLabel("Field: Notes")).toHaveValue("");
  await noCriticalViolations(page);
  await page.getByRole("button", { name: "Import", exact: true }).click();
  await expect(page.getByTestId("import-progress")).toHaveAttribute("data-state", "done", {
    timeout: 60_000,
  });
  await expect(page.getByTestId("import-counts")).toContainText("2 created");
  await expect(page.getByTestId("import-counts")).toContainText("1 skipped");
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: /skipped rows/ }).click();
  expect((await download).suggestedFilename()).toBe("people-skipped.csv");
  await screenshots(page, "import");

  // Another file: an XLSX, whose headers the browser reads for the mapping too; below the
  // form, the account's past imports (from the API, not this browser's memory).
  await page.getByRole("button", { name: "Import another file" }).click();
  await expect(page.locator('[data-testid="past-import"][data-state="done"]')).toContainText(
    "people.csv",
  );
  await page
    .locator('input[type="file"]')
    .setInputFiles("src/features/contacts/fixtures/contacts.xlsx");
  await expect(page.getByText("2 rows in the file").first()).toBeVisible();
  await expect(page.getByLabel("Field: Телефон")).toHaveValue("phone");
  await expect(page.getByLabel("Field: Full name")).toHaveValue("name");
  await expect(page.getByLabel("Field: Birthday")).toHaveValue("birth_date");
  await noCriticalViolations(page);
  await screenshots(page, "import-xlsx");

  await page.getByRole("link", { name: "Back to contacts" }).click();
  await expect(page.getByTestId("contact-row")).toHaveCount(2);
});

test("sender names: a requested name waits for review, shown as pending", async ({ page }) => {
  await signUp(page, "senders");
  await open(page, "Sender names");
  await expect(page.getByText("No sender names yet")).toBeVisible();
  await page.getByLabel("Name").fill("ACMESHOP");
  await page.getByLabel("Company").fill("Acme Shop Ltd");
  await page.getByLabel("Purpose").fill("Order notifications");
  await page.getByLabel("Documents").fill("https://example.com/trademark.pdf");
  await page.getByRole("button", { name: "Request" }).click();
  await expect(page.getByRole("status")).toContainText("ACMESHOP");
  const row = page.getByTestId("sender-row");
  await expect(row).toHaveAttribute("data-state", "pending");
  await expect(row).toContainText("pending");
  await noCriticalViolations(page);
  await screenshots(page, "senders");
  // The screen's own Russian catalogue, states included.
  await page.getByLabel("Language").selectOption("ru");
  await expect(page.getByRole("heading", { name: "Имена отправителя" })).toBeVisible();
  await expect(row).toContainText("на проверке");
  await page.getByLabel("Язык").selectOption("en");
});

test("templates: write one with a placeholder preview, then start a campaign with it", async ({
  page,
}) => {
  await signUp(page, "campaign");
  await open(page, "Contacts");
  await createContact(page, "+44 7700 900401", "Fay");
  await page.getByRole("link", { name: "Groups" }).click();
  await page.getByLabel("New group").fill("Customers");
  await page.getByRole("button", { name: "Create" }).click();
  await page.getByRole("link", { name: "Back to contacts" }).click();
  await page.getByLabel("Select all shown").check();
  await page.getByLabel("Group to add to").selectOption({ label: "Customers" });
  await page.getByRole("button", { name: "Add to group" }).click();

  await open(page, "Templates");
  await page.getByRole("button", { name: "New template" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("welcome");
  await dialog.getByLabel("Text").fill("Hi {{name}}, welcome aboard!");
  await expect(dialog.getByTestId("placeholder")).toHaveText(["name"]);
  await dialog.getByLabel("Sample value for name").fill("Fay");
  await expect(dialog.getByTestId("template-preview")).toHaveText("Hi Fay, welcome aboard!");
  await noCriticalViolations(page);
  await dialog.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("template-row")).toContainText("welcome");
  await screenshots(page, "templates");

  await page.getByRole("link", { name: "Use in a campaign" }).click();
  await page.getByLabel("Name").fill("Welcome wave");
  await expect(page.getByRole("combobox", { name: /^Template/ })).toHaveValue(/.+/);
  await page.getByLabel("Purpose").selectOption("transactional");
  await page.getByRole("combobox", { name: "Groups" }).click();
  await page.getByRole("option", { name: /Customers/ }).click();
  await page.keyboard.press("Escape");
  await noCriticalViolations(page);
  await page.getByRole("button", { name: "Create draft" }).click();

  await expect(page.getByTestId("campaign-state")).toHaveAttribute("data-state", "draft");
  await expect(page.getByTestId("campaign-quote")).toContainText("1 segments", {
    timeout: 60_000,
  });
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByTestId("campaign-state")).not.toHaveAttribute("data-state", "draft");
  await expect(page.getByTestId("campaign-released")).toContainText("1 of 1", { timeout: 60_000 });
  await expect(page.getByTestId("campaign-state")).toHaveAttribute("data-state", "completed", {
    timeout: 60_000,
  });
  await expect(page.locator('[data-status="delivered"]')).toBeVisible({ timeout: 60_000 });
  await screenshots(page, "campaign");
  await page.getByRole("link", { name: "Back to campaigns" }).click();
  await expect(page.getByTestId("campaign-row")).toContainText("Welcome wave");
});

test("webhooks: register an endpoint, see its secret once, watch deliveries, replay one", async ({
  page,
}) => {
  // The customer's own endpoint: a plain HTTP server on loopback (the devstack lets webhooks
  // reach loopback over http://), counting what it receives.
  const received: string[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received.push(body);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/hooks/sms`;
  try {
    await signUp(page, "webhooks");
    await open(page, "Webhooks");
    await expect(page.getByText("No endpoints yet")).toBeVisible();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("URL").fill(url);
    await dialog.getByLabel("Description").fill("Order system");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByTestId("webhook-secret")).toHaveText(/^whsec_/);
    await dialog.getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("webhook-row")).toContainText(url);
    await noCriticalViolations(page);
    await screenshots(page, "webhooks");

    // A message's status reports reach the endpoint and show in its delivery log.
    await open(page, "Send");
    await page.getByLabel("Recipient").fill("+447700900555");
    await page.getByLabel("Text").fill("Your parcel is on its way");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(page.getByRole("status")).toBeVisible();
    await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThan(0);
    await open(page, "Webhooks");
    await page.getByRole("link", { name: url }).click();
    await expect(page.getByTestId("attempt-row").first()).toContainText("204", {
      timeout: 30_000,
    });
    await noCriticalViolations(page);
    await screenshots(page, "webhook-attempts");
    const before = received.length;
    await page.getByRole("button", { name: "Deliver again" }).first().click();
    await expect(page.getByRole("status")).toContainText("1 delivery queued");
    await expect.poll(() => received.length, { timeout: 60_000 }).toBeGreaterThan(before);
  } finally {
    server.close();
  }
});
