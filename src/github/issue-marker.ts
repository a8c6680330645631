import { hiddenMarker } from './comment-marker.js';

/**
 * The hidden first line that identifies one gate's tracking issue. The `issue` namespace keeps an
 * issue marker from ever matching a sticky comment's, and the reverse.
 */
export function issueMarker(key: string): string {
  return hiddenMarker('issue', key);
}
