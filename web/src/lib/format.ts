// Small display formatters shared by the shell, chat and approval card. Times are shown in the
// viewer's local zone; callers put the ISO-8601 value in a title for hover.

const pad = (n: number) => String(n).padStart(2, "0");

/** hh:mm:ss in local time (24 h). */
export function clockTime(d: Date): string {
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "3h 04m 12s", "4m 09s", "12s" for a non-negative number of milliseconds. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** "5 minutes ago" style wording for a past ISO time, relative to `now`. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const sec = Math.round((now - t) / 1000);
  const future = sec < 0;
  const abs = Math.abs(sec);
  const [n, unit] =
    abs < 60
      ? [abs, "second"]
      : abs < 3600
        ? [Math.floor(abs / 60), "minute"]
        : abs < 86_400
          ? [Math.floor(abs / 3600), "hour"]
          : [Math.floor(abs / 86_400), "day"];
  if (abs < 5) return "just now";
  const phrase = `${n} ${unit}${n === 1 ? "" : "s"}`;
  return future ? `in ${phrase}` : `${phrase} ago`;
}

/** "instance_reboot" → "Instance reboot". */
export function humanizeToolName(name: string): string {
  const words = name.replace(/[._]+/g, " ").trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}

/** Pretty JSON for display; values JSON cannot carry (undefined) show as an empty string. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return "";
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}
