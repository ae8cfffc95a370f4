// A minimal Server-Sent Events client for tests: real HTTP through fetch, frames parsed as the
// EventSource spec reads them (id, event, data lines; comments kept so a test can wait for `: live`).
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
  /** Comment lines (`: …`) seen since the previous frame. */
  comments: string[];
}

export interface SseStream {
  status: number;
  headers: Headers;
  /** The next frame with data, or the next comment (as a frame with event "comment"); null at end of stream. */
  next(): Promise<SseFrame | null>;
  /** Frames up to and including the comment `text` (e.g. "live"). */
  until(comment: string): Promise<SseFrame[]>;
  /** The next n data frames, skipping comments. */
  take(n: number): Promise<SseFrame[]>;
  close(): void;
  /** The response body, when the server answered with something other than a stream. */
  text(): Promise<string>;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: abort.signal });
  // Locked only once read as a stream, so a problem+json answer can still be read with text().
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const decoder = new TextDecoder();
  let buffer = "";
  let done = false;
  const readBlock = async (): Promise<string | null> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return block;
      }
      reader ??= res.body?.getReader();
      if (done || !reader) return null;
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) done = true;
      else buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
  const next = async (): Promise<SseFrame | null> => {
    const block = await readBlock();
    if (block === null) return null;
    const frame: SseFrame = { event: "message", data: "", comments: [] };
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) frame.comments.push(line.slice(1).trim());
      else if (line.startsWith("id: ")) frame.id = line.slice(4);
      else if (line.startsWith("event: ")) frame.event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    frame.data = data.join("\n");
    if (data.length === 0 && frame.comments.length > 0) frame.event = "comment";
    return frame;
  };
  return {
    status: res.status,
    headers: res.headers,
    next,
    async until(comment) {
      const frames: SseFrame[] = [];
      for (let f = await next(); f; f = await next()) {
        frames.push(f);
        if (f.comments.includes(comment)) return frames;
      }
      throw new Error(`stream ended before ": ${comment}"`);
    },
    async take(n) {
      const frames: SseFrame[] = [];
      while (frames.length < n) {
        const f = await next();
        if (!f) throw new Error(`stream ended after ${frames.length} of ${n} frames`);
        if (f.event !== "comment") frames.push(f);
      }
      return frames;
    },
    close() {
      abort.abort();
    },
    text: () => res.text(),
  };
}
