// The demo page: a live view of a running stream (comments, post box, connection state) and a
// replay view of an ended one (a video with its comments in sync). Comment text only ever
// reaches the page through textContent.
import { CommentPoster, LiveCommentsError, LiveFeed, ModerationClient, PlaybackSync, canModerate, getStream, getTimeline } from "@livecomments/client";
import type { WireComment, WireHeldComment, WireStream, WireTimeline } from "@livecomments/client";

const params = new URLSearchParams(location.search);
const streamId = params.get("stream");
const app = document.getElementById("app")!;
const stateBadge = document.getElementById("state")!;
const viewersLabel = document.getElementById("viewers")!;
/** Most comments kept on the page; older ones are removed as new ones come. */
const MAX_SHOWN = 300;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function secondsParam(name: string, fallback: number): number {
  const value = Number(params.get(name));
  return params.has(name) && Number.isFinite(value) && value > 0 ? value * 1000 : fallback;
}

function formatOffset(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** What a moderator can do to a comment from the list. */
interface CommentActions {
  delete(comment: WireComment): void;
  pin(comment: WireComment): void;
  ban(comment: WireComment): void;
}

/**
 * The comment list. Comments are queued and added once per animation frame, in one fragment,
 * and the list keeps at most MAX_SHOWN items, so hundreds per second stay smooth. With
 * `actions` (a moderator's page) each comment has delete, pin and ban buttons.
 */
class CommentList {
  readonly root = element("ol", { id: "comments", "aria-live": "polite" });
  private queue: WireComment[] = [];
  private scheduled = false;

  constructor(private readonly actions?: CommentActions) {}

  /** Whether the list shows a moderator's controls. */
  get moderated(): boolean {
    return this.actions !== undefined;
  }

  /** Takes a comment off the page, shown or still queued. */
  remove(commentId: string): void {
    this.queue = this.queue.filter((c) => c.comment_id !== commentId);
    for (const item of this.root.querySelectorAll<HTMLElement>("li[data-comment-id]")) if (item.dataset.commentId === commentId) item.remove();
  }

  /** Shows the author's own comment held for review, until it is published (or the page reloads). */
  addHeld(commentId: string, username: string, text: string): void {
    const item = element("li", { "data-comment-id": commentId, "data-held": "true", class: "held" });
    item.append(element("span", { class: "when" }, "held"), element("span", { class: "who" }, username), element("span", { class: "text" }, text));
    item.append(element("span", { class: "badge" }, "held for review"));
    this.root.append(item);
  }

  add(comments: readonly WireComment[]): void {
    this.queue.push(...comments);
    if (this.queue.length > MAX_SHOWN) this.queue.splice(0, this.queue.length - MAX_SHOWN);
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  clear(): void {
    this.queue = [];
    this.root.replaceChildren();
  }

  /** A moderator's buttons for one comment. */
  private controls(comment: WireComment, actions: CommentActions): HTMLElement {
    const controls = element("span", { class: "moderate" });
    for (const [action, label] of [
      ["delete", "Delete"],
      ["pin", "Pin"],
      ["ban", "Ban"],
    ] as const) {
      const button = element("button", { type: "button", "data-action": action, title: `${label} this comment` }, label);
      button.addEventListener("click", () => actions[action](comment));
      controls.append(button);
    }
    return controls;
  }

  private flush(): void {
    this.scheduled = false;
    const stick = this.root.scrollHeight - this.root.scrollTop - this.root.clientHeight < 40;
    const fragment = document.createDocumentFragment();
    for (const comment of this.queue) {
      // The author's held comment, approved: it takes its place in the stream.
      this.root.querySelector(`li[data-held][data-comment-id="${CSS.escape(comment.comment_id)}"]`)?.remove();
      const item = element("li", { "data-comment-id": comment.comment_id, "data-seq": String(comment.seq), "data-offset-ms": String(comment.offset_ms) });
      item.append(
        element("span", { class: "when" }, formatOffset(comment.offset_ms)),
        element("span", { class: "who" }, comment.username),
        element("span", { class: "text" }, comment.text),
      );
      if (this.actions) item.append(this.controls(comment, this.actions));
      fragment.append(item);
    }
    this.queue = [];
    this.root.append(fragment);
    while (this.root.childElementCount > MAX_SHOWN) this.root.firstElementChild!.remove();
    if (stick) this.root.scrollTop = this.root.scrollHeight;
  }
}

/** How often a live stream's timeline is read again (deletions, other edges' comments). */
const TIMELINE_REFRESH_MS = 60_000;
/** How often the strip is redrawn while the live feed adds to it: a bar per bucket is rebuilt each time. */
const TIMELINE_REDRAW_MS = 1_000;

/**
 * Where the crowd reacted: one bar per bucket of the stream's video, as tall as its count, the
 * peaks marked. A click on a bar or a peak hands its offset to `onSeek`. On a live stream the
 * last bars grow with each comment the feed brings, and the whole is read again once a minute.
 */
class TimelineStrip {
  readonly root = element("div", { id: "timeline", role: "group", "aria-label": "Comments over the video" });
  private readonly bars = element("div", { class: "bars" });
  private readonly marks = element("div", { class: "marks" });
  private readonly playhead = element("div", { class: "playhead" });
  private timeline: WireTimeline = { bucket_s: 1, counts: [], peaks: [] };
  private scheduled = false;

  constructor(
    private readonly streamId: string,
    private readonly revision: number | undefined,
    onSeek?: (offsetMs: number) => void,
  ) {
    this.root.append(this.bars, this.marks, this.playhead);
    if (onSeek) {
      this.root.dataset.seekable = "true";
      this.root.addEventListener("click", (event) => {
        const target = event.target as HTMLElement;
        const peak = target.closest<HTMLElement>("[data-offset-ms]");
        if (peak) return onSeek(Number(peak.dataset.offsetMs));
        const box = this.bars.getBoundingClientRect();
        const count = this.timeline.counts.length;
        if (count === 0 || box.width === 0) return;
        const index = Math.min(count - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * count)));
        onSeek(index * this.timeline.bucket_s * 1000);
      });
    }
  }

  /** Reads the timeline again, and again once a minute while `live`. */
  load(live: boolean): void {
    const read = () =>
      getTimeline({ baseUrl: "" }, this.streamId, this.revision === undefined ? {} : { revision: this.revision }).then(
        (timeline) => {
          this.timeline = timeline;
          this.draw();
        },
        (error: unknown) => showNotice(describe(error)),
      );
    void read();
    if (live) setInterval(() => void read(), TIMELINE_REFRESH_MS);
  }

  /** Counts comments the live feed just brought. */
  add(comments: readonly WireComment[]): void {
    const { bucket_s: bucketS, counts } = this.timeline;
    for (const comment of comments) {
      const index = Math.floor(comment.offset_ms / 1000 / bucketS);
      if (index < 0 || index > counts.length + 86_400) continue;
      while (counts.length <= index) counts.push(0);
      counts[index]!++;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.draw(), TIMELINE_REDRAW_MS);
    }
  }

  /** Moves the marker of where the video is. */
  at(offsetMs: number): void {
    const spanMs = this.timeline.counts.length * this.timeline.bucket_s * 1000;
    this.playhead.style.left = spanMs > 0 ? `${Math.min(100, (offsetMs / spanMs) * 100)}%` : "0";
  }

  private draw(): void {
    this.scheduled = false;
    const { bucket_s: bucketS, counts, peaks } = this.timeline;
    const most = Math.max(1, ...counts);
    this.root.dataset.bucketS = String(bucketS);
    const bars = document.createDocumentFragment();
    counts.forEach((count, index) => {
      const bar = element("span", { "data-count": String(count) });
      // A square root keeps a quiet stretch visible beside a burst ten times its height.
      bar.style.height = count === 0 ? "0" : `max(2px, ${Math.sqrt(count / most) * 100}%)`;
      bar.title = `${formatOffset(index * bucketS * 1000)}: ${count} comments`;
      bars.append(bar);
    });
    this.bars.replaceChildren(bars);
    const spanMs = counts.length * bucketS * 1000;
    this.marks.replaceChildren(
      ...peaks.map((peak, rank) => {
        const mark = element("button", { type: "button", class: "peak", "data-offset-ms": String(peak.offset_ms), "data-rank": String(rank) });
        mark.title = `${formatOffset(peak.offset_ms)}: ${peak.count} comments`;
        mark.style.left = `${((peak.offset_ms + (bucketS * 1000) / 2) / spanMs) * 100}%`;
        return mark;
      }),
    );
  }
}

