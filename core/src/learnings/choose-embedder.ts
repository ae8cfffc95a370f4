// Which embedder a process uses (spec/autonomy.md §5.3): the OpenAI-compatible endpoint when a base
// URL is configured, else the built-in local one. The composition root passes parsed configuration.
import type { Embedder } from "./embedder.ts";
import { localEmbedder } from "./embedder-local.ts";
import { openAiCompatibleEmbedder } from "./embedder-openai.ts";

export interface EmbedderConfig {
  OPENAI_BASE_URL?: string | undefined;
  OPENAI_API_KEY?: string | undefined;
  NODEPILOT_EMBEDDING_MODEL: string;
  NODEPILOT_EMBEDDING_DIMENSIONS: number;
}

export function chooseEmbedder(config: EmbedderConfig): Embedder {
  if (!config.OPENAI_BASE_URL) return localEmbedder();
  return openAiCompatibleEmbedder({
    baseUrl: config.OPENAI_BASE_URL,
    model: config.NODEPILOT_EMBEDDING_MODEL,
    apiKey: config.OPENAI_API_KEY,
    dimensions: config.NODEPILOT_EMBEDDING_DIMENSIONS,
  });
}
