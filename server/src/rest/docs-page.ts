// A self-contained, browsable API reference rendered from the OpenAPI document (no CDN assets).
type Doc = ReturnType<typeof import("./openapi.ts").buildOpenApi>;

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] as string,
  );

interface OpObj {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: { type?: unknown } }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
  "x-nodepilot-scope"?: string;
  "x-nodepilot-effect"?: string;
}

export function renderDocsPage(doc: Doc): string {
  const ops: { method: string; path: string; op: OpObj }[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) ops.push({ method, path, op: op as OpObj });
  }
  const tags = [...new Set(ops.map((o) => o.op.tags?.[0] ?? "system"))].sort();
  const section = (tag: string) => {
    const items = ops.filter((o) => (o.op.tags?.[0] ?? "system") === tag);
    return `<section id="tag-${esc(tag)}"><h2>${esc(tag)}</h2>${items
      .map(({ method, path, op }) => {
        const params = (op.parameters ?? [])
          .map(
            (p) =>
              `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? "yes" : ""}</td><td>${esc(
                JSON.stringify(p.schema?.type ?? ""),
              )}</td><td>${esc(p.description ?? "")}</td></tr>`,
          )
          .join("");
        const body = op.requestBody?.content["application/json"]?.schema;
        const ok = Object.entries(op.responses).find(([s]) => s.startsWith("2"));
        return `<article class="op" id="${esc(op.operationId)}" data-search="${esc(`${op.operationId} ${path} ${op.summary}`.toLowerCase())}">
<h3><span class="m m-${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p class="sum"><b>${esc(op.summary)}</b> · <code>${esc(op.operationId)}</code>${op["x-nodepilot-scope"] ? ` · scope <code>${esc(op["x-nodepilot-scope"])}</code>` : ""}${op["x-nodepilot-effect"] ? ` · ${esc(op["x-nodepilot-effect"])}` : ""}</p>
<p>${esc(op.description ?? "")}</p>
${params ? `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th>description</th></tr></thead><tbody>${params}</tbody></table>` : ""}
${body ? `<details><summary>Request body schema</summary><pre>${esc(JSON.stringify(body, null, 2))}</pre></details>` : ""}
${ok?.[1].content ? `<details><summary>Response ${esc(ok[0])} schema</summary><pre>${esc(JSON.stringify(ok[1].content["application/json"]?.schema, null, 2))}</pre></details>` : ""}
</article>`;
      })
      .join("")}</section>`;
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} reference</title>
<style>
body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1b1f24;display:grid;grid-template-columns:220px 1fr}
nav{position:sticky;top:0;height:100vh;overflow:auto;background:#f4f5f7;padding:1rem;border-right:1px solid #ddd}
nav a{display:block;color:#1b1f24;text-decoration:none;padding:2px 0}nav a:hover{text-decoration:underline}
main{padding:1rem 2rem;max-width:980px}input{width:100%;padding:.4rem;margin:.5rem 0;font:inherit}
.op{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:.75rem 0}.op h3{margin:.25rem 0;font-size:1rem}
.m{display:inline-block;min-width:4.2em;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:1px 4px}
.m-get{background:#1f6feb}.m-post{background:#1a7f37}.m-patch{background:#9a6700}.m-delete{background:#cf222e}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:.8rem}.sum{color:#444}
</style></head><body>
<nav aria-label="Resources"><b>${esc(doc.info.title)}</b><br><small>v${esc(doc.info.version)} · <a href="/openapi.json">openapi.json</a></small>
<label for="q" class="sr">Filter</label><input id="q" type="search" placeholder="Filter operations">
${tags.map((t) => `<a href="#tag-${esc(t)}">${esc(t)}</a>`).join("")}</nav>
<main><h1>${esc(doc.info.title)}</h1><p>${esc(doc.info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer npt_…</code>. Errors are <code>application/problem+json</code> with a stable <code>code</code>.</p>
${tags.map(section).join("")}</main>
<script>
document.getElementById('q').addEventListener('input',function(e){var q=e.target.value.toLowerCase();
document.querySelectorAll('.op').forEach(function(el){el.style.display=el.dataset.search.indexOf(q)>=0?'':'none'})});
</script></body></html>`;
}
