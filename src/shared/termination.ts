/**
 * Calls `handler` once on the first SIGINT or SIGTERM (the runner sends SIGINT when a workflow is
 * cancelled, SIGTERM 7.5 s later, SIGKILL 2.5 s after that). Later signals are swallowed so the
 * handler can finish its work, then the process exits with `exitCode`. Returns an uninstaller.
 */
export function onTermination(handler: (signal: NodeJS.Signals) => Promise<void>, exitCode = 1): () => void {
  let handling = false;
  const listener = (signal: NodeJS.Signals) => {
    if (handling) return;
    handling = true;
    handler(signal)
      .catch(() => undefined)
      .finally(() => process.exit(exitCode));
  };
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return () => {
    // Once a signal is being handled, stay installed: a SIGTERM must not kill the cancellation.
    if (handling) return;
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}
