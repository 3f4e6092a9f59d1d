/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import { nginxHeaders } from "./e2e/nginx-headers.ts";

// The app talks to the gateway's public API only. In development and in the end-to-end tests
// the dev/preview server proxies the API paths to the gateway, so the browser sees one origin
// (no CORS to configure); in production the static build is served next to the gateway.
const gateway = process.env.GATEWAY_URL ?? "http://127.0.0.1:8000";
const proxy = {
  "/v1": { target: gateway, changeOrigin: true },
  "/.well-known": { target: gateway, changeOrigin: true },
};

export default defineConfig({
  plugins: [react()],
  server: { proxy, host: "127.0.0.1" },
  // The production build as production serves it: with the headers of the image's nginx
  // (web/nginx/security-headers.conf), its Content-Security-Policy among them, so the
  // end-to-end tests run under that policy. Not the dev server: its hot reload needs inline
  // scripts.
  preview: { proxy, host: "127.0.0.1", headers: nginxHeaders() },
  build: {
    rolldownOptions: {
      output: {
        // Screens are split by their lazy routes (src/main.tsx). React itself goes into its own
        // chunk: every page needs it, it changes only with an upgrade, so browsers keep it
        // cached across our releases. (Mantine stays split by use: a group would pull every
        // component any screen uses into the first load.)
        codeSplitting: {
          groups: [{ name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ }],
        },
      },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // Component tests render whole screens in jsdom; on two cores shared with a running
    // platform (make test) the 5 s default timed out ApiKeys' test without anything wrong.
    testTimeout: 20_000,
  },
});
