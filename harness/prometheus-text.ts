/** The samples of a Prometheus text exposition, read back for assertions. */
export class PrometheusText {
  private readonly samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  readonly types = new Map<string, string>();
  readonly helps = new Set<string>();

  constructor(readonly text: string) {
    for (const line of text.split("\n")) {
      const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (meta) {
        if (meta[1] === "TYPE") this.types.set(meta[2]!, meta[3]!);
        else this.helps.add(meta[2]!);
        continue;
      }
      const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!sample) continue;
      const labels: Record<string, string> = {};
      for (const [, key, value] of (sample[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
      this.samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
    }
  }

  /** The sum of the samples named `name` whose labels include `labels`; 0 when there are none. */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
  }

  /** The distinct values of `label` among the samples named `name`. */
  labelValues(name: string, label: string): string[] {
    return [...new Set(this.samples.filter((s) => s.name === name && label in s.labels).map((s) => s.labels[label]!))].sort();
  }

  /** Whether a sample named `name` exists. */
  has(name: string): boolean {
    return this.samples.some((s) => s.name === name);
  }
}

/** Fetches and parses `/metrics` of a role. */
export async function scrape(baseUrl: string): Promise<PrometheusText> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`${baseUrl}/metrics answered ${response.status}`);
  if (!response.headers.get("content-type")?.startsWith("text/plain")) throw new Error(`${baseUrl}/metrics is not text/plain`);
  return new PrometheusText(await response.text());
}
