"use client";
// One polite live region for the whole tab: components announce short, finished facts ("The
// concierge replied: …", "Approval needed: instance.reboot") without moving focus.
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from "react";

type Announce = (message: string) => void;

const AnnouncerContext = createContext<Announce>(() => {});

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState("");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Clearing first makes a repeated message be read again.
  const announce = useCallback<Announce>((text) => {
    setMessage("");
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setMessage(text), 50);
  }, []);
  useEffect(() => () => clearTimeout(timer.current), []);
  return (
    <AnnouncerContext.Provider value={announce}>
      {children}
      <div aria-live="polite" aria-atomic="true" className="visually-hidden">
        {message}
      </div>
    </AnnouncerContext.Provider>
  );
}

/** Announce a message in the page's polite live region. */
export function useAnnounce(): Announce {
  return useContext(AnnouncerContext);
}