function showNotice(text: string): void {
  document.getElementById("notice")!.textContent = text;
}

function describe(error: unknown): string {
  return error instanceof LiveCommentsError ? `${error.message} (${error.code})` : String(error);
}

/** The token the page was opened with (#token=...), if any: a moderator's shows moderation controls. */
const fragmentToken = new URLSearchParams(location.hash.slice(1)).get("token") ?? undefined;

/** A token to post with: from the URL fragment (#token=...), or a guest token from a development server. */
async function postingToken(name: string): Promise<string> {
  if (fragmentToken) return fragmentToken;
  const key = `livecomments-guest:${name}`;
  const remembered = sessionStorage.getItem(key);
  if (remembered) return remembered;
  const response = await fetch(`/demo/guest-token?name=${encodeURIComponent(name)}`);
  const body = (await response.json()) as { token?: string; error?: { message: string } };
  if (!response.ok || !body.token) throw new Error(`${body.error?.message ?? "no guest token"}; open this page with #token=<JWT>`);
  sessionStorage.setItem(key, body.token);
  return body.token;
}

/** The moderation API with the page's token, when the page's user moderates the stream (its rank, or the token's scopes). */
function moderationFor(stream: WireStream): ModerationClient | undefined {
  if (!fragmentToken) return undefined;
  const rank = stream.caller_rank;
  if (rank === undefined ? !canModerate(fragmentToken) : rank === "viewer") return undefined;
  const token = fragmentToken;
  return new ModerationClient({ baseUrl: "", token: () => token });
}

