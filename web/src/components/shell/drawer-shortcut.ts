// When Ctrl/Cmd+K opens (or closes) the concierge drawer: the chord itself, and not while the
// operator is typing somewhere else — a text field keeps its own keys, unless it is the drawer's.
// Pure: takes the event's fields and the focused element's, not the DOM.

export interface KeyChord {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export interface FocusedElement {
  tagName: string;
  /** For inputs: the type attribute (a checkbox is not a place one types in). */
  type?: string;
  isContentEditable?: boolean;
}

/** Ctrl+K (Windows, Linux) or Cmd+K (macOS), with no other modifier. */
export function isDrawerChord(e: KeyChord): boolean {
  return (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === "k";
}

const NOT_TYPED = new Set(["button", "checkbox", "radio", "submit", "reset", "range", "color", "file", "image"]);

/** Is focus in a control that takes typed text? */
export function isTypingTarget(el: FocusedElement | null): boolean {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  return tag === "input" && !NOT_TYPED.has((el.type ?? "text").toLowerCase());
}

/** Should this keydown toggle the drawer? `inDrawer`: focus is inside the drawer itself. */
export function togglesDrawer(e: KeyChord, focused: FocusedElement | null, inDrawer: boolean): boolean {
  return isDrawerChord(e) && (inDrawer || !isTypingTarget(focused));
}
