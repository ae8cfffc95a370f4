// Hands a new conversation's first message from the composer on `/` to the thread that opens at
// /chat/<id> after the client-side navigation, which sends it. Taken once.
let pending: { conversationId: string; text: string } | null = null;

export function handOff(conversationId: string, text: string): void {
  pending = { conversationId, text };
}

export function takeHandOff(conversationId: string): string | null {
  if (pending?.conversationId !== conversationId) return null;
  const { text } = pending;
  pending = null;
  return text;
}
