import { useId } from "react";

import type { Run } from "../bindings/Run";
import { chartData, chartSummary } from "./chart";

const HEIGHT = 120;
const BAR = 14;
const GAP = 4;
const DAY_WIDTH = 2 * BAR + GAP + 24;

/** Live runs over time: records changed and failed per day, as bars with a text summary. */
export function RunsChart({ runs }: { runs: readonly Run[] }) {
  const days = chartData(runs);
  const titleId = useId();
  const descId = useId();
  const summary = chartSummary(days);
  const top = Math.max(1, ...days.map((d) => Math.max(d.changed, d.failed)));
  const scale = (n: number) => (n === 0 ? 0 : Math.max(2, (n / top) * (HEIGHT - 20)));
  const width = Math.max(days.length * DAY_WIDTH + 40, 320);
  return (
    <figure className="runs-chart" data-testid="runs-chart">
      {days.length > 0 && (
        <svg
          role="img"
          aria-labelledby={`${titleId} ${descId}`}
          viewBox={`0 0 ${String(width)} ${String(HEIGHT + 16)}`}
          width="100%"
          height={HEIGHT + 16}
          preserveAspectRatio="xMinYMin meet"
        >
          <title id={titleId}>Records changed and failed per day</title>
          <desc id={descId}>{summary}</desc>
          {days.map((d, i) => {
            const x = i * DAY_WIDTH + 8;
            return (
              <g key={d.day} data-testid="chart-day" data-day={d.day} data-changed={d.changed} data-failed={d.failed}>
                <rect className="bar-changed" x={x} y={HEIGHT - scale(d.changed)} width={BAR} height={scale(d.changed)}>
                  <title>{`${d.day}: ${String(d.changed)} changed`}</title>
                </rect>
                <rect
                  className="bar-failed"
                  x={x + BAR + GAP}
                  y={HEIGHT - scale(d.failed)}
                  width={BAR}
                  height={scale(d.failed)}
                >
                  <title>{`${d.day}: ${String(d.failed)} failed`}</title>
                </rect>
                <text className="chart-label" x={x} y={HEIGHT + 13}>
                  {d.day.slice(5)}
                </text>
              </g>
            );
          })}
          <line className="chart-axis" x1={0} x2={width} y1={HEIGHT} y2={HEIGHT} />
          <text className="chart-label" x={width - 4} y={12} textAnchor="end">
            {`most in a day: ${String(top)}`}
          </text>
        </svg>
      )}
      <figcaption>
        {days.length > 0 && (
          <span className="chart-legend" aria-hidden="true">
            <span className="legend-changed">■ changed</span> <span className="legend-failed">■ failed</span>{" "}
          </span>
        )}
        <span data-testid="chart-summary">{summary}</span>
      </figcaption>
    </figure>
  );
}
