// The problem+json error body agents receive (spec/domain.md §0), parsed by the agent.
import { z } from "zod";

export const AgentProblem = z.looseObject({
  type: z.string().optional(),
  title: z.string().optional(),
  status: z.int(),
  code: z.string(),
  reason: z.string().optional(),
  detail: z.string().optional(),
  errors: z.array(z.looseObject({ path: z.string(), message: z.string() })).optional(),
});
export type AgentProblem = z.infer<typeof AgentProblem>;
