import type { Setting, SettingRole } from "../core/settings.js";
import { SETTING_GROUPS } from "./config.js";

/**
 * docs/configuration.md, written from the settings every part declares: `npm run docs:config`
 * writes it, and a test fails when the committed page differs from what this returns.
 */
export function configurationMarkdown(): string {
  const sections = SETTING_GROUPS.map(({ title, settings }) => {
    const rows = Object.values(settings).map(
      (setting) =>
        `| ${[`\`${setting.variable}\``, defaultOf(setting), boundsOf(setting), readersOf(setting.roles), setting.description].map(cell).join(" | ")} |`,
    );
    return [`## ${title}`, "", "| variable | default | accepts | read by | meaning |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
  });
  return `# Configuration

<!-- Written by \`npm run docs:config\` from the settings each part declares (\`*/settings.ts\`, \`app/config.ts\`); edit those, not this page. -->

Every process reads its settings once at start, from the environment, under the variables of
\`LC_CONFIG_FILE\` when it is set (\`NAME=value\` lines as Node's \`parseEnv\` reads them, with
\`#\` comments and quotes, or a \`.json\` object of the same names; the environment wins). A bad
value stops the process with exit status 2 and a message naming the variable; so does a
variable in the file that nothing reads (a typo there would silently do nothing); an unknown
\`LC_\` variable in the environment is reported as ignored. \`livecomments config [role]\` prints
every setting that role reads, as it would run with it (secrets only as \`set\` or \`not set\`).

"Read by" names the processes that read a setting: \`npm start\` (every role in one process, on
SQLite) or a role of the distributed mode. Durations are in milliseconds, sizes in bytes.

${sections.join("\n\n")}
`;
}

/** A table cell: a pipe inside it would end it. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function defaultOf(setting: Setting<unknown>): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  const value = setting.fallback;
  if (value === undefined) return "unset";
  if (typeof value === "boolean") return value ? "`on`" : "`off`";
  if (typeof value === "string") return `\`${value}\``;
  if (Array.isArray(value)) return value.length === 0 ? "empty" : `\`${value.join(",")}\``;
  if (typeof value === "number") {
    const inWords = setting.unit === "ms" ? duration(value) : setting.unit === "bytes" ? size(value) : undefined;
    return `${value}${inWords ? ` (${inWords})` : ""}`;
  }
  return String(value);
}

function boundsOf(setting: Setting<unknown>): string {
  const { type } = setting;
  switch (type.kind) {
    case "integer":
      return `integer, ${type.min} to ${type.max}`;
    case "number":
      return `number, ${type.min} to ${type.max}`;
    case "choice":
      return type.choices.map((choice) => `\`${choice}\``).join(", ");
    case "switch":
      return "`on`, `off`";
    case "file":
      return "a readable file";
    case "list":
      return "comma-separated";
    case "text":
      return `${type.secret ? "a secret" : "text"}${type.pattern ? ` matching \`${type.pattern.source}\`` : ""}`;
  }
}

function readersOf(roles: readonly SettingRole[]): string {
  const names = roles.map((role) => (role === "all" ? "`npm start`" : role));
  return roles.length === 5 ? "every process" : names.join(", ");
}

function duration(ms: number): string | undefined {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["min", 60_000],
    ["s", 1_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return undefined;
}

function size(bytes: number): string | undefined {
  for (const [unit, factor] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor} ${unit}`;
  }
  return undefined;
}
