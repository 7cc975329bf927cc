// Questions to benchmark child processes over IPC, each answered by its own reply: a reply
// carries the `ask` number of its question, so questions in flight at once cannot take each
// other's answers (they once did, and a benchmark posted before its viewers were connected).
import type { ChildProcess } from "node:child_process";

/** The number a question carries and its answer repeats. */
export interface Asked {
  readonly ask?: number;
}

let asked = 0;

/** Sends a child process `command` and resolves with its reply of type `reply` to this command. */
export function askChild<T>(child: ChildProcess, command: object, reply: string): Promise<T> {
  const ask = ++asked;
  return new Promise((resolve) => {
    const onMessage = (message: { type: string } & Asked) => {
      if (message.type !== reply || message.ask !== ask) return;
      child.off("message", onMessage);
      resolve(message as T);
    };
    child.on("message", onMessage);
    child.send({ ...command, ask });
  });
}

/** In a child process: answers `command` with `message`. */
export function answer(command: Asked, message: object, sent: () => void = () => {}): void {
  process.send!({ ...message, ask: command.ask }, sent);
}
