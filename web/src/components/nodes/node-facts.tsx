// A node's details: template, state, environment, addresses, labels and SSH key fingerprints.
import { RelativeTime } from "../fleet/relative-time";
import styles from "./nodes.module.css";
import type { NodeOut } from "./types";

export function NodeFacts({ node, templateName }: { node: NodeOut; templateName: string | null }) {
  const labels = Object.entries(node.config.labels ?? {});
  return (
    <section className={styles.panel} aria-labelledby="node-facts-title">
      <h2 id="node-facts-title" className={styles.panelTitle}>
        Details
      </h2>
      <dl className={styles.facts}>
        <dt>Template</dt>
        <dd>
          {templateName ?? "unknown"} <span className="mono">{node.node_template_id}</span>
        </dd>
        <dt>Enabled</dt>
        <dd>{node.enabled ? "yes" : "no"}</dd>
        <dt>Environment</dt>
        <dd className="mono">{node.environment_id ?? "none"}</dd>
        <dt>Public address</dt>
        <dd>{node.public_address ?? (node.allocate_public_ip ? "allocated on provision" : "none")}</dd>
        <dt>Hostname</dt>
        <dd>{node.config.hostname ?? "default"}</dd>
        <dt>Labels</dt>
        <dd>
          {labels.length === 0
            ? "none"
            : labels.map(([k, v]) => (
                <span key={k} className={styles.address}>
                  <span className="mono">
                    {k}={v}
                  </span>
                </span>
              ))}
        </dd>
        <dt>SSH key</dt>
        <dd className="mono">
          {node.ssh_key_type} {node.ssh_key_fingerprint}
        </dd>
        <dt>Host key</dt>
        <dd className="mono">{node.ssh_host_key_fingerprint}</dd>
        <dt>Created</dt>
        <dd>
          <RelativeTime iso={node.created_at} />
        </dd>
        <dt>Node id</dt>
        <dd className="mono">{node.id}</dd>
      </dl>
    </section>
  );
}
