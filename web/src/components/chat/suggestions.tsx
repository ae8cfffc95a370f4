"use client";
// Starting points for an empty conversation; each sends its prompt as written.
import styles from "./chat.module.css";

const PROMPTS = [
  "How is the fleet doing?",
  "Which instances are silent?",
  "What is waiting for my approval?",
  "Show failed tasks",
];

export function Suggestions({ onPick, disabled = false }: { onPick: (text: string) => void; disabled?: boolean }) {
  return (
    <div className={styles.suggestions}>
      <p className={styles.hint}>Try asking:</p>
      <ul>
        {PROMPTS.map((p) => (
          <li key={p}>
            <button type="button" onClick={() => onPick(p)} disabled={disabled}>
              {p}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
