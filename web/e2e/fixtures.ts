import { test as base, expect } from "@playwright/test";

/** Every spec's `test`: the page is watched for Content-Security-Policy violations (the
 * preview server sends production's policy, vite.config.ts), and a test whose page broke it
 * fails, so a screen that needs an inline script or a third-party origin is caught here. */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const violations: string[] = [];
      await page.exposeFunction("__smsgwCspViolation", (violation: string) => {
        violations.push(violation);
      });
      await page.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          const report = (window as unknown as { __smsgwCspViolation: (v: string) => void })
            .__smsgwCspViolation;
          report(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`);
        });
      });
      await use(violations);
      expect(violations, "the page broke the Content-Security-Policy").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
