// `awm check`: for CI. Exits 1, listing every reason, unless every instance is fresh; never builds
// and never calls an LLM.
import { describeStatus } from '../logging/status-format.js';
import type { CliIo, CommandRequest } from './io.js';
import { statusReport } from './status.js';

export async function run(request: CommandRequest, io: CliIo): Promise<number> {
  const report = await statusReport(request.root, [], io);
  if (typeof report === 'number') return report;
  const notFresh = report.instances.filter((instance) => instance.state !== 'fresh');
  if (notFresh.length === 0 && report.notes.length === 0) {
    io.stdout.write(`awm check: all ${report.instances.length} instances are fresh\n`);
    return 0;
  }
  io.stdout.write(describeStatus(report, true));
  // Says exactly what failed the check: instances not fresh, lists that hide instances, or both.
  const total = report.instances.length;
  const found = [
    ...(notFresh.length > 0 ? [`${notFresh.length} of ${total} instances are not fresh`] : []),
    ...(report.notes.length > 0
      ? [
          `${report.notes.length} list${report.notes.length === 1 ? '' : 's'} cannot be read, so the instances that fan out over ${report.notes.length === 1 ? 'it' : 'them'} cannot be checked`,
        ]
      : []),
  ];
  io.stdout.write(`awm check: ${found.join('; ')}; run \`awm build\` and commit awm.lock\n`);
  return 1;
}
