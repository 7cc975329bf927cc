/** One engine or peer a process needs: `probe` resolves when it answers. */
export interface ReadinessCheck {
  readonly name: string;
  probe(): Promise<unknown>;
}

/** How long one probe may take before it counts as failed. */
export const PROBE_TIMEOUT_MS = 2_000;

/** What /readyz answers: each check's outcome ("ok" or why not). */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, string>>;
}

/** Runs every probe at once, each bounded by `timeoutMs`. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = PROBE_TIMEOUT_MS): Promise<Readiness> {
  const outcomes = await Promise.all(
    checks.map(async ({ name, probe }) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([probe(), timeout]);
        return [name, "ok"] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: outcomes.every(([, outcome]) => outcome === "ok"), checks: Object.fromEntries(outcomes) };
}
