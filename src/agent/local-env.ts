// The isolated env a run starts for itself: the scenario's tool module in the sandboxed runner,
// one session on a fresh copy of its seed.db, served over MCP on 127.0.0.1 at a free port with a
// random bearer token, so nothing else on the machine can call it. Closing saves the session's
// database consistently (the run's final.db) and removes the scratch folder.
//
//   start ──▶ serving ──close(finalDb?)──▶ closed
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpHttpServer } from '../env/mcp-http.js';
import { SandboxedRunner } from '../env/sandboxed-runner.js';
import { EnvSessions } from '../env/sessions.js';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import type { ToolSpecFile } from '../synthesis/tool-spec.js';

export interface ScenarioEnvFiles {
  readonly seedPath: string;
  readonly specPath: string;
  readonly modulePath: string;
  /** The world clock the handlers see (ISO 8601). */
  readonly worldClock: string;
}

export interface LocalEnvOptions {
  /** The MCP server's name (the scenario id). */
  readonly name: string;
  readonly files: ScenarioEnvFiles;
  /** Where the host's call log goes (one JSON line per call). */
  readonly callLogPath: string;
  readonly onNotice?: (notice: SandboxNotice) => void;
}

export class LocalEnv {
  #state: 'serving' | 'closed' = 'serving';

  private constructor(
    readonly server: McpHttpServer,
    readonly token: string,
    readonly scratchDir: string,
  ) {}

  static async start(options: LocalEnvOptions): Promise<LocalEnv> {
    const { files } = options;
    const spec = JSON.parse(readFileSync(files.specPath, 'utf8')) as ToolSpecFile;
    // The sandbox's one writable folder, holding the session file and its journal.
    const scratchDir = realpathSync(mkdtempSync(join(tmpdir(), 'awm-agent-')));
    try {
      const runner = await SandboxedRunner.start({
        init: { modulePath: files.modulePath, specPath: files.specPath, worldClock: files.worldClock },
        scratchDir,
        ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
      });
      const sessions = new EnvSessions({
        tools: spec.tools,
        snapshotPath: files.seedPath,
        sessionsDir: join(scratchDir, 'sessions'),
        runner,
        callLogPath: options.callLogPath,
      });
      const token = randomBytes(32).toString('base64url');
      let server: McpHttpServer;
      try {
        const sessionId = await sessions.createSession('agent');
        server = await McpHttpServer.start({ sessions, sessionId, name: options.name, token });
      } catch (error) {
        await sessions.close();
        throw error;
      }
      return new LocalEnv(server, token, scratchDir);
    } catch (error) {
      rmSync(scratchDir, { recursive: true, force: true });
      throw error;
    }
  }

  get url(): string {
    return this.server.url;
  }

  /** Stops serving; with `finalDbPath`, the session's database is saved there first. */
  async close(finalDbPath?: string): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    try {
      await this.server.close(finalDbPath === undefined ? {} : { keepSessionAs: finalDbPath });
    } finally {
      rmSync(this.scratchDir, { recursive: true, force: true });
    }
  }
}
