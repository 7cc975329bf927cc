import { idempotencyStoreContract } from "./contract.js";
import { createMemoryIdempotencyStore } from "./memory.js";

idempotencyStoreContract("memory idempotency store", async () => createMemoryIdempotencyStore());
