import type { Observable, Subscription } from "rxjs";
import type { Frame } from "./comment-frames.js";
import { newerPart } from "./comment-frames.js";
import type { EventStream } from "./event-stream.js";

interface Group {
  readonly members: Set<EventStream>;
  /** Members that were told the stream through a seq when they joined: frames up to it are not theirs. */
  readonly joining: Map<EventStream, { readonly seq: number; readonly single: boolean }>;
  readonly subscription: Subscription;
}

/**
 * Viewers who watch the same feed (stream, batch window, rate cap) live, without a cursor or
 * an identity, share one subscription: each frame is written as the same bytes to every
 * member's socket, with no per-viewer objects on the way. The group unsubscribes when its last
 * member leaves.
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
      const members = new Set<EventStream>();
      const joining: Group["joining"] = new Map();
      const subscription = frames.subscribe({
        next: (frame) => {
          if (joining.size === 0) {
            for (const member of members) member.write(frame.bytes);
          } else {
            for (const member of members) {
              const told = joining.get(member);
              if (told === undefined) {
                member.write(frame.bytes);
                continue;
              }
              const part = newerPart(frame, told.seq, told.single);
              if (part) member.write(part.bytes);
              if (frame.kind !== "reset" && frame.throughSeq >= told.seq) joining.delete(member);
            }
          }
          this.onDelivered?.(frame, members.size);
        },
        // The shared feed re-subscribes its upstream by itself; an end here is final: viewers reconnect.
        error: () => this.endGroup(key),
        complete: () => this.endGroup(key),
      });
      group = { members, joining, subscription };
      if (subscription.closed) {
        viewer.end(); // the feed ended at once: nothing to join
        return () => {};
      }
      this.groups.set(key, group);
    }
    const { members, joining } = group;
    members.add(viewer);
    if (toldThrough) joining.set(viewer, toldThrough);
    return () => {
      members.delete(viewer);
      joining.delete(viewer);
      if (members.size === 0 && this.groups.get(key)?.members === members) this.endGroup(key);
    };
  }

  /** Number of groups with a subscription. */
  get size(): number {
    return this.groups.size;
  }

  private endGroup(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    this.groups.delete(key);
    group.subscription.unsubscribe();
    for (const member of group.members) member.end();
  }
}