/** The moderator's actions on a comment. */
function moderatorActions(streamId: string, moderation: ModerationClient | undefined): CommentActions | undefined {
  if (!moderation) return undefined;
  const report = (error: unknown) => showNotice(describe(error));
  return {
    delete: (comment) => void moderation.deleteComment(streamId, comment.comment_id).catch(report),
    pin: (comment) => void moderation.pin(streamId, comment.comment_id).catch(report),
    ban: (comment) =>
      void moderation
        .ban(streamId, comment.user_id, { reason: "from the demo page" })
        .then(() => showNotice(`${comment.username} is banned from this stream`), report),
  };
}

/** The pinned comment above the list; hidden when nothing is pinned. */
class PinnedBanner {
  readonly root = element("aside", { id: "pinned", hidden: "" });

  show(comment: WireComment | null): void {
    if (!comment) {
      this.root.hidden = true;
      this.root.replaceChildren();
      delete this.root.dataset.commentId;
      return;
    }
    this.root.replaceChildren(
      element("span", { class: "label" }, "Pinned"),
      element("span", { class: "who" }, comment.username),
      element("span", { class: "text" }, comment.text),
    );
    this.root.dataset.commentId = comment.comment_id;
    this.root.hidden = false;
  }

  /** Hides the banner when its comment was deleted. */
  removed(commentId: string): void {
    if (this.root.dataset.commentId === commentId) this.show(null);
  }
}

