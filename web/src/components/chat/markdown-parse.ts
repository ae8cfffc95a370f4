// A small Markdown parser for chat text: paragraphs, headings, emphasis, inline code, fenced code,
// lists (nested by indentation), block quotes, rules, links and pipe tables. It produces a tree that
// markdown.tsx renders as React elements, so no model output ever reaches the DOM as HTML. Partial
// input (a reply still streaming) parses too: an unclosed fence is a code block so far.

export type Inline =
  | { type: "text"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  | { type: "code"; text: string }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "br" };

export type Align = "left" | "center" | "right" | null;

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: number; children: Inline[] }
  | { type: "code"; lang: string; text: string }
  | { type: "list"; ordered: boolean; start: number; items: Block[][] }
  | { type: "quote"; children: Block[] }
  | { type: "table"; header: Inline[][]; align: Align[]; rows: Inline[][][] }
  | { type: "rule" };

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/;
const HEADING = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}>\s?/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const DELIMITER_CELL = /^\s*:?-{1,}:?\s*$/;

/** The plain text of inline nodes (a table cell's words, without the markup). */
export function inlineText(nodes: readonly Inline[]): string {
  return nodes
    .map((n) => (n.type === "text" || n.type === "code" ? n.text : n.type === "br" ? " " : inlineText(n.children)))
    .join("");
}

/** Links may go to the web, mail, or somewhere in this app; nothing else (no javascript:, data:). */
export function safeHref(href: string): string | null {
  const h = href.trim();
  if (/^(https?:\/\/|mailto:)/i.test(h)) return h;
  if (h.startsWith("/") && !h.startsWith("//")) return h;
  if (h.startsWith("#")) return h;
  return null;
}

// ---- inline ---------------------------------------------------------------------------------------

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

