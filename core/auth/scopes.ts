// The scopes a token may carry, and what each allows.

/** The scope that may create and end streams. */
export const STREAMS_ADMIN_SCOPE = "streams:admin";

/** The scope that may subscribe to the relay (FanoutRelay.Subscribe): edges and other backends. */
export const RELAY_SUBSCRIBE_SCOPE = "relay:subscribe";

/** The scope that may delete and pin comments, ban users and set slow mode; streams:admin implies it. */
export const COMMENTS_MODERATE_SCOPE = "comments:moderate";
