// Renders chat Markdown (parsed by markdown-parse.ts) as React elements: text is always text, links
// only go where safeHref allows, code blocks get a Copy button, pipe tables become real tables (with
// a chart of counts when they have a status-like column).
import { Fragment, memo, type ReactNode, useMemo } from "react";
import { CopyButton } from "@/components/shell/copy-button";
import styles from "./chat.module.css";
import { type Block, type Inline, inlineText, parseMarkdown } from "./markdown-parse";
import { ResultChart } from "./result-chart";
import { tableRecords } from "./status-chart";

function inlines(nodes: Inline[]): ReactNode {
  return nodes.map((n, i) => {
    const key = `${n.type}-${i}`;
    switch (n.type) {
      case "text":
        return <Fragment key={key}>{n.text}</Fragment>;
      case "strong":
        return <strong key={key}>{inlines(n.children)}</strong>;
      case "em":
        return <em key={key}>{inlines(n.children)}</em>;
      case "code":
        return <code key={key}>{n.text}</code>;
      case "link": {
        const external = /^(https?:|mailto:)/.test(n.href);
        return (
          <a key={key} href={n.href} {...(external ? { rel: "noopener noreferrer nofollow", target: "_blank" } : {})}>
            {inlines(n.children)}
          </a>
        );
      }
      case "br":
        return <br key={key} />;
      default:
        return null;
    }
  });
}

function BlockView({ block, charts }: { block: Block; charts: boolean }) {
  switch (block.type) {
    case "paragraph":
      return <p>{inlines(block.children)}</p>;
    case "heading":
      // Shown as emphasis, not as document headings, so the page's heading order stays intact.
      return <p className={styles.mdHeading}>{inlines(block.children)}</p>;
    case "code":
      return (
        <div className={styles.codeBlock}>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
          <pre tabIndex={0}>
            <code>{block.text}</code>
          </pre>
          <CopyButton value={block.text} label="Copy code" className={styles.codeCopy} />
        </div>
      );
    case "list": {
      const items = block.items.map((item, i) => (
        <li key={i}>
          {item.map((b, j) => (
            <BlockView key={j} block={b} charts={charts} />
          ))}
        </li>
      ));
      return block.ordered ? <ol start={block.start === 1 ? undefined : block.start}>{items}</ol> : <ul>{items}</ul>;
    }
    case "quote":
      return (
        <blockquote>
          {block.children.map((b, i) => (
            <BlockView key={i} block={b} charts={charts} />
          ))}
        </blockquote>
      );
    case "table":
      return <TableView block={block} chart={charts} />;
    case "rule":
      return <hr />;
  }
}

function TableView({ block, chart }: { block: Extract<Block, { type: "table" }>; chart: boolean }) {
  const records = useMemo(
    () =>
      chart
        ? tableRecords(
            block.header.map(inlineText),
            block.rows.map((r) => r.map(inlineText)),
          )
        : [],
    [block, chart],
  );
  return (
    <>
      {chart && <ResultChart rows={records} what="Table" />}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <div className={styles.tableWrap} tabIndex={0}>
        <table>
          <caption className={styles.caption}>
            Table, {block.rows.length} {block.rows.length === 1 ? "row" : "rows"}
          </caption>
          <thead>
            <tr>
              {block.header.map((h, i) => (
                <th key={i} scope="col" style={block.align[i] ? { textAlign: block.align[i] } : undefined}>
                  {inlines(h)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {block.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, c) => (
                  <td key={c} style={block.align[c] ? { textAlign: block.align[c] } : undefined}>
                    {inlines(cell)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export const Markdown = memo(function Markdown({
  text,
  charts = true,
}: {
  text: string;
  /** Chart tables with a status-like column; off when the message's tool card already charts them. */
  charts?: boolean;
}) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return (
    <div className={styles.markdown}>
      {blocks.map((b, i) => (
        <BlockView key={i} block={b} charts={charts} />
      ))}
    </div>
  );
});
