import { expect, test } from "./fixtures";
import { nginxHeaders } from "./nginx-headers";

test("the app is served with production's Content-Security-Policy, and a violation is caught", async ({
  page,
  cspViolations,
}) => {
  const response = await page.goto("/login");
  const policy = nginxHeaders()["Content-Security-Policy"];
  expect(policy).toContain("script-src 'self';"); // read whole from the nginx file
  expect(response?.headers()["content-security-policy"]).toBe(policy);
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  expect(cspViolations).toEqual([]);

  // What a screen with an inline script would do: refused, and the fixture sees it.
  const ran = await page.evaluate(() => {
    const script = document.createElement("script");
    script.textContent = "document.body.dataset.inline = 'ran'";
    document.head.append(script);
    return document.body.dataset.inline ?? "refused";
  });
  expect(ran).toBe("refused");
  await expect.poll(() => cspViolations.length).toBe(1);
  expect(cspViolations[0]).toContain("script-src");
  cspViolations.length = 0; // the one this test provoked
});
