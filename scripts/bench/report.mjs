// The benchmark's words and tables: every figure with its unit, columns aligned for a terminal.

export const COMMANDS = [
  { name: 'help', label: 'awm --help', args: ['--help'] },
  { name: 'build', label: 'awm build (no-op)', args: ['build'] },
  { name: 'status', label: 'awm status', args: ['status'] },
  { name: 'check', label: 'awm check', args: ['check'] },
];
const labelOf = (name) => COMMANDS.find((command) => command.name === name).label;

export const count = (value) => Math.round(value).toLocaleString('en-US');
export const ms = (value) => `${count(value)} ms`;
export const mib = (value) => `${value.toFixed(1)} MiB`;
export const times = (value) => `${value.toFixed(2)}×`;
export const micros = (value) => `${value.toFixed(1)} µs`;

/** Rows of cells as aligned text: the first column left-aligned, the others right-aligned. */
export function table(rows, indent = '  ') {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  const line = (row) =>
    row
      .map((cell, column) =>
        column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]),
      )
      .join('   ');
  return rows.map((row) => `${indent}${line(row).trimEnd()}`).join('\n');
}

export function projectReport(project) {
  const rows = [['command', 'median', 'ratio to --help', 'peak RSS (median)', 'peak RSS (largest)']];
  for (const { name } of COMMANDS) {
    const figures = project.commands[name];
    rows.push([
      labelOf(name),
      ms(figures.medianMs),
      times(figures.ratioToHelp),
      mib(figures.peakMiB),
      mib(figures.worstPeakMiB),
    ]);
  }
  const lines = [
    `${project.title}: ${count(project.scenarios)} scenarios, ${count(project.instances)} instances`,
    `  first build (${project.firstBuild.args.join(' ')}): ${ms(project.firstBuild.ms)}, peak RSS ${mib(project.firstBuild.maxRssMiB)}`,
    `  first no-op build after it (re-hashes all outputs): ${ms(project.settling.ms)}, peak RSS ${mib(project.settling.maxRssMiB)}`,
    `  no-op commands, median of ${project.runs} interleaved runs each:`,
    table(rows, '    '),
  ];
  if (project.kind === 'real')
    lines.push(
      `  no-op build / status: ${times(project.commands.build.medianMs / project.commands.status.medianMs)} (target ≤ 1.5×)`,
    );
  return lines.join('\n');
}

/** fits: { [name]: { intercept, slope } } with slope in ms per instance. */
export function scalingReport(projects, fits) {
  const rows = [['command', 'fixed cost', 'per-instance cost']];
  for (const { name } of COMMANDS)
    rows.push([labelOf(name), ms(fits[name].intercept), `${micros(fits[name].slope * 1000)} per instance`]);
  return [
    `scaling of the synthetic project: least squares of median ms on instances (${projects.map((project) => count(project.instances)).join(', ')})`,
    table(rows),
  ].join('\n');
}

export function summaryTable(projects) {
  const rows = [
    [
      'project',
      'scenarios',
      'instances',
      'first build',
      'first no-op',
      '--help',
      'no-op build',
      '',
      'status',
      '',
      'check',
      '',
      'peak RSS build / status (median)',
    ],
  ];
  for (const project of projects) {
    const { help, build, status, check } = project.commands;
    rows.push([
      project.kind,
      count(project.scenarios),
      count(project.instances),
      ms(project.firstBuild.ms),
      ms(project.settling.ms),
      ms(help.medianMs),
      ms(build.medianMs),
      times(build.ratioToHelp),
      ms(status.medianMs),
      times(status.ratioToHelp),
      ms(check.medianMs),
      times(check.ratioToHelp),
      `${mib(build.peakMiB)} / ${mib(status.peakMiB)}`,
    ]);
  }
  return table(rows);
}

/** Targets of the issue, for reading only: a missed target never fails the script. */
export function targetsReport(projects, fits) {
  const rows = [];
  const target = (what, figure, met) => rows.push([what, figure, met ? 'met' : 'missed']);
  const at1000 = projects.find((project) => project.kind === 'synthetic' && project.scenarios === 1000);
  if (at1000) {
    target(
      'synthetic 1,000 × 7: no-op build ≤ 3× --help',
      times(at1000.commands.build.ratioToHelp),
      at1000.commands.build.ratioToHelp <= 3,
    );
    target(
      'synthetic 1,000 × 7: status ≤ 3× --help',
      times(at1000.commands.status.ratioToHelp),
      at1000.commands.status.ratioToHelp <= 3,
    );
    const peak = Math.max(at1000.commands.build.peakMiB, at1000.commands.status.peakMiB);
    target('synthetic 1,000 × 7: peak RSS (median) of no-op build and status ≤ 117 MiB', mib(peak), peak <= 117);
  }
  if (fits) {
    for (const name of ['build', 'status'])
      target(
        `per-instance cost of ${labelOf(name)} ≤ 20 µs`,
        micros(fits[name].slope * 1000),
        fits[name].slope * 1000 <= 20,
      );
  }
  for (const real of projects.filter((project) => project.kind === 'real')) {
    const ratio = real.commands.build.medianMs / real.commands.status.medianMs;
    target(`real ${count(real.scenarios)} scenarios: no-op build ≤ 1.5× status`, times(ratio), ratio <= 1.5);
  }
  return rows.length === 0 ? '  (none of the measured sizes has a target)' : table(rows);
}
