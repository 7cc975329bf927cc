import { startBatchSpan, tracingOn } from "../core/tracing.js";
import type { Observable, Subscription } from "rxjs";
import type { Frame } from "./comment-frames.js";
import { newerPart } from "./comment-frames.js";
import type { EventStream } from "./event-stream.js";

interface Group {
  readonly members: Set<EventStream>;
  /** Members that were told the stream through a seq when they joined: frames up to it are not theirs. */
  readonly joining: Map<EventStream, { readonly seq: number; readonly single: boolean }>;
  /** Frames of this turn of the event loop, not yet written. */
  pending: Frame[];
  subscription?: Subscription;
}

/** The traceparents of the traced comments in frames. */
function* tracedIn(frames: readonly Frame[]): Iterable<string> {
  for (const frame of frames) if (frame.kind === "comments" && frame.traceParents) yield* frame.traceParents;
}

/**
 * Viewers who watch the same feed (stream, batch window, rate cap) live, without a cursor or
 * an identity, share one subscription: each frame is written as the same bytes to every
 * member's socket, with no per-viewer objects on the way. The frames of one turn of the event
 * loop (comments committed together with `batch_ms=0`, a deletion beside them) leave in one
 * write per socket: a write costs the same system call whatever its size. The group
 * unsubscribes when its last member leaves.
 */
export class ViewerGroups {
  private readonly groups = new Map<string, Group>();

  /** `onDelivered` is told of each frame written and to how many viewers. */
  constructor(private readonly onDelivered?: (frame: Frame, viewers: number) => void) {}

  /**
   * Adds a viewer to the group of `key`, fed by `frames`; returns how to leave. A viewer told
   * the stream through `toldThrough` (its recent comments) gets only what frames add after it.
   */
  join(key: string, frames: Observable<Frame>, viewer: EventStream, toldThrough?: { seq: number; single: boolean }): () => void {
    let group = this.groups.get(key);
    if (!group) {
      const created: Group = { members: new Set(), joining: new Map(), pending: [] };
      const subscription = frames.subscribe({
        next: (frame) => {
          if (created.pending.push(frame) === 1) setImmediate(() => this.flush(created));
        },
        // The shared feed re-subscribes its upstream by itself; an end here is final: viewers reconnect.
        error: () => this.endGroup(key),
        complete: () => this.endGroup(key),
      });
      if (subscription.closed) {
        viewer.end(); // the feed ended at once: nothing to join
        return () => {};
      }
      created.subscription = subscription;
      group = created;
      this.groups.set(key, group);
    }
    // Frames of this turn were produced before the viewer came: they go to the members before it.
    this.flush(group);
    const { members, joining } = group;
    members.add(viewer);
    if (toldThrough) joining.set(viewer, toldThrough);
    return () => {
      members.delete(viewer);
      joining.delete(viewer);
      if (members.size === 0 && this.groups.get(key)?.members === members) this.endGroup(key);
    };
  }

  private flush(group: Group): void {
    const frames = group.pending;
    if (frames.length === 0) return;
    group.pending = [];
    const { members, joining } = group;
    const span = tracingOn()
      ? startBatchSpan("edge deliver", tracedIn(frames), { "livecomments.viewers": members.size, "livecomments.frames": frames.length })
      : undefined;
    const bytes = frames.length === 1 ? frames[0]!.bytes : Buffer.concat(frames.map((frame) => frame.bytes));
    for (const member of members) {
      const told = joining.get(member);
      if (told === undefined) {
        member.write(bytes);
        continue;
      }
      const parts: Buffer[] = [];
      for (const frame of frames) {
        const part = newerPart(frame, told.seq, told.single);
        if (part) parts.push(part.bytes);
        if (frame.kind !== "reset" && frame.throughSeq >= told.seq) joining.delete(member);
      }
      if (parts.length > 0) member.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    }
    for (const frame of frames) this.onDelivered?.(frame, members.size);
    span?.end();
  }

  /** Number of groups with a subscription. */
  get size(): number {
    return this.groups.size;
  }

  private endGroup(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    this.groups.delete(key);
    this.flush(group);
    group.subscription?.unsubscribe();
    for (const member of group.members) member.end();
  }
}
