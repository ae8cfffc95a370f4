"use client";
// "Ask about this" (spec/ui.md §1.6): on an entity page's header, opens the concierge drawer on a
// new conversation with the entity attached as a removable chip.
import { type AskContext, chipLabel } from "./ask-context";
import { useConciergeDrawer } from "./concierge-drawer";

export function AskAboutButton({ context }: { context: AskContext }) {
  const drawer = useConciergeDrawer();
  return (
    <button type="button" aria-haspopup="dialog" onClick={() => drawer?.open(context)} disabled={!drawer}>
      Ask about this<span className="visually-hidden"> {chipLabel(context)}</span>
    </button>
  );
}
