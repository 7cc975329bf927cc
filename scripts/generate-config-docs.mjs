// Writes docs/configuration.md from the settings each part declares (run after `npm run build`:
// it reads the compiled declarations). `npm run docs:config` does both.
import { writeFileSync } from "node:fs";
import { configurationMarkdown } from "../dist/app/configuration-docs.js";

writeFileSync(new URL("../docs/configuration.md", import.meta.url), configurationMarkdown());
process.stdout.write("wrote docs/configuration.md\n");
