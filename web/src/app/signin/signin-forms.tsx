"use client";
// The two ways in (POST /api/v1/session): email + password, or an API token. A refusal shows the
// server's problem detail and any field errors; success reloads into `next` so the shell starts fresh.
import { type FormEvent, useState } from "react";
import { ApiError, api } from "@/lib/api-client";
import type { Problem, SessionInfo } from "@/lib/api-types";
import styles from "./signin.module.css";

type Body = { email: string; password: string } | { token: string };

function failureOf(err: unknown): Problem {
  if (err instanceof ApiError) return err.problem;
  return { status: 0, detail: "The API is unreachable. Check your connection and try again." };
}

function ProblemAlert({ problem }: { problem: Problem }) {
  return (
    <div role="alert" className="error-box">
      <p className={styles.alertText}>{problem.detail ?? problem.title ?? "Sign-in failed."}</p>
      {problem.errors && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              {e.path}: {e.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function useSignIn(next: string) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const submit = async (body: Body) => {
    setBusy(true);
    setProblem(null);
    try {
      await api<{ data: SessionInfo }>("POST", "/api/v1/session", body);
      window.location.assign(next);
    } catch (err) {
      setProblem(failureOf(err));
      setBusy(false);
    }
  };
  return { busy, problem, submit };
}

function PasswordForm({ next }: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, problem, submit } = useSignIn(next);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit({ email: email.trim(), password });
  };
  return (
    <section className={styles.card}>
      <h2>Email and password</h2>
      <form onSubmit={onSubmit} className={styles.form}>
        <label htmlFor="signin-email">Email</label>
        <input
          id="signin-email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="signin-password">Password</label>
        <input
          id="signin-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {problem && <ProblemAlert problem={problem} />}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </section>
  );
}

function TokenForm({ next }: { next: string }) {
  const [token, setToken] = useState("");
  const { busy, problem, submit } = useSignIn(next);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit({ token: token.trim() });
  };
  return (
    <section className={styles.card}>
      <h2>API token</h2>
      <p className={styles.hint}>Paste a personal or service token; the session gets that token&apos;s scopes.</p>
      <form onSubmit={onSubmit} className={styles.form}>
        <label htmlFor="signin-token">API token</label>
        <input
          id="signin-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        {problem && <ProblemAlert problem={problem} />}
        <button type="submit" disabled={busy}>
          {busy ? "Checking token…" : "Use token"}
        </button>
      </form>
    </section>
  );
}

export function SignInForms({ next }: { next: string }) {
  return (
    <div className={styles.forms}>
      <PasswordForm next={next} />
      <TokenForm next={next} />
    </div>
  );
}
