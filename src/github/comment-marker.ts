/**
 * The hidden first line that identifies one of the gate's own comments or issues, e.g.
 * `<!-- evals-gate:comment key=eval_123 -->`. The key is percent-encoded, and `-` too, so it can hold
 * no `--`, `>`, space or newline: it cannot end the HTML comment early, and two different keys always
 * give two different markers. Each `kind` is its own namespace: no issue marker ever matches a comment's.
 */
export function hiddenMarker(kind: 'comment' | 'issue', key: string): string {
  // encodeURIComponent throws on lone surrogates; a replacement character keeps any key usable.
  const wellFormed = key.replace(/[\uD800-\uDFFF]/gu, '\uFFFD');
  const encoded = encodeURIComponent(wellFormed).replace(/-/g, '%2D');
  return `<!-- evals-gate:${kind} key=${encoded} -->`;
}

/** The hidden first line that identifies one gate's sticky comment. */
export function commentMarker(key: string): string {
  return hiddenMarker('comment', key);
}

/**
 * Whether `body` is a comment carrying `marker`. Only the first line counts, and it must be exactly
 * the marker: the rest of a report holds untrusted text, which must never be able to claim a comment.
 */
export function hasMarker(body: string, marker: string): boolean {
  const newline = body.indexOf('\n');
  const firstLine = newline === -1 ? body : body.slice(0, newline);
  // Bodies edited in GitHub's web editor come back with CRLF line ends.
  return firstLine.replace(/\r$/, '') === marker;
}
