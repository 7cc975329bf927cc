// The scopes a token may carry, and what each allows.

/** The scope that may create and end streams. */
export const STREAMS_ADMIN_SCOPE = "streams:admin";
