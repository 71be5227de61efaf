// The protocols by the name `--protocol` takes.
import type { ProtocolFactory } from '../agent-protocol.js';
import type { ProtocolName } from '../trajectory.js';
import { awmXmlProtocol } from './awm-xml-protocol.js';
import { toolsProtocol } from './tools-protocol.js';

export const PROTOCOLS: Readonly<Record<ProtocolName, ProtocolFactory>> = {
  tools: toolsProtocol,
  'awm-xml': awmXmlProtocol,
};

export function isProtocolName(name: string): name is ProtocolName {
  return Object.hasOwn(PROTOCOLS, name);
}
