import { defineConfig, devices } from "@playwright/test";

// Runs against a platform someone else started (tests/web starts the devstack and sets
// GATEWAY_URL); the app is the production build served by `vite preview`, which proxies the
// API to that gateway. Chromium is Debian's (Playwright's own download cannot work here).
const port = Number(process.env.WEB_PORT ?? 4173);

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/artifacts",
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" },
    trace: "retain-on-failure",
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: `npx vite preview --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
