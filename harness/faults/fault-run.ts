import { LiveCommentsError, getWindow } from "../../client/wire.js";
import type { RoleSlot } from "./deployment.js";
import { runOnDeployment, startDeployment } from "./deployment.js";
import { sleep, until } from "../until.js";
import { timelineDisagreement } from "../timeline-check.js";
import { HELD_MARK, Posters } from "./load.js";
import type { Viewer } from "./load.js";
import type { OwnEngine } from "./own-engines.js";

/** The shape of one fault-suite run. */
export interface FaultRunOptions {
  readonly ratePerSec: number;
  readonly streams: number;
  readonly viewers: number;
  /** Steady load before each fault, while the fault lasts, and after recovery. */
  readonly beforeMs: number;
  readonly downMs: number;
  readonly afterMs: number;
  /** Longest a recovery may take to pass. */
  readonly recoveryBoundMs: number;
  /** Only the faults whose names contain one of these (all when empty). */
  readonly only?: readonly string[];
  readonly progress?: (line: string) => void;
}

/** One line of the suite's table. */
export interface FaultRow {
  readonly fault: string;
  readonly accepted: number;
  readonly refused: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly viewersWithGaps: number;
  /** Viewers with a gap that no `reset` event announced. */
  readonly viewersWithUnannouncedGaps: number;
  /** Viewers that were sent a `reset`. */
  readonly viewersReset: number;
  readonly viewersOutOfOrder: number;
  /** Comments a moderator deleted under load (in this phase or before) that the archive shows again. */
  readonly undeleted: number;
  /** Streams whose timeline (per-second counts) disagrees with the comments their archive holds. */
  readonly timelineWrong: number;
  /** Posts of this phase answered 202 held for review (half are approved after the fault). */
  readonly held: number;
  /** Held posts gone: neither in the held queue nor, once approved, in the archive. */
  readonly heldLost: number;
  /** Held posts a viewer or the archive showed while not approved. */
  readonly heldShown: number;
  readonly recoveryMs: number;
}

interface Fault {
  readonly name: string;
  /** Breaks something; answers how to repair it. */
  inject(): Promise<() => Promise<void>>;
}

/**
 * The fault suite: the distributed mode on engines of its own, under steady load (posters
 * with Idempotency-Keys, SSE viewers that resume with Last-Event-ID), with each role and each
 * engine in turn killed with SIGKILL and started again, and one engine paused (SIGSTOP) and
 * resumed; before each fault a moderator deletes a comment under the load, and one post in ten
 * is held for review by the streams' blocked term. After each fault it stops the load, lets
 * everything settle, approves half of the phase's held comments, and checks that every comment
 * answered 202 published (and not deleted) or approved is in the archive once, that no comment
 * is stored twice, that no deleted comment came back, that every viewer saw every comment of its
 * stream in order, and that every held comment not approved is still in its queue and was shown
 * nowhere.
 */
