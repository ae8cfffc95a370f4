// Shown while the server renders a learnings page.
import { LoadingState } from "@/components/fleet/fetch-states";
import styles from "@/components/fleet/page.module.css";

export default function Loading() {
  return (
    <div className={styles.page}>
      <LoadingState what="learnings" />
    </div>
  );
}
