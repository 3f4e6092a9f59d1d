import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";

const CYRILLIC_TWO_PARTS =
  "Привет! Ваш код подтверждения 4821. Никому его не сообщайте, даже сотрудникам банка.";
const WIDTHS = [360, 1280] as const;

async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `test-results/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function noCriticalViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const critical = results.violations.filter((v) => v.impact === "critical");
  expect(critical.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

async function balance(page: Page): Promise<number> {
  const shown = page.getByTestId("balance");
  await expect(shown).toHaveText(/^\d/);
  return Number(await shown.textContent());
}

test("sign up, send a Cyrillic SMS counted as two segments, watch it delivered and paid", async ({
  page,
}) => {
  const email = `web-${Date.now()}@example.com`;
  await page.goto("/signup");
  await noCriticalViolations(page);
  await screenshots(page, "signup");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password", { exact: true }).fill("a long enough password");
  await page.getByLabel("Company").fill("Web Test Ltd");
  await page.getByRole("button", { name: "Sign up" }).click();

  // The starter credit is on the dashboard (billing grants it on the registration's event).
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect
    .poll(() => balance(page), { timeout: 60_000, message: "starter credit" })
    .toBeGreaterThan(0);
  const before = await balance(page);
  await noCriticalViolations(page);
  await screenshots(page, "dashboard");
  // No warning at the starter credit's default threshold (10 % of it).
  await expect(page.getByTestId("low-balance")).toHaveCount(0);

  // A threshold above the balance, set on the billing screen: the dashboard warns at once
  // (billing counts setting it as a crossing), with both amounts and the way to top up.
  const threshold = (before + 1).toFixed(2);
  await page.getByRole("link", { name: "Billing" }).first().click();
  await page.getByLabel("Warn when the balance is below").fill(threshold);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Threshold saved");
  await expect(page.getByTestId("low-balance-threshold")).toContainText(threshold);
  await page.getByRole("link", { name: "Dashboard" }).first().click();
  const warning = page.getByRole("alert").filter({ hasText: "low-balance threshold" });
  await expect(warning).toBeVisible();
  await expect(warning).toContainText(threshold);
  await expect(warning).toContainText((await page.getByTestId("balance").textContent()) ?? "");
  await noCriticalViolations(page);
  await screenshots(page, "dashboard-low-balance");
  await warning.getByRole("link", { name: "Top up the balance" }).click();
  await expect(page.getByRole("heading", { name: "Top up by card" })).toBeVisible();
  await page.getByRole("link", { name: "Dashboard" }).first().click();

  await page.getByRole("link", { name: "Send" }).first().click();
  await page.getByLabel("Recipient").fill("+447700900123");
  const counter = page.getByTestId("segment-counter");
  // Smart quotes force UCS-2; one click replaces them with their GSM-7 twins.
  await page.getByLabel("Text").fill("“Hello” – see you");
  await expect(counter).toContainText("UCS2");
  await page.getByRole("button", { name: /Replace look-alikes/ }).click();
  await expect(counter).toContainText("GSM7");
  await page.reload();
  await page.getByLabel("Recipient").fill("+447700900123");
  await page.getByLabel("Text").fill(CYRILLIC_TWO_PARTS);
  await expect(counter).toContainText("UCS2");
  await expect(counter).toContainText("2 segments");
  await expect(page.getByTestId("ucs2-character").first()).toHaveText("П");
  await noCriticalViolations(page);
  await screenshots(page, "send");
  await page.getByRole("button", { name: "Send", exact: true }).click();

  await page.getByRole("status").getByRole("link").click();
  await expect(page.locator("[data-status]").first()).toHaveAttribute("data-status", "delivered", {
    timeout: 60_000,
  });
  await screenshots(page, "message");

  await page.getByRole("link", { name: "Dashboard" }).first().click();
  await expect.poll(() => balance(page), { timeout: 30_000 }).toBeLessThan(before);
  // Today's one message, delivered: on the per-status chart, and a 100 % delivery rate.
  await expect(page.getByTestId("messages-today")).toHaveText("1");
  await expect(page.getByTestId("delivery-rate")).toHaveText(/^100\s?%$/);
  await expect(page.getByTestId("message-stats-chart")).toBeVisible();
  await screenshots(page, "dashboard-stats");
  await page.getByRole("link", { name: "Messages" }).first().click();
  await expect(page.getByTestId("message-row")).toHaveCount(1);
  await noCriticalViolations(page);
  await screenshots(page, "messages");
});

test("a wrong password is explained next to the form", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill("nobody@example.com");
  await page.getByLabel("Password", { exact: true }).fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await noCriticalViolations(page);
});
