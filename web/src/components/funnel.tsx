import type { Funnel } from '../../../functions/contract/queries.js';
import { count, percent } from '../format.js';

const STAGES: { key: keyof Funnel; label: string; tone: string }[] = [
  { key: 'enrolled', label: 'Enrolled', tone: 'base' },
  { key: 'touched', label: 'Touched', tone: 'base' },
  { key: 'replied', label: 'Replied', tone: 'good' },
  { key: 'optedOut', label: 'Opted out', tone: 'bad' },
  { key: 'bounced', label: 'Bounced', tone: 'bad' },
  { key: 'completed', label: 'Completed', tone: 'muted' },
  { key: 'converted', label: 'Converted', tone: 'good' },
];

/** enrolled → touched → replied / opted out / bounced / completed, each as a bar against enrolled. */
export function FunnelView({ funnel, replyRate, label }: { funnel: Funnel; replyRate: number | null; label: string }) {
  const base = Math.max(funnel.enrolled, 1);
  return (
    <div class="funnel">
      <dl aria-label={`Funnel of ${label}`}>
        {STAGES.filter((stage) => stage.key !== 'converted' || funnel.converted > 0).map((stage) => (
          <div class="funnel-row" key={stage.key} data-stage={stage.key}>
            <dt>{stage.label}</dt>
            <dd>
              <svg class={`bar bar-${stage.tone}`} viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">
                <rect x="0" y="0" width="100" height="10" class="bar-track" />
                <rect x="0" y="0" width={Math.min(100, (funnel[stage.key] / base) * 100)} height="10" class="bar-fill" />
              </svg>
              <span class="value">{count(funnel[stage.key])}</span>
            </dd>
          </div>
        ))}
      </dl>
      <p class="reply-rate">
        Reply rate <strong data-testid="reply-rate">{percent(replyRate)}</strong>
      </p>
    </div>
  );
}