/**
 * The held queue of a moderator's page: what waits for review, with approve and deny. It opens
 * the live queue first, then lists what was held before, so nothing held in between is missed.
 */
function heldQueue(streamId: string, moderation: ModerationClient): HTMLElement {
  const root = element("section", { id: "held", class: "panel" });
  const list = element("ol", { id: "held-list" });
  const empty = element("p", { class: "hint", id: "held-empty" }, "Nothing is waiting for review.");
  root.append(element("h2", {}, "Held for review"), empty, list);
  const shownIds = new Set<string>();
  const refresh = () => (empty.hidden = list.childElementCount > 0);
  const remove = (commentId: string) => {
    for (const item of list.querySelectorAll<HTMLElement>("li")) if (item.dataset.commentId === commentId) item.remove();
    refresh();
  };
  const report = (error: unknown) => showNotice(describe(error));
  const show = ({ comment, reason }: WireHeldComment) => {
    if (shownIds.has(comment.comment_id)) return;
    shownIds.add(comment.comment_id);
    const item = element("li", { "data-comment-id": comment.comment_id });
    const approve = element("button", { type: "button", "data-action": "approve" }, "Approve");
    const deny = element("button", { type: "button", "data-action": "deny" }, "Deny");
    approve.addEventListener("click", () => void moderation.approve(streamId, comment.comment_id).then(() => remove(comment.comment_id), report));
    deny.addEventListener("click", () => void moderation.deny(streamId, comment.comment_id).then(() => remove(comment.comment_id), report));
    item.append(
      element("span", { class: "who" }, comment.username),
      element("span", { class: "text" }, comment.text),
      element("span", { class: "reason" }, reason),
      approve,
      deny,
    );
    list.append(item);
    refresh();
  };
  void moderation
    .watchHeld(streamId, { onHeld: show, onResolved: (resolution) => remove(resolution.comment_id) })
    .then(async (close) => {
      addEventListener("pagehide", close);
      for (const held of await moderation.heldComments(streamId)) show(held);
      root.dataset.ready = "true";
    })
    .catch(report);
  return root;
}

