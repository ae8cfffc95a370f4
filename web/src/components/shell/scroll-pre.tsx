// Preformatted text (JSON, code) in a box that may scroll: focusable, so a keyboard can scroll it.
export function ScrollPre({ className, children }: { className?: string; children: React.ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard
    <pre className={className} tabIndex={0}>
      {children}
    </pre>
  );
}
