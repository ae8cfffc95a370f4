// `/`: the concierge, ready for a new conversation — the fleet snapshot, suggested prompts, and the
// conversation list beside it.
import { ConciergeLayout } from "@/components/chat/concierge-layout";
import { FleetSnapshot, type FleetSummary } from "@/components/chat/fleet-snapshot";
import { NewConversation } from "@/components/chat/new-conversation";
import type { ConversationSummary } from "@/lib/chat-types";
import { serverGet } from "@/lib/server-api";

export default async function ConciergeHome({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  const { q } = await searchParams;
  const initial = (typeof q === "string" ? q : "").slice(0, 4000);
  const [conversations, summary] = await Promise.all([
    serverGet<{ data: ConversationSummary[] }>("/api/v1/conversations"),
    serverGet<{ data: FleetSummary }>("/api/v1/fleet/summary"),
  ]);
  return (
    <ConciergeLayout conversations={conversations} activeId={null} title="New conversation">
      <NewConversation snapshot={<FleetSnapshot summary={summary} />} initial={initial} />
    </ConciergeLayout>
  );
}
