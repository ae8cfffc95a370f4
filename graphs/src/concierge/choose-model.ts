// Which chat model the concierge talks to: any OpenAI-compatible chat-completions endpoint when one
// is configured (OpenAI itself, or Ollama, vLLM and llama.cpp servers through OPENAI_BASE_URL),
// else the built-in offline model. The env is parsed here, at the boundary.
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { z } from "zod";
import { OfflineChatModel, type OfflineChatModelOptions } from "./offline-chat-model.ts";
import { OpenAICompatibleChatModel } from "./openai-compatible-model.ts";

const blankIsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const ModelEnv = z.object({
  OPENAI_API_KEY: z.preprocess(blankIsUnset, z.string().optional()),
  OPENAI_BASE_URL: z.preprocess(blankIsUnset, z.url({ protocol: /^https?$/ }).optional()),
  NODEPILOT_MODEL: z.preprocess(blankIsUnset, z.string().max(200).optional()),
});

/** OpenAI's own API when only a key is set. */
export const DEFAULT_OPENAI_MODEL = "gpt-4o-mini";
const OPENAI_API_BASE = "https://api.openai.com/v1";

export interface ChosenModel {
  model: BaseChatModel;
  kind: "offline" | "openai-compatible";
  /** The model name as configured (or "offline"). */
  name: string;
  baseUrl?: string;
}

export async function chooseChatModel(
  env: Record<string, string | undefined>,
  offline: OfflineChatModelOptions,
): Promise<ChosenModel> {
  const parsed = ModelEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join(".")}: ${issue.message}`);
  }
  const { OPENAI_API_KEY: apiKey, OPENAI_BASE_URL: baseUrl, NODEPILOT_MODEL: name } = parsed.data;
  if (!apiKey && !baseUrl) return { model: new OfflineChatModel(offline), kind: "offline", name: "offline" };
  // A self-hosted server has no default model to fall back on; OpenAI's API does.
  if (!name && baseUrl) throw new Error("NODEPILOT_MODEL: required with OPENAI_BASE_URL (the server's model name)");
  const model = new OpenAICompatibleChatModel({
    baseURL: baseUrl ?? OPENAI_API_BASE,
    model: name ?? DEFAULT_OPENAI_MODEL,
    // Local servers (Ollama, llama.cpp) need no key, so none is sent unless one is set.
    ...(apiKey ? { apiKey } : {}),
  });
  return { model, kind: "openai-compatible", name: name ?? DEFAULT_OPENAI_MODEL, ...(baseUrl ? { baseUrl } : {}) };
}
