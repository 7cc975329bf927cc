import { Observable } from "rxjs";
import type { FanoutRelay } from "./fanout-relay.js";
import type { FanoutSource, RelayEvent } from "../ports/fanout/index.js";

/** The embedded fan-out: the edge subscribes to the relay in the same process. */
export function createInProcessFanout(relay: FanoutRelay): FanoutSource {
  return {
    subscribe(streamId, afterSeq, history = 0) {
      return new Observable<RelayEvent>((subscriber) => relay.subscribe(streamId, afterSeq, (event) => subscriber.next(event), history));
    },
  };
}
