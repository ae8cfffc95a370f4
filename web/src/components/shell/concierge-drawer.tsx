"use client";
// The concierge drawer (spec/ui.md §1.6): Ctrl/Cmd+K anywhere — or "Ask about this" on an entity
// page, with the entity attached — opens a modal dialog on the right holding a compact concierge.
// A native <dialog> opened with showModal(): focus moves in, the page behind is inert (focus stays
// inside), Escape closes it, and focus returns to where it was. The conversation is a real one
// (drawer-conversation.tsx) and stays mounted while closed, so a reply keeps streaming.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { ConversationDetail } from "@/lib/chat-types";
import type { AskContext } from "./ask-context";
import styles from "./concierge-drawer.module.css";
import { DrawerConversation } from "./drawer-conversation";
import { togglesDrawer } from "./drawer-shortcut";

export interface ConciergeDrawer {
  /** Open the drawer; with a context, on a new conversation about it. */
  open(context?: AskContext): void;
}

const DrawerContext = createContext<ConciergeDrawer | null>(null);

/** The drawer's opener, or null outside the signed-in shell. */
export function useConciergeDrawer(): ConciergeDrawer | null {
  return useContext(DrawerContext);
}

interface DrawerState {
  context: AskContext | null;
  conversation: ConversationDetail | null;
  /** Bumped for each fresh start, so a new start remounts the body. */
  start: number;
}

const TABBABLE =
  'a[href], button:not([disabled]), textarea:not([disabled]), input:not([disabled]), select:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';

const focusComposer = (dialog: HTMLDialogElement | null) =>
  dialog?.querySelector<HTMLTextAreaElement>("textarea:not([disabled])")?.focus();

export function ConciergeDrawerProvider({ children }: { children: ReactNode }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const returnTo = useRef<HTMLElement | null>(null);
  const [isOpen, setOpen] = useState(false);
  const [state, setState] = useState<DrawerState>({ context: null, conversation: null, start: 0 });

  const open = useCallback((context?: AskContext) => {
    const d = dialog.current;
    if (!d) return;
    if (context) setState((s) => ({ context, conversation: null, start: s.start + 1 }));
    if (!d.open) {
      const active = document.activeElement;
      returnTo.current = active instanceof HTMLElement ? active : null;
      d.showModal();
      setOpen(true);
    } else focusComposer(d);
  }, []);
  const close = useCallback(() => dialog.current?.close(), []);

  // Escape (the dialog's own cancel), Close and a click on the backdrop all end in `close`.
  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const onClose = () => {
      setOpen(false);
      const target = returnTo.current;
      returnTo.current = null;
      if (target?.isConnected) target.focus();
    };
    // The dialog fills the drawer; a click on the dialog element itself is on the backdrop.
    const onClick = (e: MouseEvent) => {
      if (e.target === d) d.close();
    };
    // The page behind is inert; Tab past either end wraps inside rather than leaving for the browser.
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key !== "Tab") return;
      const all = [...d.querySelectorAll<HTMLElement>(TABBABLE)].filter((el) => el.getClientRects().length > 0);
      const first = all[0];
      const last = all[all.length - 1];
      if (!first || !last) return;
      const active = document.activeElement;
      if (e.shiftKey && (active === first || active === d)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    };
    d.addEventListener("close", onClose);
    d.addEventListener("click", onClick);
    d.addEventListener("keydown", onKeyDown);
    return () => {
      d.removeEventListener("close", onClose);
      d.removeEventListener("click", onClick);
      d.removeEventListener("keydown", onKeyDown);
    };
  }, []);

  // Opening renders the body; then focus goes to the message box.
  useEffect(() => {
    if (isOpen) focusComposer(dialog.current);
  }, [isOpen, state.start, state.conversation]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const d = dialog.current;
      if (!d || e.defaultPrevented) return;
      const active = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      const focused = active
        ? {
            tagName: active.tagName,
            type: active.getAttribute("type") ?? undefined,
            isContentEditable: active.isContentEditable,
          }
        : null;
      if (!togglesDrawer(e, focused, d.open && active !== null && d.contains(active))) return;
      e.preventDefault();
      if (d.open) d.close();
      else open();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);

  const api = useMemo<ConciergeDrawer>(() => ({ open }), [open]);
  const removeContext = () => {
    setState((s) => ({ ...s, context: null }));
    requestAnimationFrame(() => focusComposer(dialog.current));
  };
  return (
    <DrawerContext.Provider value={api}>
      {children}
      <dialog ref={dialog} className={styles.drawer} aria-labelledby="concierge-drawer-title" aria-modal="true">
        {isOpen || state.conversation ? (
          <DrawerConversation
            key={state.start}
            context={state.context}
            conversation={state.conversation}
            onStarted={(conversation) => setState((s) => ({ ...s, conversation }))}
            onNew={() => setState((s) => ({ ...s, conversation: null, start: s.start + 1 }))}
            onRemoveContext={removeContext}
            onClose={close}
          />
        ) : null}
      </dialog>
    </DrawerContext.Provider>
  );
}
