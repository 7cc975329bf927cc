// Bundles the browser SDK for the page that loads it as one script (dist/browser/livecomments.js,
// served at /sdk/livecomments.js) and the demo page's script (dist/browser/demo.js), both from
// the package @livecomments/client as `tsc -p client` built it into client/dist. Types are
// checked by tsc (client/tsconfig.json, client/demo/tsconfig.json).
import { build } from "esbuild";

const common = {
  bundle: true,
  format: "esm",
  target: ["es2022"],
  platform: "browser",
  sourcemap: true,
  minify: true,
  logLevel: "warning",
  alias: { "@livecomments/client": "./client/dist/index.js" },
};
await Promise.all([
  build({ ...common, entryPoints: ["client/dist/index.js"], outfile: "dist/browser/livecomments.js" }),
  build({ ...common, entryPoints: ["client/demo/demo.ts"], outfile: "dist/browser/demo.js" }),
]);
