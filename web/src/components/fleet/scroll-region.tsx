// A horizontally scrolling wrapper for wide tables on narrow screens: a named region that keyboard
// users can focus to scroll (axe: scrollable-region-focusable).
import type { ReactNode } from "react";
import styles from "./states.module.css";

export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <section className={styles.scroll} tabIndex={0} aria-label={label}>
      {children}
    </section>
  );
}
