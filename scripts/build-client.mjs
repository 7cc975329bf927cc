// Bundles the browser SDK (dist/browser/livecomments.js, an ES module) and the demo page's
// script (dist/browser/demo.js) with esbuild. Types are checked by tsc (client/demo/tsconfig.json).
import { build } from "esbuild";

const common = { bundle: true, format: "esm", target: ["es2022"], platform: "browser", sourcemap: true, minify: true, logLevel: "warning" };
await Promise.all([
  build({ ...common, entryPoints: ["client/index.ts"], outfile: "dist/browser/livecomments.js" }),
  build({ ...common, entryPoints: ["client/demo/demo.ts"], outfile: "dist/browser/demo.js" }),
]);
