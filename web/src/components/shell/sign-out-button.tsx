"use client";
// Ends the session (DELETE /api/v1/session) and reloads into the sign-in page, dropping all client state.
import { useState } from "react";
import { ApiError, api } from "@/lib/api-client";
import styles from "./shell.module.css";

export function SignOutButton() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const signOut = async () => {
    setBusy(true);
    setError(null);
    try {
      await api("DELETE", "/api/v1/session");
      window.location.assign("/signin");
    } catch (err) {
      // Already signed out is the outcome we wanted.
      if (err instanceof ApiError && err.status === 401) {
        window.location.assign("/signin");
        return;
      }
      setError(err instanceof ApiError ? (err.problem.detail ?? err.message) : "the API is unreachable");
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" onClick={signOut} disabled={busy}>
        {busy ? "Signing out…" : "Sign out"}
      </button>
      {error && (
        <span role="alert" className={styles.errorText}>
          Sign-out failed: {error}
        </span>
      )}
    </>
  );
}
