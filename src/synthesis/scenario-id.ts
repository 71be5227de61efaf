// A scenario's id is its name normalized the way the reference system does it, so that our
// artifact folders and its `*.jsonl` rows name the same scenario: "DoorDash Drive (Delivery
// Tracking)" → `doordash_drive_delivery_tracking`.
import { asScenarioId, type ScenarioId } from '../util/brand.js';

export function scenarioId(name: string): ScenarioId {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return asScenarioId(id);
}
