// A child process of the hostile-clients benchmark: holds the hostile clients, so that opening
// thousands of them never stalls the process that posts and times the comments.
import type { Asked } from "./ask.js";
import { answer } from "./ask.js";
import type { HostileGroup, HostileOutcome, HostilePlan, HostileTarget } from "./hostile-load.js";
import { openHostileClients } from "./hostile-load.js";

/** Messages from the benchmark. */
export type HostileCommand = { readonly type: "open"; readonly target: HostileTarget; readonly plan: HostilePlan } | { readonly type: "stop" };

/** Replies to the benchmark. */
export type HostileReply = { readonly type: "opened"; readonly tookMs: number } | { readonly type: "stopped"; readonly outcomes: HostileOutcome[] };

let groups: HostileGroup[] = [];

process.on("message", (command: HostileCommand & Asked) => {
  if (command.type === "open") {
    const started = Date.now();
    groups = openHostileClients(command.target, command.plan);
    answer(command, { type: "opened", tookMs: Date.now() - started } satisfies HostileReply);
  } else {
    void Promise.all(groups.map((group) => group.stop())).then((outcomes) => {
      answer(command, { type: "stopped", outcomes } satisfies HostileReply, () => process.exit(0));
    });
  }
});
