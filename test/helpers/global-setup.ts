import path from 'node:path';
import { buildBundles } from '../../server/bundles';

/** Builds the browser bundles once for every browser test. */
export default async function setup(): Promise<void> {
  await buildBundles(path.resolve('dist/test-public'));
}