export async function runFaults(options: FaultRunOptions): Promise<FaultRow[]> {
  const say = options.progress ?? (() => {});
  const deployment = await startDeployment({ streams: options.streams, posters: options.ratePerSec * 4, viewers: options.viewers, say });
  const { engines, roles, streams, tokens, canaryToken, moderatorToken, ingestUrl, archiveUrl, viewers, canaryViewer } = deployment;
  /** Comments deleted under load so far: each must stay out of the archive through every later fault. */
  const deleted = new Set<string>();
  return runOnDeployment(deployment, async () => {
    const engineFault = (engine: OwnEngine): Fault => ({
      name: `kill -9 ${engine.name}`,
      inject: async () => (await engine.kill(), () => engine.start()),
    });
    const roleFault = (role: RoleSlot): Fault => ({
      name: `kill -9 ${role.role}`,
      inject: async () => (await role.kill(), () => role.start()),
    });
    const faults: Fault[] = [
      { name: "none (baseline)", inject: async () => async () => {} },
      roleFault(roles.ingest),
      roleFault(roles.relay),
      roleFault(roles.edge),
      roleFault(roles.archive),
      engineFault(engines.kafka),
      engineFault(engines.redis),
      engineFault(engines.cassandra),
      { name: "SIGSTOP Kafka", inject: async () => (engines.kafka.pause(), async () => engines.kafka.resume()) },
      { name: "SIGSTOP ingest", inject: async () => (roles.ingest.signal("SIGSTOP"), async () => roles.ingest.signal("SIGCONT")) },
    ].filter((fault) => !options.only?.length || options.only.some((part) => fault.name.includes(part)));

    const rows: FaultRow[] = [];
    for (const [index, fault] of faults.entries()) {
      say(`fault ${index + 1}/${faults.length}: ${fault.name}`);
      for (const viewer of viewers) viewer.clear();
      const posters = new Posters({
        baseUrl: ingestUrl,
        streams,
        tokens,
        ratePerSec: options.ratePerSec,
        maxInFlight: Math.max(200, options.ratePerSec * 2),
        heldEvery: HELD_EVERY,
      });
      posters.start(`p${index}`);
      await sleep(options.beforeMs);
      await deleteOneUnderLoad(ingestUrl, moderatorToken, posters, deleted, say);
      const repair = await fault.inject();
      await sleep(options.downMs);
      const repairedAt = Date.now();
      await repair();
      const recoveryMs = await recovered(ingestUrl, canaryToken, canaryViewer, repairedAt, options.recoveryBoundMs);
      await sleep(options.afterMs);
      await posters.stop();
      say(`  ${fault.name}: recovered in ${recoveryMs} ms; checking`);
      const review = await reviewHeld(ingestUrl, moderatorToken, posters);
      const checked = await check(posters, archiveUrl, streams, viewers, `p${index}-`, deleted, review.approved);
      const heldLost = review.lost + (await resolveTheRest(ingestUrl, moderatorToken, posters, review.approved));
      const row: FaultRow = { fault: fault.name, recoveryMs, ...checked, heldLost };
      rows.push(row);
      if (row.lost + row.duplicated + row.viewersWithGaps + row.viewersOutOfOrder + row.undeleted + row.timelineWrong + row.heldLost + row.heldShown > 0)
        deployment.sayRoleOutputs();
    }
    return rows;
  });
}

/** One post in this many is held for review (it carries the mark every stream blocks). */
const HELD_EVERY = 10;

/** A moderator's call, retried while the system answers 503 (it may still be settling). */
async function moderate(url: string, method: string, token: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    if (response.status !== 503 || attempt >= 10) return response.status;
    await sleep(500);
  }
}

/**
 * A moderator approves every other comment held in this phase, after the fault: each must still
 * be waiting (200); one that is not was lost.
 */
async function reviewHeld(ingestUrl: string, token: string, posters: Posters): Promise<{ approved: Set<string>; lost: number }> {
  const approved = new Set<string>();
  let lost = 0;
  const held = posters.outcomes.filter((outcome) => outcome.held);
  for (const [i, outcome] of held.entries()) {
    if (i % 2 !== 0) continue;
    const status = await moderate(`${ingestUrl}/v1/streams/${outcome.streamId}/held/${outcome.commentId}/approve`, "POST", token);
    if (status === 200) approved.add(outcome.commentId!);
    else lost++;
  }
  return { approved, lost };
}

/** The held comments not approved must be in their stream's queue; each is then denied (204). Answers how many were not. */
async function resolveTheRest(ingestUrl: string, token: string, posters: Posters, approved: ReadonlySet<string>): Promise<number> {
  const waiting = posters.outcomes.filter((outcome) => outcome.held && !approved.has(outcome.commentId!));
  const queues = new Map<string, Set<string>>();
  for (const streamId of new Set(waiting.map((outcome) => outcome.streamId))) {
    const response = await fetch(`${ingestUrl}/v1/streams/${streamId}/held`, { headers: { authorization: `Bearer ${token}` } });
    const { held } = (await response.json()) as { held: { comment: { comment_id: string } }[] };
    queues.set(streamId, new Set(held.map((entry) => entry.comment.comment_id)));
  }
  let lost = 0;
  for (const outcome of waiting) {
    const listed = queues.get(outcome.streamId)!.has(outcome.commentId!);
    const denied = (await moderate(`${ingestUrl}/v1/streams/${outcome.streamId}/held/${outcome.commentId}/deny`, "POST", token)) === 204;
    if (!listed || !denied) lost++;
  }
  return lost;
}

