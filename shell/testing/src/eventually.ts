/**
 * Waits for `ready` to hold, polling every `everyMs`, and fails naming `what` once `withinMs` have passed: for
 * tests that wait on other processes or on the database, where no event tells them it happened.
 */
export const eventually = async (
  ready: () => boolean | Promise<boolean>,
  { what = "condition", withinMs = 30_000, everyMs = 20 }: { what?: string; withinMs?: number; everyMs?: number } = {}
) => {
  const end = Date.now() + withinMs
  while (!(await ready())) {
    if (Date.now() > end) throw new Error(`${what} not met before the deadline`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}
