"use client";
// What a signed-out visitor gets: the sign-in page itself, or a redirect to it that remembers where
// they were going. It runs during server rendering too, so the redirect is an HTTP redirect.
import { redirect, usePathname } from "next/navigation";
import type { ReactNode } from "react";

export function SignedOutGate({ children }: { children: ReactNode }) {
  const pathname = usePathname() ?? "/";
  if (pathname === "/signin" || pathname.startsWith("/signin/")) return <>{children}</>;
  redirect(pathname === "/" ? "/signin" : `/signin?next=${encodeURIComponent(pathname)}`);
}
