// Conversations in the store: each belongs to the principal that opened it (its user, or a service
// token), and every read and write is scoped to that owner, so another user's conversation is not
// found. A turn holds the conversation through a lease (one turn at a time, on any replica); its
// messages are appended in one transaction when it ends, together with the approval requests its
// gated calls made.
import { AppError, type Principal } from "@nodepilot/core";
import {
  approval_requests,
  conversation_approvals,
  conversation_messages,
  conversations,
  type Database,
  type DbOrTx,
} from "@nodepilot/store";
import type { UIMessage } from "ai";
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";

export type ConversationRow = typeof conversations.$inferSelect;
export type ApprovalLinkRow = typeof conversation_approvals.$inferSelect;

/** A turn holds its conversation at most this long; a crashed process's lease lapses after it. */
const TURN_LEASE_MS = 10 * 60_000;
export const TITLE_MAX = 60;

export interface ConversationOut {
  id: string;
  title: string | null;
  created_at: string;
  updated_at: string;
}

export const conversationOut = (row: ConversationRow): ConversationOut => ({
  id: row.id,
  title: row.title,
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** The default title: the first user message on one line, cut to 60 characters. */
export const titleFrom = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, TITLE_MAX);

const notFound = (id: string) => new AppError("not_found", `conversation ${id} was not found`);

const ownedBy = (p: Principal) => and(eq(conversations.account_id, p.accountId), eq(conversations.owner_id, p.actorId));

export interface PendingLink {
  approvalRequestId: string;
  toolName: string;
  input: Record<string, unknown>;
}

const messageOut = (row: typeof conversation_messages.$inferSelect): UIMessage => ({
  id: row.id,
  role: row.role,
  parts: row.parts as unknown as UIMessage["parts"],
  ...(row.metadata ? { metadata: row.metadata } : {}),
});

async function append(
  tx: DbOrTx,
  conversationId: string,
  accountId: string,
  messages: readonly UIMessage[],
  now: Date,
) {
  // Taking the numbers locks the row: appends to one conversation are serial.
  const [row] = await tx
    .update(conversations)
    .set({ message_count: sql`${conversations.message_count} + ${messages.length}`, updated_at: now })
    .where(eq(conversations.id, conversationId))
    .returning({ count: conversations.message_count });
  if (!row) throw notFound(conversationId);
  const first = row.count - messages.length;
  await tx.insert(conversation_messages).values(
    messages.map((m, i) => ({
      id: m.id,
      account_id: accountId,
      conversation_id: conversationId,
      seq: first + i,
      role: m.role,
      parts: m.parts as unknown as Record<string, unknown>[],
      metadata: (m.metadata as Record<string, unknown> | undefined) ?? null,
    })),
  );
}

export class ConversationStore {
  constructor(private readonly database: Database) {}

  private get db() {
    return this.database.db;
  }

  async list(p: Principal): Promise<ConversationRow[]> {
    return this.db
      .select()
      .from(conversations)
      .where(ownedBy(p))
      .orderBy(desc(conversations.updated_at), desc(conversations.id));
  }

  async create(p: Principal, title: string | null): Promise<ConversationRow> {
    const [row] = await this.db
      .insert(conversations)
      .values({
        account_id: p.accountId,
        owner_type: p.actorType === "user" ? "user" : "token",
        owner_id: p.actorId,
        title,
      })
      .returning();
    return row!;
  }

  async get(p: Principal, id: string): Promise<ConversationRow> {
    const [row] = await this.db
      .select()
      .from(conversations)
      .where(and(ownedBy(p), eq(conversations.id, id)));
    if (!row) throw notFound(id);
    return row;
  }

  async messages(conversationId: string): Promise<UIMessage[]> {
    const rows = await this.db
      .select()
      .from(conversation_messages)
      .where(eq(conversation_messages.conversation_id, conversationId))
      .orderBy(asc(conversation_messages.seq));
    return rows.map(messageOut);
  }

  async delete(p: Principal, id: string): Promise<void> {
    const gone = await this.db
      .delete(conversations)
      .where(and(ownedBy(p), eq(conversations.id, id)))
      .returning({ id: conversations.id });
    if (gone.length === 0) throw notFound(id);
  }

  /** Take the conversation for a turn; false while another turn holds it. */
  async claimTurn(conversationId: string, turnId: string, now: Date): Promise<boolean> {
    const lapsed = new Date(now.getTime() - TURN_LEASE_MS);
    const rows = await this.db
      .update(conversations)
      .set({ turn_id: turnId, turn_started_at: now })
      .where(
        and(
          eq(conversations.id, conversationId),
          or(isNull(conversations.turn_id), lt(conversations.turn_started_at, lapsed)),
        ),
      )
      .returning({ id: conversations.id });
    return rows.length === 1;
  }

  async releaseTurn(conversationId: string, turnId: string): Promise<void> {
    await this.db
      .update(conversations)
      .set({ turn_id: null, turn_started_at: null })
      .where(and(eq(conversations.id, conversationId), eq(conversations.turn_id, turnId)));
  }

  /**
   * The end of a turn, in one transaction: its messages, the title from the first message when the
   * conversation has none, the approval requests its calls made, and the lease released.
   */
  async finishTurn(t: {
    conversation: ConversationRow;
    turnId: string;
    messages: readonly UIMessage[];
    title: string | null;
    links: readonly PendingLink[];
    now: Date;
  }): Promise<void> {
    const c = t.conversation;
    await this.db.transaction(async (tx) => {
      if (t.messages.length > 0) await append(tx, c.id, c.account_id, t.messages, t.now);
      if (t.links.length > 0) {
        await tx
          .insert(conversation_approvals)
          .values(
            t.links.map((l) => ({
              conversation_id: c.id,
              approval_request_id: l.approvalRequestId,
              account_id: c.account_id,
              tool_name: l.toolName,
              tool_input: l.input,
            })),
          )
          .onConflictDoNothing();
      }
      await tx
        .update(conversations)
        .set({
          turn_id: null,
          turn_started_at: null,
          ...(t.title ? { title: sql`coalesce(${conversations.title}, ${t.title})` } : {}),
        })
        .where(and(eq(conversations.id, c.id), eq(conversations.turn_id, t.turnId)));
    });
  }

  /** Links still waiting for their request's outcome: of one request, or every one of an account. */
  async openLinks(
    where: { approvalRequestIds: readonly string[] } | { accountId: string },
  ): Promise<ApprovalLinkRow[]> {
    const which =
      "accountId" in where
        ? eq(conversation_approvals.account_id, where.accountId)
        : where.approvalRequestIds.length
          ? inArray(conversation_approvals.approval_request_id, [...where.approvalRequestIds])
          : sql`false`;
    return this.db
      .select()
      .from(conversation_approvals)
      .where(and(which, isNull(conversation_approvals.resumed_at)));
  }

  /** Accounts that have a conversation waiting on an approval (followed from start-up). */
  async accountsWaiting(): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ account_id: conversation_approvals.account_id })
      .from(conversation_approvals)
      .where(isNull(conversation_approvals.resumed_at));
    return rows.map((r) => r.account_id);
  }

  async approvalRequest(id: string) {
    const [row] = await this.db.select().from(approval_requests).where(eq(approval_requests.id, id));
    return row;
  }

  /** Append the resumed message and mark the link done, once: false when another process did. */
  async resume(link: ApprovalLinkRow, message: UIMessage, now: Date): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const claimed = await tx
        .update(conversation_approvals)
        .set({ resumed_at: now })
        .where(
          and(
            eq(conversation_approvals.conversation_id, link.conversation_id),
            eq(conversation_approvals.approval_request_id, link.approval_request_id),
            isNull(conversation_approvals.resumed_at),
          ),
        )
        .returning({ id: conversation_approvals.conversation_id });
      if (claimed.length === 0) return false;
      await append(tx, link.conversation_id, link.account_id, [message], now);
      return true;
    });
  }
}
