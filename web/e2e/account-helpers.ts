import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

export const PASSWORD = "a long enough password";
const WIDTHS = [360, 1280] as const;

/** Full-page screenshots at a phone's and a desktop's width, into test-results/. */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    // The navigation slides away below 768 px: shoot once its transition has ended.
    await page.waitForFunction(() =>
      document.getAnimations().every((animation) => animation.playState !== "running"),
    );
    await page.screenshot({ path: `test-results/${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

export async function noCriticalViolations(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const critical = results.violations.filter((v) => v.impact === "critical");
  // Which elements, too: "a button has no name" alone does not say which one.
  const where = (v: (typeof critical)[number]) => v.nodes.map((n) => n.target.join(" ")).join(", ");
  expect(critical.map((v) => `${v.id}: ${v.help} (${where(v)})`)).toEqual([]);
}

export interface Customer {
  email: string;
  company: string;
  token: string;
}

/** A customer opened through the API (the sign-up screen has its own test), logged in there
 * too so the test can act as the customer's own integration would. */
export async function registerCustomer(page: Page, label: string): Promise<Customer> {
  const suffix = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const email = `${label}-${suffix}@example.com`;
  const company = `${label} ${suffix}`;
  const registered = await page.request.post("/v1/auth/register", {
    data: { email, password: PASSWORD, company_name: company },
  });
  expect(registered.status(), await registered.text()).toBe(202);
  const login = await page.request.post("/v1/auth/login", { data: { email, password: PASSWORD } });
  expect(login.status(), await login.text()).toBe(200);
  return { email, company, token: (await login.json()).access_token };
}

export async function logIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

export async function logOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
}
