import assert from "node:assert/strict";
import { test } from "vitest";
import fc from "fast-check";
import { formatSseEvent } from "./sse-format.js";

/** The WHATWG event-stream parser, for one block of fields (what EventSource would dispatch). */
function parseEvents(stream: string): { event: string; id: string | undefined; data: string }[] {
  const events: { event: string; id: string | undefined; data: string }[] = [];
  let event = "";
  let id: string | undefined;
  let data: string[] = [];
  for (const line of stream.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (data.length > 0) events.push({ event: event || "message", id, data: data.join("\n") });
      event = "";
      data = [];
      continue;
    }
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
  }
  return events;
}

test("property: whatever a comment holds, its event parses back as exactly one event with the same data", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), fc.string({ maxLength: 20 }), fc.nat(), (data, name, id) => {
      const text = formatSseEvent({ event: name, id, data });
      const events = parseEvents(text);
      assert.equal(events.length, 1, JSON.stringify(text));
      // Line breaks of any kind come back as \\n; nothing else changes.
      assert.equal(events[0]!.data, data.replace(/\r\n|\r/g, "\n"));
      assert.equal(events[0]!.id, String(id));
      assert.equal(events[0]!.event, name.replace(/[\r\n\0]/g, "") || "message");
    }),
    { numRuns: 2_000 },
  );
});

test("property: data can never start a second event or set fields of its own", () => {
  const hostile = fc
    .array(fc.constantFrom("\n", "\r", "\r\n", "\n\n", "data: x", "event: reset", "id: 999", "retry: 1", ":", "x"), { maxLength: 20 })
    .map((parts) => parts.join(""));
  fc.assert(
    fc.property(hostile, (data) => {
      const events = parseEvents(formatSseEvent({ event: "comments", id: 7, data }));
      assert.deepEqual(
        events.map((e) => [e.event, e.id]),
        [["comments", "7"]],
      );
    }),
    { numRuns: 2_000 },
  );
});
