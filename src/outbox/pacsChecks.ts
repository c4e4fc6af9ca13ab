import { readDestinations, type Destination } from './config.js';
import type { ExchangeLimits } from './delivery.js';

/** A line of `doctor`'s report. */
interface PacsCheck {
  name: string;
  status: 'ok' | 'absent' | 'note' | 'fail';
  detail: string;
}

/**
 * `doctor`'s lines for the PACS: the configuration read as the app reads it (one it refuses fails here too),
 * then each destination asked at once, a C-ECHO or a DICOMweb query, one line each. `required`: the file
 * was named (--config), so its absence is a failure, as in the app.
 */
export async function pacsChecks(configFile: string, { required = false, limits }: { required?: boolean; limits?: ExchangeLimits } = {}): Promise<PacsCheck[]> {
  let destinations: Destination[];
  try {
    destinations = await readDestinations(configFile, { required });
  } catch (error) {
    return [{ name: 'pacs', status: 'fail', detail: withoutFullStop((error as Error).message) }];
  }
  if (destinations.length === 0) return [{ name: 'pacs', status: 'absent', detail: `no destinations configured (${configFile})` }];
  // loaded only here: dcmjs-dimse is needed only where destinations are configured
  const { checkReachable } = await import('./reachability.js');
  const answers = await Promise.all(destinations.map((destination) => checkReachable(destination, limits)));
  return destinations.map((destination, i) => ({ name: `pacs ${destination.name}`, status: answers[i]!.status, detail: withoutFullStop(answers[i]!.detail) }));
}

const withoutFullStop = (sentence: string) => sentence.replace(/\.$/, '');
