"use client";
// The header's way into the concierge drawer, and where its shortcut is written down: Ctrl+K
// (Cmd+K on a Mac) opens it from anywhere.
import { useConciergeDrawer } from "./concierge-drawer";
import styles from "./concierge-drawer.module.css";

export function DrawerButton() {
  const drawer = useConciergeDrawer();
  return (
    <button
      type="button"
      aria-haspopup="dialog"
      aria-keyshortcuts="Control+K Meta+K"
      onClick={() => drawer?.open()}
      disabled={!drawer}
    >
      Ask<span className={styles.long}> the concierge</span>{" "}
      <kbd className={styles.kbd} title="Ctrl+K, or Cmd+K on a Mac">
        Ctrl K
      </kbd>
    </button>
  );
}
