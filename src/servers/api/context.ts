/** What every route group receives from the app factory. */
import type { AgentClient } from '../../client/agent-client';

export interface RouteContext {
  client: AgentClient;
  /** The Temporal Web UI's base URL, for links (none when unset). */
  webUiUrl?: string;
  /** Seconds between SSE heartbeat comments while a run is idle. */
  heartbeatMs: number;
  /** Between polls of a followed run. */
  pollIntervalMs: number;
}
