/** Before any test file runs: build the console when web/dist is missing or older than its sources. */
import { ensureConsoleBuilt } from '../../web/build.js';

export default async function setup(): Promise<void> {
  await ensureConsoleBuilt({ log: (line) => console.log(line) });
}
