/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The Tauri shell loads this dev server in `tauri dev` (devUrl in src-tauri/tauri.conf.json),
// so the port must stay fixed.
const DEV_PORT = 5173;

export default defineConfig({
  plugins: [react()],
  // Tauri's CLI prints its own output; keep Vite from clearing it.
  clearScreen: false,
  server: {
    host: "localhost",
    port: DEV_PORT,
    strictPort: true,
    // The logo comes from the icon source in ../icons.
    fs: { allow: [".", "../icons"] },
    watch: { ignored: ["**/src-tauri/**"] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK 2.40+ (Debian 12) and current WebView2/WKWebView all handle ES2022.
    target: "es2022",
    // Ship every asset as a file so the CSP needs no data: sources.
    assetsInlineLimit: 0,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
