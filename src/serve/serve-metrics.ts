// The episode server's Prometheus metrics (prom-client, its own registry: nothing global). Names
// follow Prometheus conventions; `awm_active_episodes` is the one an autoscaler reads.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type CloseReason = 'deleted' | 'reaped' | 'shutdown' | 'done' | 'disconnected';

export class ServeMetrics {
  readonly registry = new Registry();
  readonly activeEpisodes = new Gauge({
    name: 'awm_active_episodes',
    help: 'Episodes open now',
    registers: [this.registry],
  });
  readonly maxEpisodes = new Gauge({
    name: 'awm_max_episodes',
    help: 'Episodes the server admits at once (--max-episodes)',
    registers: [this.registry],
  });
  readonly episodesCreated = new Counter({
    name: 'awm_episodes_created_total',
    help: 'Episodes created, by scenario',
    labelNames: ['scenario'],
    registers: [this.registry],
  });
  readonly episodesClosed = new Counter({
    name: 'awm_episodes_closed_total',
    help: 'Episodes closed, by why',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly episodesRefused = new Counter({
    name: 'awm_episodes_refused_total',
    help: 'Episode creations refused at capacity',
    registers: [this.registry],
  });
  readonly toolCalls = new Counter({
    name: 'awm_tool_calls_total',
    help: 'Tool calls on episode MCP endpoints, by outcome (ok or the error code)',
    labelNames: ['scenario', 'outcome'],
    registers: [this.registry],
  });
  readonly toolCallSeconds = new Histogram({
    name: 'awm_tool_call_seconds',
    help: 'Tool call latency in the env host (queue, handler, transaction)',
    labelNames: ['scenario'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly verifications = new Counter({
    name: 'awm_verify_results_total',
    help: 'Verifications, by reward reason (complete, others, or why unscorable)',
    labelNames: ['scenario', 'reason'],
    registers: [this.registry],
  });

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