/** A moderator deletes one comment accepted in this phase, while the load runs. */
async function deleteOneUnderLoad(ingestUrl: string, token: string, posters: Posters, deleted: Set<string>, say: (line: string) => void): Promise<void> {
  const target = posters.outcomes.find((outcome) => outcome.commentId !== undefined && !outcome.held);
  if (!target) return say("  no comment accepted yet to delete");
  const response = await fetch(`${ingestUrl}/v1/streams/${target.streamId}/comments/${target.commentId}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200) throw new Error(`deleting ${target.commentId} under load: ${response.status} ${await response.text()}`);
  deleted.add(target.commentId!);
}

/** Milliseconds from the repair until a canary comment is accepted and reaches a viewer. */
async function recovered(ingestUrl: string, token: string, canary: Viewer, since: number, boundMs: number): Promise<number> {
  const deadline = since + boundMs;
  let lastAnswer = "none";
  for (let n = 0; Date.now() < deadline; n++) {
    const sentAfter = canary.seqs.length;
    try {
      const response = await fetch(`${ingestUrl}/v1/streams/canary/comments`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: `canary ${since}-${n}` }),
        signal: AbortSignal.timeout(2_000),
      });
      lastAnswer = String(response.status);
      if (response.status === 202) {
        const { seq } = (await response.json()) as { seq: number };
        const seen = await until(() => canary.seqs.slice(sentAfter).includes(seq), Math.max(0, deadline - Date.now()), "canary delivered").then(
          () => true,
          () => false,
        );
        if (seen) return Date.now() - since;
      }
    } catch (error) {
      lastAnswer = String(error);
    }
    await sleep(200);
  }
  const viewer = `open ${canary.open}, ${canary.seqs.length} comments, ${canary.resets} resets, ${canary.reconnects} reconnects`;
  throw new Error(`the system did not recover within ${boundMs} ms (last canary post answer: ${lastAnswer}; canary viewer: ${viewer})`);
}

/** Compares what was accepted and what viewers saw with what the archive holds. */
export async function check(
  posters: Posters,
  archiveUrl: string,
  streams: readonly string[],
  viewers: readonly Viewer[],
  label: string,
  deleted: ReadonlySet<string> = new Set(),
  approved: ReadonlySet<string> = new Set(),
): Promise<Omit<FaultRow, "fault" | "recoveryMs" | "heldLost">> {
  // A deleted comment is accepted but gone from the archive for good; a held one is in the
  // archive only once approved.
  const answered = posters.outcomes.filter((outcome) => outcome.commentId !== undefined && !deleted.has(outcome.commentId));
  const held = answered.filter((outcome) => outcome.held);
  const accepted = answered.filter((outcome) => !outcome.held || approved.has(outcome.commentId!));
  const refused = posters.outcomes.length - answered.length;
  // The archive is asynchronous: wait until it holds every accepted comment and has applied every
  // deletion (a batch's comments and its deletions are written one after the other, and a
  // restarting Cassandra can fail the second until it is back), or give up and count.
  let archived = new Map<string, { commentId: string; seq: number; text: string; offsetMs: number }[]>();
  const holdsAll = () =>
    accepted.every((outcome) => archived.get(outcome.streamId)?.some((c) => c.commentId === outcome.commentId)) &&
    ![...archived.values()].some((comments) => comments.some((c) => deleted.has(c.commentId)));
  const deadline = Date.now() + 60_000;
  do {
    archived = new Map(await Promise.all(streams.map(async (streamId) => [streamId, await archiveOf(archiveUrl, streamId)] as const)));
    if (holdsAll()) break;
    await sleep(500);
  } while (Date.now() < deadline);
  const archivedIds = new Set([...archived.values()].flat().map((c) => c.commentId));
  // The per-second counts follow the archive's writes: a stream whose timeline still disagrees
  // with its comments after a while counts them wrong.
  const timelinesWrong = async () =>
    (
      await Promise.all(
        streams.map((streamId) =>
          timelineDisagreement(
            archiveUrl,
            streamId,
            (archived.get(streamId) ?? []).map((c) => c.offsetMs),
          ).catch(String),
        ),
      )
    ).filter((disagreement) => disagreement !== undefined).length;
  let timelineWrong = await timelinesWrong();
  for (const timelineDeadline = Date.now() + 15_000; timelineWrong > 0 && Date.now() < timelineDeadline; timelineWrong = await timelinesWrong())
    await sleep(500);
  const lost = accepted.filter((outcome) => !archivedIds.has(outcome.commentId!)).length;
  const undeleted = [...deleted].filter((commentId) => archivedIds.has(commentId)).length;
  const texts = [...archived.values()].flat().map((c) => c.text);
  const duplicated = texts.length - new Set(texts).size;

  // Viewers: each must have every comment of this phase of its stream, in seq order, once.
  const phase = new Map(streams.map((streamId) => [streamId, (archived.get(streamId) ?? []).filter((c) => c.text.startsWith(label)).map((c) => c.seq)]));
  const lastOf = new Map([...archived].map(([streamId, comments]) => [streamId, Math.max(-1, ...comments.map((c) => c.seq))]));
  await until(() => viewers.every((viewer) => (viewer.lastSeq ?? -1) >= lastOf.get(viewer.streamId)!), 30_000, "viewers caught up").catch(() => {});
  let viewersWithGaps = 0;
  let viewersWithUnannouncedGaps = 0;
  let viewersOutOfOrder = 0;
  for (const viewer of viewers) {
    const seen = new Set(viewer.seqs);
    if (phase.get(viewer.streamId)!.some((seq) => !seen.has(seq))) {
      viewersWithGaps++;
      if (viewer.resets === 0) viewersWithUnannouncedGaps++;
    }
    if (viewer.seqs.some((seq, i) => i > 0 && seq <= viewer.seqs[i - 1]!)) viewersOutOfOrder++;
  }
  const viewersReset = viewers.filter((viewer) => viewer.resets > 0).length;
  // A held comment shows nowhere before it is approved.
  const approvedTexts = new Set(held.filter((outcome) => approved.has(outcome.commentId!)).map((outcome) => outcome.text));
  const ofPhase = (text: string) => text.startsWith(label) && text.includes(HELD_MARK);
  const shownTexts = new Set([...texts, ...viewers.flatMap((viewer) => viewer.heldTexts)].filter(ofPhase));
  const heldShown = [...shownTexts].filter((text) => !approvedTexts.has(text)).length;
  return {
    accepted: accepted.length,
    refused,
    lost,
    duplicated,
    viewersWithGaps,
    viewersWithUnannouncedGaps,
    viewersReset,
    viewersOutOfOrder,
    undeleted,
    timelineWrong,
    held: held.length,
    heldShown,
  };
}

/** Every comment of a stream in the archive (its first hour), through the playback API. */
async function archiveOf(archiveUrl: string, streamId: string): Promise<{ commentId: string; seq: number; text: string; offsetMs: number }[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      const comments = await getWindow(
        { baseUrl: archiveUrl, fetch },
        streamId,
        { startMs: 0, durationMs: 3_600_000, pageLimit: 1_000 },
        AbortSignal.timeout(60_000),
      );
      return comments.map((c) => ({ commentId: c.comment_id, seq: c.seq, text: c.text, offsetMs: c.offset_ms }));
    } catch (error) {
      // Just after a fault the archive may still answer "try again"; anything else is a failure.
      if (!(error instanceof LiveCommentsError && error.status === 503) || attempt >= 60)
        throw new Error(`archive of ${streamId}: ${String(error)}`, { cause: error });
      await sleep(500);
    }
  }
}
