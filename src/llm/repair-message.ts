// The user message that sends an attempt's problems back to the model. It asks for the whole
// answer again: merging partial fixes into the previous answer would be our guess, not the model's.
// It names the attempt so that two attempts never send the same request: the response cache would
// otherwise hand a repeated bad answer straight back instead of letting the model sample anew.

/** Enough for any real answer; bounds the prompt when an answer breaks the schema everywhere. */
const MAX_LISTED = 100;

export function repairMessage(problems: readonly string[], attempt: number, maxAttempts: number): string {
  const listed = problems.slice(0, MAX_LISTED).map((problem) => `- ${problem}`);
  if (problems.length > MAX_LISTED) listed.push(`- … and ${problems.length - MAX_LISTED} more problems like these`);
  return [
    `Your previous answer (attempt ${attempt} of ${maxAttempts}) has these problems:`,
    ...listed,
    '',
    'Reply with the complete corrected JSON object: the whole answer, not only the parts that change, and nothing else.',
  ].join('\n');
}
