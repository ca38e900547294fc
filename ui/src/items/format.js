// One formatter for every cell: `Date.toLocaleString` builds a new one per call, which at fifty
// rows a frame cost most of a scroll frame.
const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

export function formatTime(t) {
  if (!t) return '';
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? String(t) : TIME.format(date);
}
