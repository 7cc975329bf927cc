import type { Environment } from "../config-file.js";
import { withConfigFile } from "../config-file.js";
import { ROLE_NAMES, effectiveConfig } from "../effective-config.js";
import type { RoleName } from "../effective-config.js";
import { usageError } from "./usage-error.js";

export const CONFIG_USAGE = `livecomments config [${ROLE_NAMES.join("|")}]`;

/** `livecomments config`: prints the configuration a role would start with, as JSON. */
export async function configCommand(args: readonly string[], env: Environment): Promise<void> {
  const [role = "all", ...extra] = args;
  if (!(ROLE_NAMES as readonly string[]).includes(role) || extra.length > 0) throw usageError(`unknown role "${[role, ...extra].join(" ")}"`, CONFIG_USAGE);
  process.stdout.write(JSON.stringify(effectiveConfig(withConfigFile(env), role as RoleName), null, 2) + "\n");
}
