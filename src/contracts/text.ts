/** Small text helpers shared by workflows, activities and the CLI; pure, so workflow code may use them. */

/** Cuts text to `max` characters, marking the cut with an ellipsis (which counts toward `max`). */
export function truncate(text: string, max: number): string {
  if (max <= 1) return text.slice(0, Math.max(0, max));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
