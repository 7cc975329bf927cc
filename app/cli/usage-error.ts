/** A mistake in how a command was called: printed with its usage, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export function usageError(message: string, usage: string): UsageError {
  return new UsageError(message, usage);
}