function findClosing(src: string, from: number, marker: string): number {
  for (let i = from; i <= src.length - marker.length; i++) {
    if (src[i] === "\\") {
      i++;
      continue;
    }
    if (src[i] === "`") {
      const run = /^`+/.exec(src.slice(i))![0];
      const end = src.indexOf(run, i + run.length);
      if (end > 0) i = end + run.length - 1;
      continue;
    }
    if (src.startsWith(marker, i) && src[i - 1] !== " ") return i;
  }
  return -1;
}

export function parseInline(src: string): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text) out.push({ type: "text", text });
    text = "";
  };
  for (let i = 0; i < src.length; ) {
    const c = src[i]!;
    if (c === "\\" && i + 1 < src.length && /[\\`*_[\]()#+\-.!|>~]/.test(src[i + 1]!)) {
      text += src[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      const run = /^`+/.exec(src.slice(i))![0];
      const end = src.indexOf(run, i + run.length);
      if (end > 0) {
        flush();
        const body = src.slice(i + run.length, end);
        out.push({
          type: "code",
          text: body.length > 2 && body.startsWith(" ") && body.endsWith(" ") ? body.slice(1, -1) : body,
        });
        i = end + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }
    if ((c === "*" || c === "_") && src[i + 1] === c) {
      const marker = c + c;
      const okOpen = src[i + 2] !== undefined && src[i + 2] !== " " && (c === "*" || !isWordChar(src[i - 1]));
      const end = okOpen ? findClosing(src, i + 2, marker) : -1;
      if (end > i + 2 && (c === "*" || !isWordChar(src[end + 2]))) {
        flush();
        out.push({ type: "strong", children: parseInline(src.slice(i + 2, end)) });
        i = end + 2;
        continue;
      }
    } else if (c === "*" || c === "_") {
      const okOpen = src[i + 1] !== undefined && src[i + 1] !== " " && (c === "*" || !isWordChar(src[i - 1]));
      const end = okOpen ? findClosing(src, i + 1, c) : -1;
      if (end > i + 1 && (c === "*" || !isWordChar(src[end + 1]))) {
        flush();
        out.push({ type: "em", children: parseInline(src.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (c === "[") {
      const m = /^\[([^\]]*)\]\(((?:[^()\s]|\([^()\s]*\))+)(?:\s+"[^"]*")?\)/.exec(src.slice(i));
      if (m) {
        const href = safeHref(m[2]!);
        flush();
        if (href) out.push({ type: "link", href, children: parseInline(m[1]!) });
        else out.push(...parseInline(m[1]!));
        i += m[0].length;
        continue;
      }
    }
    if (c === "\n") {
      flush();
      out.push({ type: "br" });
      i++;
      continue;
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

// ---- tables ---------------------------------------------------------------------------------------

/** Cells of one pipe-table row; `\|` and pipes inside code spans stay in the cell. */
export function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && s[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (c === "`") {
      inCode = !inCode;
      cell += c;
    } else if (c === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

const isDelimiterRow = (line: string | undefined) =>
  line?.includes("-") === true && /^[\s|:-]+$/.test(line) && splitRow(line).every((c) => DELIMITER_CELL.test(c));

const alignOf = (cell: string): Align => {
  const c = cell.trim();
  if (c.startsWith(":") && c.endsWith(":")) return "center";
  if (c.endsWith(":")) return "right";
  if (c.startsWith(":")) return "left";
  return null;
};

// ---- blocks ---------------------------------------------------------------------------------------

const startsBlock = (line: string, next: string | undefined) =>
  FENCE.test(line) ||
  HEADING.test(line) ||
  QUOTE.test(line) ||
  RULE.test(line) ||
  ITEM.test(line) ||
  (line.includes("|") && isDelimiterRow(next));

export function parseMarkdown(src: string): Block[] {
  const lines = src.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === "") {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const marker = fence[1]!;
      const body: string[] = [];
      i++;
      while (i < lines.length && !lines[i]!.trim().startsWith(marker)) body.push(lines[i++]!);
      i++; // the closing fence (or the end of a reply still streaming)
      blocks.push({ type: "code", lang: fence[2] ?? "", text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      blocks.push({ type: "heading", level: heading[1]!.length, children: parseInline(heading[2]!) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: "rule" });
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && QUOTE.test(lines[i]!)) body.push(lines[i++]!.replace(QUOTE, ""));
      blocks.push({ type: "quote", children: parseMarkdown(body.join("\n")) });
      continue;
    }
    if (line.includes("|") && isDelimiterRow(lines[i + 1])) {
      const header = splitRow(line);
      const align = splitRow(lines[i + 1]!).map(alignOf);
      i += 2;
      const rows: Inline[][][] = [];
      while (i < lines.length && lines[i]!.includes("|") && lines[i]!.trim() !== "") {
        const cells = splitRow(lines[i++]!);
        rows.push(header.map((_, c) => parseInline(cells[c] ?? "")));
      }
      blocks.push({
        type: "table",
        header: header.map(parseInline),
        align: header.map((_, c) => align[c] ?? null),
        rows,
      });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      i = parseList(lines, i, blocks);
      continue;
    }
    const para: string[] = [];
    while (
      i < lines.length &&
      lines[i]!.trim() !== "" &&
      (para.length === 0 || !startsBlock(lines[i]!, lines[i + 1]))
    ) {
      para.push(lines[i++]!.trim());
    }
    blocks.push({ type: "paragraph", children: parseInline(para.join("\n")) });
  }
  return blocks;
}

/** One list from line `i`; returns the index after it. Items hold their (dedented) lines as blocks. */
function parseList(lines: string[], start: number, out: Block[]): number {
  const first = ITEM.exec(lines[start]!)!;
  const indent = first[1]!.length;
  const ordered = /\d/.test(first[2]!);
  const items: string[][] = [];
  let i = start;
  while (i < lines.length) {
    const line = lines[i]!;
    const m = ITEM.exec(line);
    if (m && m[1]!.length === indent && /\d/.test(m[2]!) === ordered) {
      items.push([m[3]!]);
      i++;
      continue;
    }
    const current = items[items.length - 1]!;
    if (line.trim() === "") {
      // A blank line ends the list unless the list (or this item) carries on after it.
      const next = lines[i + 1];
      const nextItem = next === undefined ? null : ITEM.exec(next);
      const continues =
        next !== undefined &&
        next.trim() !== "" &&
        ((nextItem && nextItem[1]!.length === indent && /\d/.test(nextItem[2]!) === ordered) ||
          next.length - next.trimStart().length > indent);
      if (!continues) break;
      current.push("");
      i++;
      continue;
    }
    const lead = line.length - line.trimStart().length;
    if (lead > indent) {
      current.push(line.slice(Math.min(lead, indent + 2)));
      i++;
      continue;
    }
    if (m || startsBlock(line, lines[i + 1])) break;
    current.push(line.trim()); // a lazy continuation of the item's paragraph
    i++;
  }
  out.push({
    type: "list",
    ordered,
    start: ordered ? Number.parseInt(first[2]!, 10) : 1,
    items: items.map((body) => parseMarkdown(body.join("\n"))),
  });
  return i;
}
