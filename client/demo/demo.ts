// The demo page: a live view of a running stream (comments, post box, connection state) and a
// replay view of an ended one (a video with its comments in sync). Comment text only ever
// reaches the page through textContent.
import { CommentPoster, LiveCommentsError, LiveFeed, ModerationClient, PlaybackSync, canModerate, getStream } from "@livecomments/client";
import type { WireComment, WireStream } from "@livecomments/client";

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

/** The moderator's actions on a comment, when the page's token may moderate. */
function moderatorActions(streamId: string): CommentActions | undefined {
  if (!fragmentToken || !canModerate(fragmentToken)) return undefined;
  const token = fragmentToken;
  const moderation = new ModerationClient({ baseUrl: "", token: () => token });
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

function liveView(stream: WireStream): void {
  const list = new CommentList(moderatorActions(stream.stream_id));
  const pinned = new PinnedBanner();
  const form = element("form", { id: "post" });
  const name = element("input", { name: "name", id: "post-name", placeholder: "your name", maxlength: "40", value: params.get("name") ?? "" });
  const text = element("input", { name: "text", id: "post-text", placeholder: "say something", maxlength: "300", autocomplete: "off" });
  const send = element("button", { type: "submit", id: "post-button" }, "Send");
  form.append(name, text, send);
  const column = element("section", { class: "column" });
  column.append(pinned.root, list.root, form, element("div", { id: "notice", role: "status" }));
  app.replaceChildren(column);
  if (list.moderated) document.body.dataset.moderator = "true";

  const feed = new LiveFeed({
    baseUrl: "",
    streamId: stream.stream_id,
    ...(params.has("batch_ms") ? { batchMs: Number(params.get("batch_ms")) } : {}),
    ...(params.has("max_rate") ? { maxRate: Number(params.get("max_rate")) } : {}),
    onComments: (comments) => list.add(comments),
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
    poster.post(stream.stream_id, message).catch((error: unknown) => {
      text.value ||= message;
      showNotice(describe(error));
    });
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
  const videoColumn = element("section", { class: "column" });
  videoColumn.append(player, about, element("div", { id: "notice", role: "status" }));
  const commentColumn = element("section", { class: "column" });
  commentColumn.append(list.root);
  app.replaceChildren(videoColumn, commentColumn);
  stateBadge.dataset.state = "replay";
  stateBadge.textContent = "replay";
  new PlaybackSync({
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
    const stream = await getStream({ baseUrl: "" }, streamId);
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