/** The stream's settings for its moderators: modes and blocked terms; and for its owner, its moderators. */
function streamControls(stream: WireStream, moderation: ModerationClient): HTMLElement {
  const streamId = stream.stream_id;
  const root = element("section", { id: "stream-controls", class: "panel" });
  const report = (error: unknown) => showNotice(describe(error));
  const saved = (what: string) => () => showNotice(`${what} saved`);

  const modes = element("form", { id: "modes" });
  const check = (name: string, label: string, on: boolean) => {
    const box = element("input", { type: "checkbox", name, id: `mode-${name}` });
    box.checked = on;
    const wrap = element("label", { for: `mode-${name}` }, ` ${label}`);
    wrap.prepend(box);
    return { box, wrap };
  };
  const number = (name: string, label: string, value: number, max: number) => {
    const input = element("input", { type: "number", name, id: `mode-${name}`, min: "0", max: String(max), value: String(value) });
    const wrap = element("label", { for: `mode-${name}` }, `${label} `);
    wrap.append(input);
    return { input, wrap };
  };
  const members = check("members_only", "members only", stream.members_only);
  const unique = check("unique_chat", "unique chat", stream.unique_chat);
  const delay = number("delay_s", "delay (s)", stream.delay_s, 10);
  const slow = number("slow_mode_s", "slow mode (s)", stream.slow_mode_s, 3600);
  modes.append(members.wrap, unique.wrap, delay.wrap, slow.wrap, element("button", { type: "submit" }, "Save modes"));
  modes.addEventListener("submit", (event) => {
    event.preventDefault();
    const change = { membersOnly: members.box.checked, uniqueChat: unique.box.checked, delayS: Number(delay.input.value), slowModeS: Number(slow.input.value) };
    moderation.updateModes(streamId, change).then(saved("Modes"), report);
  });

  const terms = element("form", { id: "terms" });
  const termsText = element("textarea", { name: "terms", id: "terms-text", rows: "3", placeholder: "blocked terms, one per line" });
  terms.append(termsText, element("button", { type: "submit" }, "Save blocked terms"));
  moderation.blockedTerms(streamId).then((current) => (termsText.value = current.join("\n")), report);
  terms.addEventListener("submit", (event) => {
    event.preventDefault();
    const list = termsText.value
      .split("\n")
      .map((term) => term.trim())
      .filter(Boolean);
    moderation.setBlockedTerms(streamId, list).then(saved("Blocked terms"), report);
  });
  root.append(element("h2", {}, "Stream settings"), modes, terms);

  if (stream.caller_rank === "owner" || stream.caller_rank === "admin") {
    const people = element("form", { id: "moderators" });
    const names = element("ul", { id: "moderator-list" });
    const who = element("input", { name: "user_id", id: "moderator-id", placeholder: "user id", maxlength: "128" });
    const render = (ids: readonly string[]) => {
      names.replaceChildren(
        ...ids.map((id) => {
          const item = element("li", { "data-user-id": id }, `${id} `);
          const drop = element("button", { type: "button", "data-action": "remove" }, "Remove");
          drop.addEventListener("click", () => void moderation.removeModerator(streamId, id).then(() => item.remove(), report));
          item.append(drop);
          return item;
        }),
      );
    };
    people.append(names, who, element("button", { type: "submit" }, "Add moderator"));
    moderation.moderators(streamId).then((answer) => render(answer.moderators), report);
    people.addEventListener("submit", (event) => {
      event.preventDefault();
      const id = who.value.trim();
      if (id) moderation.addModerator(streamId, id).then(render, report);
      who.value = "";
    });
    root.append(element("h3", {}, "Moderators"), people);
  }
  return root;
}

function liveView(stream: WireStream): void {
  const moderation = moderationFor(stream);
  const list = new CommentList(moderatorActions(stream.stream_id, moderation));
  const pinned = new PinnedBanner();
  const form = element("form", { id: "post" });
  const name = element("input", { name: "name", id: "post-name", placeholder: "your name", maxlength: "40", value: params.get("name") ?? "" });
  const text = element("input", { name: "text", id: "post-text", placeholder: "say something", maxlength: "300", autocomplete: "off" });
  const send = element("button", { type: "submit", id: "post-button" }, "Send");
  form.append(name, text, send);
  const timeline = new TimelineStrip(stream.stream_id, undefined);
  const column = element("section", { class: "column" });
  column.append(timeline.root, pinned.root, list.root, form, element("div", { id: "notice", role: "status" }));
  app.replaceChildren(column);
  timeline.load(true);
  if (moderation) {
    const side = element("section", { class: "column" });
    side.append(heldQueue(stream.stream_id, moderation), streamControls(stream, moderation));
    app.append(side);
  }
  if (list.moderated) document.body.dataset.moderator = "true";

  const feed = new LiveFeed({
    baseUrl: "",
    streamId: stream.stream_id,
    ...(params.has("batch_ms") ? { batchMs: Number(params.get("batch_ms")) } : {}),
    ...(params.has("max_rate") ? { maxRate: Number(params.get("max_rate")) } : {}),
    onComments: (comments) => {
      list.add(comments);
      timeline.add(comments);
    },
    onDelete: (commentId) => {
      list.remove(commentId);
      pinned.removed(commentId);
    },
    onPinned: (comment) => pinned.show(comment),
    onSlowMode: (seconds) => showNotice(seconds > 0 ? `Slow mode: one comment every ${seconds} s` : ""),
    // The stream is over: the page becomes its replay.
    onEnded: () => void main(),
    onStateChange: (state) => {
      stateBadge.dataset.state = state;
      stateBadge.textContent = state;
    },
    onViewers: (count) => (viewersLabel.textContent = `${count} watching`),
    onError: (error) => showNotice(describe(error)),
  });
  stateBadge.dataset.state = feed.state;
  stateBadge.textContent = feed.state;
  addEventListener("pagehide", () => feed.close());

  const poster = new CommentPoster({ baseUrl: "", token: () => postingToken(name.value.trim() || "Guest") });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = text.value;
    if (message.trim() === "") return;
    text.value = "";
    showNotice("");
    poster.post(stream.stream_id, message).then(
      (answer) => {
        if (answer.status === "held") list.addHeld(answer.comment_id, name.value.trim() || "You", message);
      },
      (error: unknown) => {
        text.value ||= message;
        showNotice(describe(error));
      },
    );
  });
}

