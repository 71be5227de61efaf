/** A scenario glob as the commands take it: `*` any run of characters, `?` one, a comma between alternatives (`online_*,personal_banking`). */
export function globPattern(glob: string): RegExp {
  const alternatives = glob.split(',').map((part) =>
    part
      .trim()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.'),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}
