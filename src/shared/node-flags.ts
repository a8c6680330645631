/**
 * V8's young generation capped at 8 MiB a semi-space. The default lets it grow to 64 MiB (Node 24,
 * 64-bit) where a long run's short-lived garbage (every item's grading, every page read) then sits
 * before each scavenge. Measured with `npm run bench:engine` on 100,000 items and five graders
 * (medians of 3): peak RSS 196 MiB at 16 MiB, 172 MiB at 8, 198 MiB at 4, 8 being no slower.
 */
export const NODE_FLAGS = ['--max-semi-space-size=8'] as const;

/**
 * Those of `flags` the process was not started with, in its own flags or in NODE_OPTIONS: a user's
 * choice is kept, whatever its spelling (`--max_semi_space_size 8` names the same flag).
 */
export function missingNodeFlags(flags: readonly string[], execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map(flagName);
  return flags.filter((flag) => !given.includes(flagName(flag)));
}

function flagName(flag: string): string {
  return (flag.split('=')[0] ?? '').replace(/_/g, '-');
}
