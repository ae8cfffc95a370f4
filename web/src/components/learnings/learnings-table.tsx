// The learnings list as a table (spec/ui.md §10 "Rows"): title (to the detail page), category,
// polarity, status, importance and confidence, access count, last reinforced, tags.
import Link from "next/link";
import { RelativeTime } from "../fleet/relative-time";
import { ScrollRegion } from "../fleet/scroll-region";
import { words } from "./learning-model";
import { LearningStatusBadge, PolarityBadge, ScoreMeter, TagChips } from "./learning-parts";
import type { Learning } from "./types";

export function LearningsTable({ learnings, caption }: { learnings: readonly Learning[]; caption: string }) {
  return (
    <ScrollRegion label={caption}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Title</th>
            <th scope="col">Category</th>
            <th scope="col">Polarity</th>
            <th scope="col">Status</th>
            <th scope="col">Importance</th>
            <th scope="col">Confidence</th>
            <th scope="col">Uses</th>
            <th scope="col">Last reinforced</th>
            <th scope="col">Tags</th>
          </tr>
        </thead>
        <tbody>
          {learnings.map((l) => (
            <tr key={l.id}>
              <td>
                <Link href={`/learnings/${l.id}`}>{l.title}</Link>
              </td>
              <td>{words(l.category)}</td>
              <td>
                <PolarityBadge polarity={l.polarity} />
              </td>
              <td>
                <LearningStatusBadge status={l.status} />
              </td>
              <td>
                <ScoreMeter label="Importance" score={l.importance_score} />
              </td>
              <td>
                <ScoreMeter label="Confidence" score={l.confidence_score} />
              </td>
              <td>{l.access_count}</td>
              <td>
                <RelativeTime iso={l.last_reinforced_at} />
              </td>
              <td>{l.tags.length > 0 ? <TagChips tags={l.tags} /> : null}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
