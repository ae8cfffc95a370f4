// /signin: email and password, or an API token. Signed-in visitors go straight on to `?next=`.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import type { SessionInfo } from "@/lib/api-types";
import { serverGet } from "@/lib/server-api";
import { safeNext } from "@/lib/session";
import styles from "./signin.module.css";
import { SignInForms } from "./signin-forms";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const next = safeNext((await searchParams).next);
  const session = await serverGet<{ data: SessionInfo }>("/api/v1/session");
  if (session.ok) redirect(next);
  return (
    <div className={styles.page}>
      <h1>Sign in to Nodepilot</h1>
      <SignInForms next={next} />
    </div>
  );
}
