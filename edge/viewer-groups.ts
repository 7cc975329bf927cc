import type { Observable, Subscription } from "rxjs";
import type { Frame } from "./comment-frames.js";
import type { EventStream } from "./event-stream.js";

interface Group {
  readonly members: Set<EventStream>;
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

  /** Adds a viewer to the group of `key`, fed by `frames`; returns how to leave. */
  join(key: string, frames: Observable<Frame>, viewer: EventStream): () => void {
    let group = this.groups.get(key);
    if (!group) {
      const members = new Set<EventStream>();
      const subscription = frames.subscribe({
        next: (frame) => {
          for (const member of members) member.write(frame.bytes);
          this.onDelivered?.(frame, members.size);
        },
        // The shared feed re-subscribes its upstream by itself; an end here is final: viewers reconnect.
        error: () => this.endGroup(key),
        complete: () => this.endGroup(key),
      });
      group = { members, subscription };
      if (subscription.closed) {
        viewer.end(); // the feed ended at once: nothing to join
        return () => {};
      }
      this.groups.set(key, group);
    }
    const { members } = group;
    members.add(viewer);
    return () => {
      members.delete(viewer);
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