function replayView(stream: WireStream): void {
  const list = new CommentList();
  const player = element("video", { id: "player", controls: "", preload: "auto", muted: "", playsinline: "", src: "/demo/replay.webm" });
  player.muted = true;
  const about = element(
    "p",
    { class: "hint" },
    `Replay: ${stream.comment_count ?? 0} comments over ${formatOffset((stream.ended_at ?? stream.started_at) - stream.started_at)}.`,
  );
  // Clicking the timeline moves the video there through the sync, which reads that moment first.
  const timeline = new TimelineStrip(stream.stream_id, stream.revision, (offsetMs) => sync.seek(offsetMs));
  player.addEventListener("timeupdate", () => timeline.at(player.currentTime * 1000));
  const videoColumn = element("section", { class: "column" });
  videoColumn.append(player, timeline.root, about, element("div", { id: "notice", role: "status" }));
  const commentColumn = element("section", { class: "column" });
  commentColumn.append(list.root);
  app.replaceChildren(videoColumn, commentColumn);
  stateBadge.dataset.state = "replay";
  stateBadge.textContent = "replay";
  timeline.load(false);
  const sync = new PlaybackSync({
    baseUrl: "",
    streamId: stream.stream_id,
    player,
    windowMs: secondsParam("window", 180_000),
    backfillMs: params.has("backfill") ? Number(params.get("backfill")) * 1000 || 0 : 30_000,
    ...(stream.revision === undefined ? {} : { revision: stream.revision }),
    ...(params.has("replay_rate") ? { maxRate: Number(params.get("replay_rate")) } : {}),
    onComments: (comments) => list.add(comments),
    onClear: () => list.clear(),
    onError: (error) => showNotice(describe(error)),
  });
}

function pickStreamView(): void {
  const form = element("form", { id: "open" });
  const input = element("input", { name: "stream", placeholder: "stream id", pattern: "[A-Za-z0-9_-]{1,64}", required: "" });
  form.append(input, element("button", { type: "submit" }, "Open"));
  const hint = element("p", { class: "hint" }, "Open a stream by its id. Create one with the admin token npm start prints:");
  const example = element("pre");
  example.append(
    element(
      "code",
      {},
      `curl -X POST ${location.origin}/v1/streams -H "authorization: Bearer $ADMIN" -H 'content-type: application/json' -d '{"stream_id":"demo"}'`,
    ),
  );
  const column = element("section", { class: "column" });
  column.append(form, hint, example);
  app.replaceChildren(column);
}

async function main(): Promise<void> {
  if (!streamId) return pickStreamView();
  try {
    // With the page's token, the stream says what its user is on it: the moderators' and the owner's controls follow.
    const stream = await getStream({ baseUrl: "", ...(fragmentToken ? { token: fragmentToken } : {}) }, streamId);
    document.getElementById("title")!.textContent = stream.title || stream.stream_id;
    document.title = `${stream.title || stream.stream_id} · Live Comments`;
    if (stream.ended_at == null) liveView(stream);
    else replayView(stream);
  } catch (error) {
    const notice = element("p", { id: "notice" }, describe(error));
    app.replaceChildren(notice);
  }
}

void main();
