import type { DailyStats } from '../../../functions/contract/queries.js';

type Series = 'sent' | 'delivered' | 'opened' | 'replied' | 'optedOut' | 'bounced' | 'failed';
const SERIES: { key: Series; label: string }[] = [
  { key: 'sent', label: 'Sent' },
  { key: 'delivered', label: 'Delivered' },
  { key: 'opened', label: 'Opened' },
  { key: 'replied', label: 'Replied' },
  { key: 'optedOut', label: 'Opted out' },
  { key: 'bounced', label: 'Bounced' },
];

const WIDTH = 720;
const HEIGHT = 200;
const PAD = { left: 36, right: 8, top: 8, bottom: 24 };

/** The daily series as an SVG line chart (no chart library: a few paths), with a table for screen readers. */
export function DailyChart({ daily }: { daily: DailyStats[] }) {
  if (daily.length === 0) return <p class="muted">No days to show yet.</p>;
  const max = Math.max(1, ...daily.flatMap((day) => SERIES.map((s) => day[s.key])));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (daily.length === 1 ? innerW / 2 : (i / (daily.length - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  const active = daily.filter((day) => SERIES.some((s) => day[s.key] > 0));
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Daily activity over the last ${daily.length} days`}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} class="grid" />
            <text x={PAD.left - 6} y={y(tick) + 4} class="axis" text-anchor="end">
              {tick}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={HEIGHT - 6} class="axis">
          {daily[0]?.day}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} class="axis" text-anchor="end">
          {daily[daily.length - 1]?.day}
        </text>
        {SERIES.map((series) => (
          <path
            key={series.key}
            class={`line line-${series.key}`}
            d={daily.map((day, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(day[series.key]).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <figcaption>
        <ul class="legend">
          {SERIES.map((series) => (
            <li key={series.key}>
              <svg viewBox="0 0 10 10" aria-hidden="true" class={`swatch line-${series.key}`}>
                <rect width="10" height="10" />
              </svg>
              {series.label}
            </li>
          ))}
        </ul>
      </figcaption>
      <details>
        <summary>Days with activity ({active.length})</summary>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Day (UTC)</th>
                {SERIES.map((s) => (
                  <th scope="col" key={s.key}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {active.map((day) => (
                <tr key={day.day}>
                  <th scope="row">{day.day}</th>
                  {SERIES.map((s) => (
                    <td key={s.key}>{day[s.key]}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
