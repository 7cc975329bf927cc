import assert from "node:assert/strict";
import { test } from "vitest";
import type { IdempotencyStore } from "./index.js";

/** The guarantees of {@link IdempotencyStore}, run against one adapter. */
export function idempotencyStoreContract(name: string, open: () => Promise<IdempotencyStore>): void {
  const key = () => `k-${Math.random().toString(36).slice(2)}`;

  test(`${name}: should reserve once, report pending, then return the stored answer`, async () => {
    const store = await open();
    try {
      const k = key();
      const reservations = await Promise.all(Array.from({ length: 10 }, () => store.reserve(k, 10_000)));
      assert.equal(reservations.filter((r) => r.status === "reserved").length, 1, "exactly one caller reserves");
      assert.ok(reservations.every((r) => r.status === "reserved" || r.status === "pending"));
      await store.complete(k, '{"seq":1}', 10_000);
      assert.deepEqual(await store.reserve(k, 10_000), { status: "done", value: '{"seq":1}' });
    } finally {
      await store.close();
    }
  });

  test(`${name}: should free a released key and forget expired ones`, async () => {
    const store = await open();
    try {
      const k = key();
      await store.reserve(k, 10_000);
      await store.release(k);
      assert.deepEqual(await store.reserve(k, 10_000), { status: "reserved" });
      const short = key();
      await store.reserve(short, 30);
      await store.complete(short, "x", 30);
      await new Promise((resolve) => setTimeout(resolve, 80));
      assert.deepEqual(await store.reserve(short, 10_000), { status: "reserved" });
    } finally {
      await store.close();
    }
  });
}
