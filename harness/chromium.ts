import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";

/** Debian's chromium, which `npm test` installs when missing (scripts/ensure-test-programs.mjs), or LC_CHROMIUM. */
export const CHROMIUM = process.env.LC_CHROMIUM ?? "/usr/bin/chromium";

/** Headless Chromium as the browser tests drive it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // This machine's network is closed: without these, Chromium's background connections fail.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}
