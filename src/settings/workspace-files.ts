import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from './input-error.js';

/**
 * Resolves a path from an input against the workspace and reads it as text. Paths that leave the
 * workspace are refused: a pull request controls these inputs' files, and must not be able to make the
 * action send, say, a runner credential file to the Evals API.
 */
export function readWorkspaceFile(input: string, workspace: string, path: string, from = workspace): { path: string; text: string } {
  const { path: full, size, rel } = resolveWorkspaceFile(input, workspace, path, from);
  if (size > MAX_FILE_BYTES) {
    throw new InputError(input, `${rel} is ${size} bytes; at most ${MAX_FILE_BYTES} are accepted.`);
  }
  return { path: full, text: readFileSync(full, 'utf8') };
}

/** The checked absolute path of a workspace file (the rules of readWorkspaceFile), without reading it. */
export function resolveWorkspaceFile(input: string, workspace: string, path: string, from = workspace): { path: string; size: number; rel: string } {
  const full = resolve(from, path);
  const rel = relative(resolve(workspace), full);
  if (isOutside(rel)) throw new InputError(input, `${path} is outside the workspace (${workspace}).`);
  // .git/config holds the checkout's token (persist-credentials): never send it anywhere.
  if (rel.split(/[\\/]/).includes('.git')) throw new InputError(input, `${path} is inside .git/, which is never read.`);
  let size: number;
  try {
    // A committed symlink could point anywhere: the file it leads to must be in the workspace too.
    const real = relative(realpathSync(workspace), realpathSync(full));
    if (isOutside(real) || real.split(/[\\/]/).includes('.git')) {
      throw new InputError(input, `${rel} leads outside the workspace (${workspace}) or into .git/ through a symbolic link.`);
    }
    const stat = statSync(full);
    if (!stat.isFile()) throw new InputError(input, `${rel} is not a file.`);
    size = stat.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(input, `cannot read ${rel}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`);
  }
  return { path: full, size, rel };
}

function isOutside(rel: string): boolean {
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

// Inline file_content travels in one request body; far larger files belong in the API's file store.
const MAX_FILE_BYTES = 256 * 1024 * 1024;
