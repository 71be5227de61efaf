// Reads a turn written in the awm-xml protocol: the model's thinking (`<think>…</think>`, or all up
// to a lone `</think>` when the chat template opened the block) is set aside, then each
// `<tool_call>{"name": …, "arguments": …}</tool_call>` is found in order. A block whose JSON does
// not parse, or that is never closed (an answer cut off at max_tokens), is still a call: a
// malformed one, which the model is told about instead of the episode ending.
import { isRecord } from '../../util/is-record.js';

export type XmlToolCall =
  | { readonly ok: true; readonly name: string; readonly arguments: unknown }
  | { readonly ok: false; readonly text: string; readonly problem: string };

/** The turn's text without its thinking: what the user would read. */
export function withoutThinking(content: string): string {
  const closed = content.replace(/<think>[\s\S]*?<\/think>/g, '');
  const lone = closed.lastIndexOf('</think>');
  const visible = lone === -1 ? closed : closed.slice(lone + '</think>'.length);
  // A <think> never closed (cut off while thinking) hides the rest.
  const open = visible.indexOf('<think>');
  return (open === -1 ? visible : visible.slice(0, open)).trim();
}

export function findToolCalls(visible: string): XmlToolCall[] {
  const calls: XmlToolCall[] = [];
  const pattern = /<tool_call>([\s\S]*?)(<\/tool_call>|$)/g;
  for (const match of visible.matchAll(pattern)) {
    const text = (match[1] ?? '').trim();
    if (match[2] !== '</tool_call>') {
      calls.push({ ok: false, text, problem: 'the <tool_call> is never closed with </tool_call>' });
      break;
    }
    calls.push(readCall(text));
  }
  return calls;
}

function readCall(text: string): XmlToolCall {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, text, problem: `the <tool_call> is not valid JSON (${(error as Error).message})` };
  }
  // Some models wrap the call in a list.
  if (Array.isArray(value) && value.length > 0) value = value[0];
  if (!isRecord(value) || typeof value['name'] !== 'string')
    return { ok: false, text, problem: 'the <tool_call> must hold one JSON object with a "name" string' };
  return { ok: true, name: value['name'], arguments: value['arguments'] ?? null };
}
