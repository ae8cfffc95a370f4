// The learning loop (spec/autonomy.md §5): situation texts, embeddings, the learnings store,
// similarity search and how learnings influence the gate.
export { chooseEmbedder, type EmbedderConfig } from "./choose-embedder.ts";
export { type EmbedPendingResult, embedPending } from "./embed-pending.ts";
export { cosine, type Embedder } from "./embedder.ts";
export { LOCAL_EMBEDDING_DIMENSIONS, localEmbedder } from "./embedder-local.ts";
export { type OpenAiEmbedderOptions, openAiCompatibleEmbedder } from "./embedder-openai.ts";
export {
  type AttributionAdjustment,
  applyInfluence,
  attributionAdjustment,
  type Evidence,
  type InfluenceEffect,
  type LearningInfluence,
  learningInfluence,
} from "./influence.ts";
export { type ProposeInput, type ProposeOutcome, proposalDirection, proposePolicyChange } from "./proposals.ts";
export { type RecordedLearning, type RecordLearningInput, recordLearning } from "./record.ts";
export { type SimilarLearning, type SimilarQuery, type SimilarResult, similarLearnings } from "./similar.ts";
export {
  type AttributionSituationInput,
  attributionSituationText,
  type FeatureValue,
  type SituationInput,
  situationHash,
  situationText,
} from "./situation.ts";
export { DECISIONS_WITHOUT_LEARNING, LEARNING_TRIGGERS, type LearningTrigger } from "./triggers.ts";
export { type LearningsIndex, prepareLearningsIndex, type SearchMode } from "./vector-index.ts";
