"use client";
// One instance's attribution analysis in the browser: Analyze / Re-analyze (attribution.analyze),
// the latest answer winning over slower earlier ones, and live feedback events (anyone's Confirm or
// Reject, here or elsewhere) added to the candidates on screen. A resync of the event stream means
// feedback may have been missed, which the panel says until the next analysis.
import { useCallback, useRef, useState } from "react";
import { api } from "@/lib/api-client";
import { useFleetEvents } from "../fleet/event-stream";
import { type Failure, toFailure } from "../fleet/fetch-states";
import type { One } from "../fleet/types";
import { analyzePath, isFeedbackEvent, mergeFeedbackEvents } from "./attribution-model";
import type { Analysis } from "./types";

export type AnalysisState =
  | { status: "idle" }
  | { status: "loading"; hours: number; previous: Analysis | null }
  | { status: "ready"; hours: number; analysis: Analysis; stale: boolean }
  | { status: "failed"; hours: number; failure: Failure };

export function useAttribution(instanceId: string) {
  const [state, setState] = useState<AnalysisState>({ status: "idle" });
  const latest = useRef(0);

  const analyze = useCallback(
    (hours: number) => {
      const n = ++latest.current;
      setState((s) => ({ status: "loading", hours, previous: s.status === "ready" ? s.analysis : null }));
      api<One<Analysis>>("GET", analyzePath(instanceId, hours))
        .then((res) => {
          if (n === latest.current) setState({ status: "ready", hours, analysis: res.data, stale: false });
        })
        .catch((err) => {
          if (n === latest.current) setState({ status: "failed", hours, failure: toFailure(err) });
        });
    },
    [instanceId],
  );

  useFleetEvents(
    (batch) => {
      const feedback = batch.filter(isFeedbackEvent);
      if (feedback.length === 0) return;
      setState((s) => {
        if (s.status !== "ready") return s;
        const analysis = mergeFeedbackEvents(s.analysis, feedback);
        return analysis === s.analysis ? s : { ...s, analysis };
      });
    },
    () => setState((s) => (s.status === "ready" ? { ...s, stale: true } : s)),
  );

  return { state, analyze };
}
